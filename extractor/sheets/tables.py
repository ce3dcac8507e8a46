"""Documents -> the rows of each sheet, with the form's labels from the layout specs.

A record is named `file.pdf#n` (n from 1, as emit.batch_tables names it) in
every sheet, and links to its review page when a review URL is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor.layout.spec import LayoutSpec
from extractor.record import record_cells, row_key
from extractor.sheets.cells import Out, cell_out, clean

SHEET_INDICATORS, SHEET_FLAGS, SHEET_SUMMARY = "绩效指标", "待核查", "文件汇总"
# labels of keys a layout reads from a text line, not beside a printed label
LINE_LABELS = {"year": "年度", "county": "县区", "report_no": "报表编号"}
STATUS_LABELS = {"done": "已审核", "open": "审核中"}

Doc = Mapping[str, Any]
Rec = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: str = "text"


@dataclass
class Table:
    title: str
    columns: list[Column]
    frozen: int  # key columns kept in view
    rows: list[list[Out]] = field(default_factory=list)


# --- labels from the layout specs ------------------------------------------------------------


def _line_label(key: str, pattern: str | None) -> str:
    m = re.match(r"\^?([\u4e00-\u9fff]{2,8})[:：]", pattern or "")
    return m.group(1) if m else LINE_LABELS.get(key, key)


def field_labels(spec: LayoutSpec) -> dict[str, str]:
    """Field key -> what the form prints for it (`年度资金总额 · 年初预算数`)."""
    out = {f.key: f.labels[0] if f.labels else _line_label(f.key, f.line_pattern) for f in spec.fields}
    for m in spec.matrices:
        for row, labels in m.rows:
            for c in m.columns:
                out[m.field_key(row, c.key)] = f"{labels[0] if labels else m.name} · {c.labels[0]}"
    return out


def cell_labels(spec: LayoutSpec | None) -> dict[str, str]:
    """field_labels, and `indicators.<col>` -> the column's label."""
    if spec is None:
        return {}
    cols = spec.indicators.columns if spec.indicators else ()
    return {**field_labels(spec), **{f"indicators.{c.key}": c.labels[0] for c in cols}}


# --- records, their keys and links -----------------------------------------------------------


def record_key(doc: Doc, i: int) -> str:
    return f"{Path(doc['source']['path']).name}#{i + 1}"


def review_link(review_url: str | None, doc: Doc, rec: Rec | None) -> str | None:
    """The record's review page; without a store id, the document (else the queue)."""
    if not review_url:
        return None
    base = review_url.rstrip("/")
    rid = rec and (rec.get("record_id") or (rec.get("review") or {}).get("record_id"))
    if rid:
        return f"{base}/records/{rid}"
    job = doc.get("job_id") or doc["source"].get("job_id")
    return f"{base}/api/documents/{job}" if job else f"{base}/"


class Messages:
    """The failed rules' messages, for the cells their flags are on."""

    def __init__(self, rec: Rec):
        self.by_cell: dict[str, list[tuple[str, str]]] = {}
        for v in rec.get("validations") or ():
            for key in v.get("cells") or ():
                self.by_cell.setdefault(key, []).append((str(v["rule"]), str(v.get("message", ""))))

    def of(self, key: str, flags: Iterable[str]) -> list[str]:
        if key not in self.by_cell:
            return []
        rules = {f.split(":", 1)[1] for f in flags if f.startswith("validation:")}
        return [f"{rule}: {msg}" for rule, msg in self.by_cell.get(key, ()) if rule in rules]

    def cell(self, key: str, cell: Mapping[str, Any], type_name: str) -> Out:
        flags = cell.get("flags")
        return cell_out(cell, type_name, self.of(key, flags) if flags else ())

    def row_cell(self, n: int, column: str, cell: Mapping[str, Any], type_name: str) -> Out:
        """An indicator row's cell (its key made only when the cell is flagged)."""
        flags = cell.get("flags")
        return cell_out(cell, type_name, self.of(row_key(n, column), flags) if flags else ())


def review_state(rec: Rec) -> str:
    review = rec.get("review")
    if not review:
        return ""
    status = STATUS_LABELS.get(review.get("status"), str(review.get("status")))
    by = review.get("finished_by")
    return f"{status}（{by}）" if by else status


def _text(rec: Rec, key: str) -> str:
    return str(clean(((rec.get("fields") or {}).get(key) or {}).get("text") or ""))


def _pages(rec: Rec) -> str:
    return ",".join(str(p) for p in rec.get("pages") or ())


