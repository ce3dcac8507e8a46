"""A form's cells -> a record of typed fields, on the layout chosen for it (choose.py).

Everything is found by label text and geometry, never by position in a
list: a value is the cell right of (or below) its label; a matrix value is
the cell on its row label's line under its column label; the indicator rows
are read under the header row's columns (indicators.py, header.py). Across
pages, a column keeps its header's share of its table's width (a page may sit
at its own offset and scale). A cell's reading becomes a typed field in
fields.py.
"""

from __future__ import annotations

import re
from dataclasses import replace

from extractor.compare import normalize_text
from extractor.layout.fields import MISSING, label_doubt, to_field
from extractor.layout.header import INFERRED_HEADER, Column, header_columns, missing_runs, place_in_order
from extractor.layout.indicators import indicator_rows
from extractor.layout.labels import AFTER_VALUE, LabelHit, before_label
from extractor.layout.spec import FieldSpec, LayoutSpec, MatrixSpec
from extractor.layout.view import NUDGE, FormView
from extractor.models import Cell, Field, Record
from extractor.record import Flag, field_key


def form_to_record(view: FormView, spec: LayoutSpec, fit: float) -> Record:
    fields: dict[str, Field] = {}
    for f in spec.fields:
        fields[f.key] = _labelled_field(view, f, spec.label_keys)
    indicator_cols = header_columns(view, spec.indicators.columns) if spec.indicators else []
    indicators, closed, closing = (
        indicator_rows(view, spec, indicator_cols) if spec.indicators else ((), True, None))
    for m in spec.matrices:
        cols = (
            [c for c in indicator_cols if c.spec.key in {mc.key for mc in m.columns}]
            if m.columns_from
            else header_columns(view, m.columns)
        )
        fields.update(_matrix_fields(view, m, cols, spec, closing))
    fields = {k: fields.get(k, MISSING) for k in spec.field_keys}
    if not closed:  # rows may be missing: the totals cannot be checked against them
        fields = {k: f.with_flags(Flag.ROWS_INCOMPLETE) if k in _total_keys(spec) else f
                  for k, f in fields.items()}
    return Record(
        layout=spec.id,
        pages=view.form.pages,
        fields=fields,
        indicators=indicators,
        flags=() if closed else (Flag.ROWS_INCOMPLETE,),
        layout_score=round(fit, 3),
    )


def _total_keys(spec: LayoutSpec) -> set[str]:
    """The fields of the row that closes the indicator table (总分: total.weight …)."""
    return {field_key(m.prefix, row, c.key) for m in spec.matrices for row, labels in m.rows
            if _closes_indicators(spec, labels) for c in m.columns}


def _closes_indicators(spec: LayoutSpec, labels: tuple[str, ...]) -> bool:
    """A matrix row printing the indicator table's closing label (总分)."""
    if spec.indicators is None:
        return False
    return bool({normalize_text(e) for e in spec.indicators.end} & {normalize_text(lb) for lb in labels})


def _labelled_field(view: FormView, f: FieldSpec, label_keys: frozenset[str] = frozenset()) -> Field:
    if f.line_pattern is not None:
        return _line_field(view, f)
    hits = view.labels.find(f.labels)
    if not hits:
        return MISSING
    hit = hits[0]
    c = hit.cell
    x, y = (c.bbox[2] + NUDGE, c.y_mid) if f.value == "right" else (c.x_mid, c.bbox[3] + NUDGE)
    found = view.cell_at(hit.table, x, y)
    if found is None:
        return MISSING
    ti, cell = found
    if (value := before_label(cell.text, label_keys)) is not None:
        cell, score = replace(cell, text=value), min(hit.score, AFTER_VALUE)
        return to_field(cell, view.form.tables[ti].page, f.type, score)
    return to_field(cell, view.form.tables[ti].page, f.type, label_doubt(cell, hit))


def _line_field(view: FormView, f: FieldSpec) -> Field:
    """The first line the pattern finds; its text, or what the group `value` matched."""
    pattern = re.compile(f.line_pattern or "")
    below = f.lines == "below"
    lines = view.form.lines_below if below else view.form.lines_above
    page = view.form.tables[-1].page if below and view.form.tables else view.form.pages[0]
    for line in lines:
        m = pattern.search(normalize_text(line.text))
        if m:
            text = m.group("value") if "value" in pattern.groupindex else line.text
            cell = Cell(line.bbox, 0, 0, text=text or "", confidence=line.confidence)
            return to_field(cell, page, f.type)
    return MISSING


def _below(hit: LabelHit, header: LabelHit) -> bool:
    if hit.table != header.table:
        return hit.table > header.table
    return hit.cell.bbox[1] >= header.cell.bbox[3] - NUDGE


def _matrix_fields(
    view: FormView, m: MatrixSpec, cols: list[Column], spec: LayoutSpec,
    closing: tuple[int, Cell] | None,
) -> dict[str, Field]:
    """A matrix's fields; a row printing the indicator table's closing label, that label
    misread past matching, is the row the indicator rows ended at (`closing`), flagged."""
    out: dict[str, Field] = {}
    if not cols:
        return out
    header = cols[0].header
    row_hits: dict[str, LabelHit] = {}
    for row_key, labels in m.rows:
        hits = [h for h in view.labels.find(labels) if _below(h, header)]
        if hits:
            row_hits[row_key] = min(hits, key=lambda h: (-h.score, h.table, h.cell.bbox[1]))
    _infer_rows(view, [k for k, _ in m.rows], row_hits, header)
    for row_key, labels in m.rows:
        if row_key not in row_hits and closing is not None and _closes_indicators(spec, labels):
            row_hits[row_key] = LabelHit(INFERRED_HEADER, *closing)
    for row_key, _ in m.rows:
        row = row_hits.get(row_key)
        if row is None:
            continue
        for col in cols:
            found = view.cell_at(row.table, view.x_on(row.table, col.x, col.header.table), row.cell.y_mid)
            if found is None or found[1] is row.cell:
                continue
            ti, cell = found
            page = view.form.tables[ti].page
            out[field_key(m.prefix, row_key, col.spec.key)] = to_field(
                cell, page, col.spec.type, label_doubt(cell, row, col.header))
    return out


def _infer_rows(view: FormView, keys: list[str], found: dict[str, LabelHit], header: LabelHit) -> None:
    """Matrix rows whose labels were misread past matching, between a found row (or, for
    the first rows, the header row) above and a found row below in the layout's order:
    the cells of the label column between them, as many as missing rows, are their
    labels in order (rows are printed in the layout's order), at INFERRED_HEADER."""
    for missing, row_above, below in missing_runs(keys, found):
        above = row_above or header
        if below is None or above.table != below.table:
            continue
        x0, x1 = below.cell.bbox[0], below.cell.bbox[2]
        if above is not header:  # two row labels: the label column spans both
            x0, x1 = min(x0, above.cell.bbox[0]), max(x1, above.cell.bbox[2])
        between = [c for c in view.form.tables[below.table].cells
                   if above.cell.bbox[3] - NUDGE <= c.bbox[1] and c.bbox[3] <= below.cell.bbox[1] + NUDGE
                   and x0 - NUDGE <= c.x_mid <= x1 + NUDGE]
        place_in_order(found, missing, between, below.table, across=False)
