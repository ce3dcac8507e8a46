"""Layout specs: YAML in layouts/, validated into frozen dataclasses.

A bad spec is a LayoutSpecError naming the file and the key. The format is
documented in layouts/README.md.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex
import yaml

from extractor.errors import LayoutSpecError
from extractor.layout.expr import compile_check
from extractor.layout.labels import label_key
from extractor.layout.types import TYPES
from extractor.record import field_key

VALUE_PLACES = ("right", "below")
LINE_PLACES = ("above", "below")


@dataclass(frozen=True)
class FieldSpec:
    key: str
    labels: tuple[str, ...] = ()
    value: str = "right"  # where the value cell is, relative to the label cell
    type: str = "text"
    line_pattern: str | None = None  # read from a text line outside the table instead
    lines: str = "above"  # which lines: above the form's first table or below its last


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    labels: tuple[str, ...]
    type: str = "text"
    values: tuple[str, ...] = ()  # a closed vocabulary (layout/closed.py); () for any text
    within: str | None = None  # the column whose entry each of these values sits under
    parents: tuple[tuple[str, str], ...] = ()  # (value, its entry in `within`), where given


@dataclass(frozen=True)
class MatrixSpec:
    """Row labels x column labels; field key = prefix.row.column (prefix.column if row is "")."""

    name: str
    prefix: str
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    columns: tuple[ColumnSpec, ...]
    columns_from: str | None = None  # reuse the header row of the indicator table

    def field_key(self, row: str, col: str) -> str:
        return field_key(self.prefix, row, col)


@dataclass(frozen=True)
class IndicatorSpec:
    columns: tuple[ColumnSpec, ...]
    key: str  # the column whose cells define the rows
    end: tuple[str, ...]  # labels of the row that closes the table (总分)
    inherit: tuple[str, ...] = ()  # merged columns that a page break may split (一级指标)


@dataclass(frozen=True)
class RuleSpec:
    id: str
    check: str
    each: str | None = None  # "indicators": checked row by row
    message: str = ""
    mark: tuple[str, ...] = ()  # the cells a failure flags (default: every cell the rule reads)
    tree: ast.Expression | None = field(default=None, compare=False, repr=False)  # compiled at load


@dataclass(frozen=True)
class LayoutSpec:
    id: str
    path: str
    name: str
    titles: tuple[str, ...]
    start_labels: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    matrices: tuple[MatrixSpec, ...]
    indicators: IndicatorSpec | None
    rules: tuple[RuleSpec, ...]
    vocabularies: tuple[str, ...]
    other_labels: tuple[str, ...] = ()  # printed, read by no field (a group header): for the fit

    @property
    def title_patterns(self) -> tuple[re.Pattern[str], ...]:
        """The titles as patterns over a folded title line (labels.title_key)."""
        return tuple(re.compile(t) for t in self.titles)

    @property
    def misread_title_patterns(self) -> tuple[regex.Pattern[str], ...]:
        """The titles with one glyph lost, changed or added (the regex module's fuzzy match)."""
        return tuple(regex.compile(f"(?:{t}){{e<=1}}") for t in self.titles)

    @property
    def field_keys(self) -> tuple[str, ...]:
        keys = [f.key for f in self.fields]
        for m in self.matrices:
            keys += [m.field_key(r, c.key) for r, _ in m.rows for c in m.columns]
        return tuple(keys)

    def field_type(self, key: str) -> str:
        for f in self.fields:
            if f.key == key:
                return f.type
        for m in self.matrices:
            for r, _ in m.rows:
                for c in m.columns:
                    if m.field_key(r, c.key) == key:
                        return c.type
        raise KeyError(key)

    @property
    def label_keys(self) -> frozenset[str]:
        """Every label of the layout (each alternative), folded as labels.label_key folds."""
        return frozenset(label_key(lb) for labels in self.all_labels for lb in labels)

    @property
    def all_labels(self) -> tuple[tuple[str, ...], ...]:
        """Every label the form prints, for scoring how well a form fits this layout."""
        out = [f.labels for f in self.fields if f.labels]
        for m in self.matrices:
            out += [labels for _, labels in m.rows if labels]
            if m.columns_from is None:
                out += [c.labels for c in m.columns]
        if self.indicators:
            out += [c.labels for c in self.indicators.columns] + [self.indicators.end]
        out += [(label,) for label in self.other_labels]
        return tuple(out)


class _Reader:
    """Reads one mapping of the YAML, refusing unknown keys, naming the path on error."""

    def __init__(self, path: str, where: str, data: Any, allowed: set[str]):
        if not isinstance(data, dict):
            raise LayoutSpecError(path, where, f"expected a mapping, got {type(data).__name__}")
        self.path, self.where, self.data = path, where, data
        unknown = set(data) - allowed
        if unknown:
            raise LayoutSpecError(path, self.key(sorted(unknown)[0]), "unknown key")

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def get(self, key: str, default: Any = None, required: bool = False) -> Any:
        if key not in self.data:
            if required:
                raise LayoutSpecError(self.path, self.key(key), "required key is missing")
            return default
        return self.data[key]

    def labels(self, key: str, required: bool = False) -> tuple[str, ...]:
        raw = self.get(key, None, required)
        if raw is None:
            return ()
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(s, str) and s for s in items):
            raise LayoutSpecError(self.path, self.key(key), "expected a label or a list")
        return tuple(items)

    def type(self, key: str = "type") -> str:
        t = self.get(key, "text")
        if t not in TYPES:
            raise LayoutSpecError(
                self.path, self.key(key), f"unknown type {t!r}; known: {sorted(TYPES)}"
            )
        return str(t)


