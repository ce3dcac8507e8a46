"""A Draft -> the YAML text of a layout spec (layouts/README.md), with its rule set.

Every string is written as a JSON string (a YAML double-quoted scalar); a field named by
a slug has its printed label in a comment. The text is loaded back through the spec
loader before it is returned, so a draft that would not load is never written.
"""

from __future__ import annotations

import json
import re

import yaml

from extractor.layout.draft import Draft
from extractor.layout.spec import LayoutSpec, parse_layout
from extractor.layout.vocab import Item


def q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _comment(item: Item) -> str:
    return "" if item.common else f"  # printed: {item.label}"


def _column(item: Item, columns: frozenset[str] = frozenset()) -> str:
    """A column's flow mapping; its values grouped under the entries of the column they
    sit under (`within:`) where `columns`, the draft's indicator columns, has that one."""
    typ = f", type: {item.type}" if item.type != "text" else ""
    values = f", values: [{', '.join(q(v) for v in item.values)}]" if item.values else ""
    if item.within in columns and item.parents:
        groups: dict[str, list[str]] = {}
        for child, parent in item.parents:
            groups.setdefault(parent, []).append(child)
        values = f", within: {item.within}, values: {{" + ", ".join(
            f"{q(p)}: [{', '.join(q(c) for c in cs)}]" for p, cs in groups.items()) + "}"
    return f"{{label: {q(item.label)}{typ}{values}}}{_comment(item)}"


def _field(item: Item) -> str:
    if item.line is not None:
        lines = ", lines: below" if item.lines == "below" else ""
        typ = f", type: {item.type}" if item.type != "text" else ""
        return f"{{line: {q(item.line)}{lines}{typ}}}{_comment(item)}"
    typ = f", type: {item.type}" if item.type != "text" else ""
    return f"{{label: {q(item.label)}, value: {item.value}{typ}}}{_comment(item)}"


def draft_to_yaml(draft: Draft, layout_id: str) -> str:
    out = [
        f"# Draft layout {layout_id}: drafted by `extractor layouts draft` from",
        f"# {draft.source} page {draft.page}. Check it: `extractor layouts --check` on the",
        "# form (1.000), `extractor layouts show` for the picture; rename the slugs",
        "# (field_r*, col*, row*, line_*) to words, keep the common names.",
        f"id: {layout_id}",
        f"name: {q(draft.title or layout_id)}",
        f"title: [{q(draft.title_pattern or re.escape(layout_id))}]",
        f"start_labels: [{', '.join(q(s) for s in draft.start_labels)}]",
        "",
        "fields:",
    ]
    out += [f"  {f.key}: {_field(f)}" for f in draft.fields]
    if draft.funds_rows and draft.funds_columns:
        out += ["", "matrices:", "  funds:", "    prefix: funds", "    rows:"]
        out += [f"      {r.key}: {q(r.label)}{_comment(r)}" for r in draft.funds_rows]
        out += ["    columns:"] + [f"      {c.key}: {_column(c)}" for c in draft.funds_columns]
    if draft.end and draft.total_columns and draft.indicator_columns:
        if not (draft.funds_rows and draft.funds_columns):
            out += ["", "matrices:"]
        out += ["  total:", "    prefix: total", f'    rows: {{"": {q(draft.end)}}}']
        out += ["    columns_from: indicators", "    columns:"]
        out += [f"      {c.key}: {_column(c)}" for c in draft.total_columns]
    if draft.indicator_columns:
        out += ["", "indicators:", f"  key: {draft.key_column}", f"  end: [{q(draft.end or '合计')}]"]
        if draft.inherit:
            out.append(f"  inherit: [{', '.join(draft.inherit)}]")
        keys = frozenset(c.key for c in draft.indicator_columns)
        out += ["  columns:"] + [f"    {c.key}: {_column(c, keys)}" for c in draft.indicator_columns]
    others = list(dict.fromkeys(draft.other_labels))
    if others:
        out += ["", f"other_labels: [{', '.join(q(s) for s in others)}]"]
    out += ["", "vocabularies: [优良中低差, 优良中差, 好坏, 高中低, 是否, 达到未达到]"]
    out += _rules_yaml(draft)
    return "\n".join(out) + "\n"


def draft_rules(draft: Draft) -> list[dict[str, object]]:
    """Sums where a closing 合计/总分 row or a 总额 funds row exists, the execution rate where
    budget and executed columns exist, score <= weight row by row."""
    ind = {c.key for c in draft.indicator_columns}
    total = {c.key for c in draft.total_columns}
    rows = [r.key for r in draft.funds_rows]
    cols = {c.key: c for c in draft.funds_columns}
    funds_total = "total" in rows
    rules: list[dict[str, object]] = []
    for col in ("weight", "score"):
        if col in ind and col in total:
            fund = f" + funds.total.{col}" if funds_total and col in cols else ""
            rules.append(
                {
                    "id": f"{col}_sum",
                    "check": f"sum(indicators.{col}){fund} == total.{col}",
                    "mark": [f"total.{col}"],
                }
            )
    if {"weight", "score"} <= ind:
        rules.append({"id": "score_le_weight", "each": "indicators", "check": "score <= weight"})
    budget = "budget_full_year" if "budget_full_year" in cols else "budget_initial"
    if funds_total and {"execution_rate", "executed", budget} <= set(cols):
        check = f"approx(funds.total.execution_rate, 100 * funds.total.executed / funds.total.{budget}, 1)"
        rules.append({"id": "execution_rate", "check": check})
    parts = [r for r in rows if r != "total"]
    if funds_total and parts:
        for key, c in cols.items():
            if c.type == "amount":
                terms = ", ".join(f"funds.{r}.{key}" for r in parts)
                rules.append(
                    {
                        "id": f"funds_sum_{key}",
                        "check": f"sum({terms}) == funds.total.{key}",
                        "mark": [f"funds.total.{key}"],
                    }
                )
    return rules


def _rules_yaml(draft: Draft) -> list[str]:
    rules = draft_rules(draft)
    if not rules:
        return []
    out = ["", "rules:"]
    for r in rules:
        out.append(f"  - id: {r['id']}")
        if "each" in r:
            out.append(f"    each: {r['each']}")
        out.append(f"    check: {q(str(r['check']))}")
        if "mark" in r:
            out.append(f"    mark: [{', '.join(map(str, r['mark']))}]")  # type: ignore[call-overload]
    return out


def load_draft(text: str, path: str) -> LayoutSpec:
    return parse_layout(yaml.safe_load(text), path)