def _ordered_union(lists: Iterable[Iterable[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for keys in lists:
        seen.update((k, None) for k in keys)
    return list(seen)


@dataclass(frozen=True)
class Entry:
    """A record of the batch, its cells walked once for every sheet."""

    doc: Doc
    n: int  # the record's index in its document
    rec: Rec
    flagged: list[tuple[str, Mapping[str, Any]]]  # (key, CELL) of each flagged cell


def batch_records(documents: Sequence[Doc]) -> list[Entry]:
    return [
        Entry(doc, i, rec, [(key, cell) for key, cell in record_cells(rec) if cell.get("flags")])
        for doc in documents
        for i, rec in enumerate(doc.get("records") or ())
    ]


# --- a sheet per layout ------------------------------------------------------------------------

RECORD_KEYS = [Column("record", "记录"), Column("pages", "页码"), Column("project_name", "项目名称")]
RECORD_META = [
    Column("source", "文件"), Column("needs_review", "需核查"), Column("cells_flagged", "标记单元格数"),
    Column("flags", "记录标记"), Column("review", "审核"), Column("layout_score", "版式匹配度"),
]


def batch_columns(by_layout: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Each layout's field keys: those every layout of the batch has first, in one order."""
    keysets = list(by_layout.values())
    common = [k for k in keysets[0] if all(k in ks for ks in keysets)] if keysets else []
    return {lay: common + [k for k in keys if k not in common] for lay, keys in by_layout.items()}


def records_tables(entries: Sequence[Entry], specs: Mapping[str, LayoutSpec], url: str | None) -> list[Table]:
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(str(e.rec.get("layout") or "unknown"), []).append(e)
    keys = {  # the spec's field order, then keys only the records have
        lay: _ordered_union([specs[lay].field_keys if lay in specs else ()] + [e.rec["fields"] for e in es])
        for lay, es in groups.items()
    }
    tables = []
    for lay, fkeys in batch_columns(keys).items():
        spec = specs.get(lay)
        labels = cell_labels(spec)
        types = {k: spec.field_type(k) for k in spec.field_keys} if spec else {}
        fcols = [Column(k, labels.get(k, k), types.get(k, "text")) for k in fkeys if k != "project_name"]
        table = Table(lay[:31], [*RECORD_KEYS, *RECORD_META, *fcols], len(RECORD_KEYS))
        table.rows = [_record_row(e, fcols, url) for e in groups[lay]]
        tables.append(table)
    return tables


def _record_row(e: Entry, fcols: Sequence[Column], url: str | None) -> list[Out]:
    doc, rec = e.doc, e.rec
    fields = rec.get("fields") or {}
    msgs = Messages(rec)
    name = fields.get("project_name")
    row = [
        Out(record_key(doc, e.n), link=review_link(url, doc, rec)),
        Out(_pages(rec)),
        msgs.cell("project_name", name, "text") if name else Out(""),
        Out(clean(doc["source"]["path"])),
        Out("是" if rec.get("needs_review") else "否"),
        Out(len(e.flagged)),
        Out(", ".join(rec.get("flags") or ())),
        Out(review_state(rec)),
        Out(rec.get("layout_score"), "0.000"),
    ]
    for col in fcols:
        cell = fields.get(col.key)
        row.append(msgs.cell(col.key, cell, col.type) if cell else Out(None))
    return row


# --- 绩效指标: a row per indicator row, readable on its own ----------------------------------------

INDICATOR_KEYS = [
    Column("record", "记录"), Column("source", "文件"), Column("pages", "页码"),
    Column("project_name", "项目名称"), Column("row", "行"),
]


def indicator_columns(recs: Sequence[Rec], specs: Mapping[str, LayoutSpec]) -> list[Column]:
    """The batch's indicator columns, common first; labels joined where layouts differ (分值/权重)."""
    labels: dict[str, list[str]] = {}
    types: dict[str, str] = {}
    for lay in _ordered_union([str(rec.get("layout"))] for rec in recs):
        spec = specs.get(lay)
        for c in spec.indicators.columns if spec and spec.indicators else ():
            if c.labels[0] not in labels.setdefault(c.key, []):
                labels[c.key].append(c.labels[0])
            types.setdefault(c.key, c.type)
    extra = _ordered_union(row.keys() for rec in recs for row in rec.get("indicators") or ())
    return [Column(k, "/".join(labels[k]), types[k]) for k in labels] + [
        Column(k, k) for k in extra if k not in labels
    ]


def indicators_table(entries: Sequence[Entry], specs: Mapping[str, LayoutSpec]) -> Table:
    """Keyed by the record; not linked (a link per indicator row makes the write ~11% slower)."""
    cols = indicator_columns([e.rec for e in entries], specs)
    table = Table(SHEET_INDICATORS, [*INDICATOR_KEYS, *cols], len(INDICATOR_KEYS))
    for e in entries:
        doc, rec = e.doc, e.rec
        msgs = Messages(rec)
        head = [
            Out(record_key(doc, e.n)), Out(clean(doc["source"]["path"])), Out(_pages(rec)),
            Out(_text(rec, "project_name")),
        ]
        for n, row in enumerate(rec.get("indicators") or ()):
            cells = [
                msgs.row_cell(n, c.key, row[c.key], c.type) if c.key in row else Out(None)
                for c in cols
            ]
            table.rows.append([*head, Out(n + 1), *cells])
    return table


# --- 待核查: a row per flag ------------------------------------------------------------------------

FLAG_COLUMNS = [
    Column("record", "记录"), Column("source", "文件"), Column("page", "页"),
    Column("project_name", "项目名称"), Column("label", "单元格"), Column("cell", "键"),
    Column("text", "读到的文字"), Column("flag", "标记"), Column("confidence", "置信度"),
    Column("message", "说明"),
]


def flags_table(entries: Sequence[Entry], specs: Mapping[str, LayoutSpec], url: str | None) -> Table:
    """The to-do list, to filter by field or flag; a record's own flags say 记录."""
    table = Table(SHEET_FLAGS, list(FLAG_COLUMNS), 1)
    labels_of = {lay: cell_labels(spec) for lay, spec in specs.items()}
    for e in entries:
        doc, rec = e.doc, e.rec
        labels = labels_of.get(str(rec.get("layout")), {})
        msgs = Messages(rec)
        head = [Out(record_key(doc, e.n), link=review_link(url, doc, rec)), Out(clean(doc["source"]["path"]))]
        name = Out(_text(rec, "project_name"))
        first_page = (rec.get("pages") or [None])[0]
        for flag in rec.get("flags") or ():
            table.rows.append([*head, Out(first_page), name, Out("记录"), Out(""), Out(""), Out(flag)])
        for key, cell in e.flagged:
            label = labels.get(re.sub(r"\[\d+\]", "", key), key)
            for flag in cell["flags"]:
                table.rows.append([
                    *head, Out(cell.get("page")), name, Out(label), Out(key),
                    Out(clean(str(cell.get("text") or ""))), Out(flag),
                    Out(cell.get("confidence"), "0.00"), Out("; ".join(msgs.of(key, [flag]))),
                ])
    return table


# --- 文件汇总: a row per document ------------------------------------------------------------------

SUMMARY_COLUMNS = [
    Column("source", "文件"), Column("kind", "类型"), Column("pages", "页数"), Column("records", "记录数"),
    Column("needs_review", "需核查记录数"), Column("cells_flagged", "标记单元格数"),
    Column("reviewed", "已审核记录数"), Column("errors", "错误数"), Column("error_codes", "错误代码"),
    Column("error_details", "错误详情"), Column("sha256", "SHA-256"),
]


def summary_table(documents: Sequence[Doc], entries: Sequence[Entry], url: str | None) -> Table:
    table = Table(SHEET_SUMMARY, list(SUMMARY_COLUMNS), 1)
    flagged: dict[int, int] = {}  # id(document) -> its cells flagged
    for e in entries:
        flagged[id(e.doc)] = flagged.get(id(e.doc), 0) + len(e.flagged)
    for doc in documents:
        src, recs, errors = doc["source"], doc.get("records") or [], doc.get("errors") or []
        details = [f"p{e.get('page') or '-'} {e.get('code')}: {e.get('message', '')}" for e in errors]
        table.rows.append([
            Out(clean(src["path"]), link=review_link(url, doc, None)),
            Out(src.get("kind")), Out(src.get("pages")), Out(len(recs)),
            Out(sum(1 for r in recs if r.get("needs_review"))),
            Out(flagged.get(id(doc), 0)),
            Out(sum(1 for r in recs if (r.get("review") or {}).get("status") == "done")),
            Out(len(errors)), Out(", ".join(_ordered_union([str(e.get("code"))] for e in errors))),
            Out(clean("\n".join(details))), Out(src.get("sha256")),
        ])
    return table
