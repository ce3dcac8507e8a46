"""Pure functions: a record's JSON back to a models.Record, decisions applied, labels.

`apply_decisions(original, decisions, spec)` is the reviewed record: every
decided cell gets the reviewer's text (its value re-parsed by the field's
layout type), confidence 1.0, no flags (`unreadable` if so marked) and a
`reviewed_by`; then the layout's rules run again, so a correction that makes
a sum add up clears the flags that sum had put on the other cells.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from extractor.layout.rules import validate
from extractor.layout.spec import LayoutSpec
from extractor.layout.types import parse_value
from extractor.record import (
    CellKey,
    Flag,
    get_cell,
    record_cells,
    record_from_dict,
    record_to_dict,
    row_key,
    validation_rule,
)


@dataclass(frozen=True)
class Decision:
    key: str
    action: str  # accept | correct | unreadable
    text: str  # the text after the decision (the read text for accept)
    reviewer: str


def reading_order(cells: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """By page, then top to bottom, then left to right; cells without a place last."""

    def where(item: tuple[str, dict[str, Any]]) -> tuple[float, float, float]:
        cell = item[1]
        bbox = cell.get("bbox")
        if not bbox or cell.get("page") is None:
            return (1e9, 0.0, 0.0)
        return (float(cell["page"]), round(float(bbox[1]) / 4), float(bbox[0]))

    return sorted(cells, key=where)


def key_pattern(pattern: str) -> re.Pattern[str]:
    """`indicators[*].score` -> a regex over cell keys; only key characters and `*`."""
    if not re.fullmatch(r"[A-Za-z0-9_.\[\]*]{1,200}", pattern):
        raise ValueError(f"not a field pattern: {pattern!r}")
    parts = [r"\[\d+\]" if p == "[*]" else re.escape(p) for p in re.split(r"(\[\*\])", pattern)]
    return re.compile("^" + "".join(parts).replace(r"\*", "[A-Za-z0-9_]+") + "$")


# --- types and labels from the layout -------------------------------------------------------


def cell_type(spec: LayoutSpec | None, key: str) -> str:
    if spec is None:
        return "text"
    k = CellKey.parse(key)
    if k.row is not None:
        cols = spec.indicators.columns if spec.indicators else ()
        return next((c.type for c in cols if c.key == k.name), "text")
    try:
        return spec.field_type(key)
    except KeyError:
        return "text"


def cell_label(spec: LayoutSpec | None, key: str, record: dict[str, Any]) -> str:
    """What the form prints beside the cell, e.g. `年度资金总额 · 全年执行数`."""
    if spec is None:
        return key
    k = CellKey.parse(key)
    if k.row is not None and spec.indicators:
        i, col = k.row, k.name
        label = next((c.labels[0] for c in spec.indicators.columns if c.key == col), col)
        name = (get_cell(record, row_key(i, "name")) or {}).get("text", "")
        return f"绩效指标 {i + 1} · {label}" + (f"（{name}）" if name and col != "name" else "")
    for f in spec.fields:
        if f.key == key:
            return f.labels[0] if f.labels else {"year": "年度"}.get(key, key)
    for mx in spec.matrices:
        for row, labels in mx.rows:
            for c in mx.columns:
                if mx.field_key(row, c.key) == key:
                    return f"{labels[0] if labels else mx.name} · {c.labels[0]}"
    return key


# --- applying decisions ------------------------------------------------------------------------


def decided_cell(cell: dict[str, Any], d: Decision, type_name: str) -> dict[str, Any]:
    out = dict(cell)
    if d.action == "unreadable":
        out.update(value=None, confidence=0.0, flags=[Flag.UNREADABLE.value])
    else:
        value, _ = parse_value(type_name, d.text)
        out.update(text=d.text, value=value, confidence=1.0, flags=[])
    out["reviewed_by"] = d.reviewer
    return out


def _strip_rule_flags(record: dict[str, Any], rules: set[str]) -> None:
    def keep(flag: str) -> bool:
        return validation_rule(flag) not in rules

    for _, cell in record_cells(record):
        cell["flags"] = [f for f in cell.get("flags") or () if keep(f)]
    record["flags"] = [f for f in record.get("flags") or () if keep(f)]
    record["validations"] = []


def _set_cell(record: dict[str, Any], key: str, cell: dict[str, Any]) -> None:
    k = CellKey.parse(key)
    if k.row is not None:
        record["indicators"][k.row][k.name] = cell
    else:
        record["fields"][key] = cell


def apply_decisions(
    original: dict[str, Any], decisions: Iterable[Decision], spec: LayoutSpec | None
) -> dict[str, Any]:
    """The reviewed record: the last decision per cell applied, the rules run again."""
    last = {d.key: d for d in decisions}
    record = copy.deepcopy(original)
    decided: dict[str, dict[str, Any]] = {}
    for key, d in last.items():
        cell = get_cell(record, key)
        if cell is not None:
            decided[key] = decided_cell(cell, d, cell_type(spec, key))
            _set_cell(record, key, decided[key])
    if spec is not None:
        _strip_rule_flags(record, {r.id for r in spec.rules})
        checked = record_to_dict(validate(record_from_dict(record), spec))
        extra = {k: v for k, v in record.items() if k not in checked}
        record = {**checked, **extra}
    for key, cell in decided.items():  # a person has seen these: their decision stands
        _set_cell(record, key, cell)
    record["needs_review"] = bool(record.get("flags")) or any(
        c.get("flags") for _, c in record_cells(record)
    )
    return record