def _field(path: str, key: str, data: Any) -> FieldSpec:
    if isinstance(data, str):
        data = {"label": data}
    r = _Reader(path, f"fields.{key}", data, {"label", "value", "type", "line", "lines"})
    value = r.get("value", "right")
    if value not in VALUE_PLACES:
        raise LayoutSpecError(path, f"fields.{key}.value", f"expected one of {VALUE_PLACES}")
    lines = r.get("lines", "above")
    if lines not in LINE_PLACES:
        raise LayoutSpecError(path, f"fields.{key}.lines", f"expected one of {LINE_PLACES}")
    line = r.get("line")
    labels = r.labels("label", required=line is None)
    if line is not None:
        _pattern(path, f"fields.{key}.line", str(line))
    return FieldSpec(key, labels, value, r.type(), line, lines)


def _pattern(path: str, where: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as e:
        raise LayoutSpecError(path, where, f"bad pattern: {e}") from e


def _column(path: str, where: str, key: str, data: Any) -> ColumnSpec:
    if isinstance(data, str | list):
        data = {"label": data}
    r = _Reader(path, where, data, {"label", "type", "values", "within"})
    raw, within = r.get("values"), r.get("within")
    if not isinstance(raw, dict):
        if within is not None:
            raise LayoutSpecError(path, f"{where}.within", "needs values grouped by their entry there")
        return ColumnSpec(key, r.labels("label", required=True), r.type(), r.labels("values"))
    if not isinstance(within, str):
        raise LayoutSpecError(path, f"{where}.values", "values grouped by entry need within: <column>")
    parents: list[tuple[str, str]] = []
    for parent, children in raw.items():
        group = _Reader(path, f"{where}.values", {str(parent): children}, {str(parent)})
        parents += [(child, str(parent)) for child in group.labels(str(parent), required=True)]
    return ColumnSpec(key, r.labels("label", required=True), r.type(),
                      tuple(dict.fromkeys(c for c, _ in parents)), within, tuple(parents))


def _matrix(path: str, name: str, data: Any) -> MatrixSpec:
    r = _Reader(path, f"matrices.{name}", data, {"prefix", "rows", "columns", "columns_from"})
    rows_raw = r.get("rows", required=True)
    if not isinstance(rows_raw, dict) or not rows_raw:
        raise LayoutSpecError(path, f"matrices.{name}.rows", "expected a mapping row -> label")
    rows = tuple(
        (str(k), _Reader(path, f"matrices.{name}.rows", {"label": v}, {"label"}).labels("label"))
        for k, v in rows_raw.items()
    )
    cols_raw = r.get("columns", required=True)
    if not isinstance(cols_raw, dict) or not cols_raw:
        raise LayoutSpecError(path, f"matrices.{name}.columns", "expected a mapping")
    columns = tuple(
        _column(path, f"matrices.{name}.columns.{k}", str(k), v) for k, v in cols_raw.items()
    )
    if any(c.within for c in columns):
        raise LayoutSpecError(path, f"matrices.{name}.columns", "within: is for indicator columns")
    columns_from = r.get("columns_from")
    if columns_from not in (None, "indicators"):
        raise LayoutSpecError(path, f"matrices.{name}.columns_from", "only 'indicators' is known")
    return MatrixSpec(name, str(r.get("prefix", name)), rows, columns, columns_from)


def _indicators(path: str, data: Any) -> IndicatorSpec:
    r = _Reader(path, "indicators", data, {"columns", "key", "end", "inherit"})
    cols_raw = r.get("columns", required=True)
    if not isinstance(cols_raw, dict) or not cols_raw:
        raise LayoutSpecError(path, "indicators.columns", "expected a mapping")
    columns = tuple(
        _column(path, f"indicators.columns.{k}", str(k), v) for k, v in cols_raw.items()
    )
    key = r.get("key", required=True)
    if key not in {c.key for c in columns}:
        raise LayoutSpecError(path, "indicators.key", f"{key!r} is not one of the columns")
    by_key = {c.key: c for c in columns}
    for c in columns:
        if c.within is not None and (c.within not in by_key or c.within == c.key or not {
                p for _, p in c.parents} <= set(by_key[c.within].values)):
            raise LayoutSpecError(path, f"indicators.columns.{c.key}.within",
                                  "expected another column whose values hold every group's entry")
    inherit = r.labels("inherit")
    unknown = set(inherit) - {c.key for c in columns}
    if unknown:
        raise LayoutSpecError(path, "indicators.inherit", f"not a column: {sorted(unknown)[0]}")
    return IndicatorSpec(columns, str(key), r.labels("end", required=True), inherit)


def _rules(path: str, data: Any, spec_keys: set[str], row_keys: set[str]) -> tuple[RuleSpec, ...]:
    if not isinstance(data, list):
        raise LayoutSpecError(path, "rules", "expected a list of rules")
    rules = []
    for i, item in enumerate(data):
        r = _Reader(path, f"rules[{i}]", item, {"id", "check", "each", "message", "mark"})
        rid = str(r.get("id", required=True))
        check = str(r.get("check", required=True))
        each = r.get("each")
        if each not in (None, "indicators"):
            raise LayoutSpecError(path, f"rules[{i}].each", "only 'indicators' is known")
        known = spec_keys | {f"indicators.{k}" for k in row_keys}
        if each:
            known |= row_keys
        try:
            tree = compile_check(check, known)
        except ValueError as e:
            raise LayoutSpecError(path, f"rules[{i}].check", str(e)) from e
        mark = r.labels("mark")
        if set(mark) - known:
            raise LayoutSpecError(path, f"rules[{i}].mark", f"unknown field {sorted(set(mark) - known)[0]!r}")
        rules.append(RuleSpec(rid, check, each, str(r.get("message", "")), mark, tree))
    return tuple(rules)


TOP_KEYS = {
    "id", "name", "title", "start_labels", "fields", "matrices", "indicators", "rules",
    "vocabularies", "other_labels",
}  # fmt: skip


def parse_layout(data: Any, path: str) -> LayoutSpec:
    r = _Reader(path, "", data, TOP_KEYS)
    lid = r.get("id", required=True)
    if not isinstance(lid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", lid):
        raise LayoutSpecError(path, "id", "expected a lower-case id like perf-selfeval")
    fields_raw = r.get("fields", {}) or {}
    if not isinstance(fields_raw, dict):
        raise LayoutSpecError(path, "fields", "expected a mapping")
    fields = tuple(_field(path, str(k), v) for k, v in fields_raw.items())
    matrices_raw = r.get("matrices", {}) or {}
    if not isinstance(matrices_raw, dict):
        raise LayoutSpecError(path, "matrices", "expected a mapping")
    matrices = tuple(_matrix(path, str(k), v) for k, v in matrices_raw.items())
    indicators = _indicators(path, r.get("indicators")) if r.get("indicators") else None
    if indicators is None and any(m.columns_from for m in matrices):
        raise LayoutSpecError(path, "matrices", "columns_from: indicators needs an indicators block")
    vocab = r.labels("vocabularies")
    titles = r.labels("title", required=True)
    for i, t in enumerate(titles):
        _pattern(path, f"title[{i}]", t)
    spec = LayoutSpec(
        id=lid,
        path=path,
        name=str(r.get("name", lid)),
        titles=titles,
        start_labels=r.labels("start_labels", required=True),
        fields=fields,
        matrices=matrices,
        indicators=indicators,
        rules=(),
        vocabularies=vocab,
        other_labels=r.labels("other_labels"),
    )
    keys = spec.field_keys
    dupes = {k for k in keys if keys.count(k) > 1}
    if dupes:
        raise LayoutSpecError(path, "fields", f"field key defined twice: {sorted(dupes)[0]}")
    row_keys = {c.key for c in indicators.columns} if indicators else set()
    rules = _rules(path, r.get("rules", []) or [], set(keys), row_keys)
    return LayoutSpec(**{**spec.__dict__, "rules": rules})


def load_layout(path: Path) -> LayoutSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise LayoutSpecError(str(path), "(yaml)", f"not valid YAML: {e}") from e
    except OSError as e:
        raise LayoutSpecError(str(path), "(file)", str(e)) from e
    return parse_layout(data, str(path))


def load_layouts(directory: Path) -> list[LayoutSpec]:
    specs = [load_layout(p) for p in sorted(Path(directory).glob("*.yaml"))]
    ids = [s.id for s in specs]
    for s in specs:
        if ids.count(s.id) > 1:
            raise LayoutSpecError(s.path, "id", f"id {s.id!r} is used by another layout")
    if not specs:
        raise LayoutSpecError(str(directory), "(folder)", "no *.yaml layout found")
    return specs
