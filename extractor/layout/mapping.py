"""A form's cells -> a record of typed fields, on the layout chosen for it (choose.py).

Everything is found by label text and geometry, never by position in a
list: a value is the cell right of (or below) its label; a matrix value is
the cell on its row label's line under its column label; an indicator row
is every cell in the key column between the header row and the end row.
Across pages, a column keeps its header's share of its table's width (a page may
sit at its own offset and scale). The columns come from the header row
(header.py). Closed columns (一级/二级指标) are snapped to their vocabulary, which also
votes on readings the engines doubted (closed.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

from extractor.compare import normalize_text
from extractor.layout.closed import names_column, snap, vote
from extractor.layout.header import (
    INFERRED_HEADER,
    Column,
    header_columns,
    missing_runs,
    place_in_order,
)
from extractor.layout.labels import AFTER_VALUE, LabelHit, before_label, closing_key, label_key
from extractor.layout.spec import FieldSpec, LayoutSpec, MatrixSpec
from extractor.layout.types import as_dash, grade_vocabulary, parse_value
from extractor.layout.view import NUDGE, FormView
from extractor.models import Cell, Field, Record
from extractor.record import Flag, IndicatorColumn, field_key

SURE = 0.9  # below this confidence a field is flagged low_confidence
READ_ALONE = 0.97  # a reading this sure was one engine's, clear of its accept line (0.95)
ACROSS = 2  # a key cell running across this many other indicator columns closes the table

MISSING = Field("", None, 0.0, (Flag.MISSING,))


def form_to_record(view: FormView, spec: LayoutSpec, fit: float) -> Record:
    fields: dict[str, Field] = {}
    for f in spec.fields:
        fields[f.key] = _labelled_field(view, f, spec.label_keys)
    indicator_cols = header_columns(view, spec.indicators.columns) if spec.indicators else []
    indicators, closed, closing = (
        _indicator_rows(view, spec, indicator_cols) if spec.indicators else ((), True, None))
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


def to_field(cell: Cell, page: int, type_name: str, label_score: float = 1.0) -> Field:
    dash = as_dash(type_name, cell.text)
    text = dash or cell.text
    value, type_flags = parse_value(type_name, text)
    confidence = round(cell.confidence * label_score, 3)
    flags = cell.flags + type_flags + ((Flag.VOCABULARY,) if dash else ())
    if confidence < SURE and not flags:
        flags += (Flag.LOW_CONFIDENCE,)
    return Field(text, value, confidence, tuple(dict.fromkeys(flags)), page, cell.bbox)


def label_doubt(cell: Cell, *hits: LabelHit) -> float:
    """What the matches of a cell's labels (its header, its row's label) take off its
    confidence: their score; a fuzzy match's (a label misread a glyph or two: which field
    it is was still found) nothing where the cell's reading is READ_ALONE sure. A poorly
    read label marks a poorly printed region, where two engines agreeing on a misreading
    (0.95) is likelier: those readings keep its doubt. Measured on the tuning split: the
    doubt on readings READ_ALONE sure flagged right cells only."""
    return min((1.0 if h.fuzzy and cell.confidence >= READ_ALONE else h.score for h in hits),
               default=1.0)


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


def _indicator_rows(
    view: FormView, spec: LayoutSpec, cols: list[Column]
) -> tuple[tuple[dict[str, Field], ...], bool, tuple[int, Cell] | None]:
    """The indicator rows, whether the table reached its closing row (总分), and the key
    cell of the row the rows ended at (none: they ran off the table). Closing: a row
    printing an end label. A row whose key cell runs across ACROSS other columns ends the
    rows too (the closing row's label cell over 一级/二级/三级指标, its label misread; no
    indicator row has one), but does not vouch that none is missing: a scan's lost ruling
    can merge an indicator row's cells so. Such a row with a closing label still to come
    is read as an indicator row, flagged."""
    assert spec.indicators is not None
    by_key = {c.spec.key: c for c in cols}
    key_col = by_key.get(spec.indicators.key)
    if key_col is None:
        return (), False, None
    end_keys = {label_key(e) for e in spec.indicators.end}
    end_cells = {id(h.cell) for h in view.labels.find(spec.indicators.end) if h.score >= SURE} | {
        id(c) for t in view.form.tables for c in t.cells if closing_key(c.text) in end_keys}
    others = [c for c in cols if c is not key_col]
    rows: list[dict[str, Field]] = []
    where: list[dict[str, tuple[int, Cell]]] = []  # the cell each inherited column came from
    key_cells = _column_cells(view, key_col)
    ends = [any(id(c) in end_cells and c.bbox[1] - NUDGE <= k.y_mid <= c.bbox[3] + NUDGE
                for c in view.form.tables[ti].cells) for ti, k in key_cells]
    voted, named = _voted_cells(view, spec, by_key, key_cells, ends)
    for i, (ti, key_cell) in enumerate(key_cells):
        table = view.form.tables[ti]
        if ends[i]:
            return _grade_rows(fill_merged(rows, where, view, spec), spec), True, (ti, key_cell)
        merged = bool(rows) and sum(
            key_cell.bbox[0] <= view.x_on(ti, c.x, c.header.table) <= key_cell.bbox[2] for c in others
        ) >= ACROSS
        if merged and not any(ends[i + 1:]):
            return _grade_rows(fill_merged(rows, where, view, spec), spec), False, (ti, key_cell)
        ys = [key_cell.y_mid] if merged else rows_in(view, ti, key_cell, others, spec)
        for y in ys:
            row: dict[str, Field] = {}
            where.append({})
            read_by: dict[int, list[str]] = {}  # cell id -> the columns reading it on this row
            for c in spec.indicators.columns:
                col = by_key.get(c.key)
                cell = _row_cell(view, ti, col, y) if col else None
                if cell is None or col is None:
                    row[c.key] = MISSING
                    continue
                read_by.setdefault(id(cell), []).append(c.key)
                read = voted.get(id(cell), cell)
                doubt = 1.0 if c.key in named else label_doubt(read, col.header)
                row[c.key] = to_field(read, table.page, c.type, doubt)
                if merged:  # the closing label comes later: an indicator row whose rulings were lost
                    row[c.key] = row[c.key].with_flags(Flag.LOW_CONFIDENCE)
                if c.key in spec.indicators.inherit:
                    where[-1][c.key] = (ti, cell)
            for keys in read_by.values():  # one cell under two columns: a ruling between them
                if len(keys) > 1:  # lost, its text may hold both fields
                    for key in keys:
                        row[key] = row[key].with_flags(Flag.LOW_CONFIDENCE)
            if len(ys) > 1:  # the key cell holds the names of rows a lost ruling merged
                row[key_col.spec.key] = row[key_col.spec.key].with_flags(Flag.LOW_CONFIDENCE)
            rows.append(row)
    return _grade_rows(fill_merged(rows, where, view, spec), spec), False, None


def _voted_cells(
    view: FormView, spec: LayoutSpec, by_key: dict[str, Column],
    key_cells: list[tuple[int, Cell]], ends: list[bool],
) -> tuple[dict[int, Cell], set[str]]:
    """Each closed column's cells in the indicator rows (up to the closing row) as its
    vocabulary's vote takes them (closed.vote), by id; and the closed columns whose cells
    then all read as entries of their vocabulary (closed.names_column): whatever doubt
    their header's match left (inferred by place, matched fuzzily), the column is the
    one its names say."""
    assert spec.indicators is not None
    out: dict[int, Cell] = {}
    named: set[str] = set()
    for c in spec.indicators.columns:
        col = by_key.get(c.key)
        if not c.values or col is None:
            continue
        cells = []
        for (ti, key_cell), end in zip(key_cells, ends, strict=True):
            if end:
                break
            if (cell := _row_cell(view, ti, col, key_cell.y_mid)) is not None:
                cells.append(cell)
        voted = vote(cells, c.values)
        out.update(voted)
        if names_column([voted.get(id(cell), cell) for cell in cells], c.values):
            named.add(c.key)
    return out, named


def _row_cell(view: FormView, ti: int, col: Column, y: float) -> Cell | None:
    """The cell of column `col` on the indicator row at `y`, in table `ti`."""
    return view.tables[ti].cell_at(view.x_on(ti, col.x, col.header.table), y)


def rows_in(view: FormView, ti: int, key_cell: Cell, others: list[Column], spec: LayoutSpec) -> list[float]:
    """The y of each indicator row a key cell holds: one, unless ACROSS or more of the
    columns that are never merged (not `inherit`) print several cells, each filled,
    within its span, and the key cell prints a line for each: the ruling between two
    rows' key cells was lost, and each of their rows is read from its own cells (the
    names, merged, are flagged) rather than one of them lost and the rows below shifted.
    (A false ruling, a seal's arc or another sheet's, splits a cell into a filled part
    and an empty one, under a key cell of one name.)"""
    assert spec.indicators is not None
    y0, y1 = key_cell.bbox[1] - NUDGE, key_cell.bbox[3] + NUDGE
    splits = []  # per column split under the key cell: its cells there, all filled
    for col in others:
        if col.spec.key in spec.indicators.inherit:
            continue
        x = view.x_on(ti, col.x, col.header.table)
        cells = [c for c in view.form.tables[ti].cells
                 if c.bbox[0] <= x <= c.bbox[2] and y0 <= c.bbox[1] and c.bbox[3] <= y1]
        if len(cells) > 1 and all(c.text.strip() for c in cells):
            splits.append(cells)
    if len(splits) < ACROSS:
        return [key_cell.y_mid]
    fewest = min(splits, key=len)  # a false ruling adds cells
    lines = sum(1 for line in key_cell.text.splitlines() if line.strip())
    return sorted(c.y_mid for c in fewest) if lines >= len(fewest) else [key_cell.y_mid]


def _grade_rows(rows: list[dict[str, Field]], spec: LayoutSpec) -> tuple[dict[str, Field], ...]:
    """Each row's grade checked against its target's scale, and its closed columns snapped."""
    assert spec.indicators is not None
    closed = {c.key: c.values for c in spec.indicators.columns if c.values}
    return tuple(check_grade({k: snap(f, closed[k]) if k in closed else f for k, f in r.items()},
                             spec.vocabularies) for r in rows)


def fill_merged(
    rows: list[dict[str, Field]], where: list[dict[str, tuple[int, Cell]]],
    view: FormView, spec: LayoutSpec,
) -> list[dict[str, Field]]:
    """Merged cells (一级指标, 二级指标) repeated into every row they span, across page
    breaks both ways: a span cut by a break has its text on one side only (on the lines
    below the break, the rows above it are blank; or the reverse). A blank cell under a
    filled one that the grid shows as a cell of its own (a ruling between them on a scan,
    or a form left blank there) is repeated too, but flagged low_confidence; so are the
    blank cells that open the table above the first filled one (nothing above to
    continue)."""
    assert spec.indicators is not None
    rows = [dict(r) for r in rows]
    for k in spec.indicators.inherit:
        for i in range(len(rows) - 2, -1, -1):  # up: a span's rows above its text
            here, below = where[i].get(k), where[i + 1].get(k)
            if here is None or below is None or not _blank(rows[i][k]) or _blank(rows[i + 1][k]):
                continue
            split = below[0] > here[0] and below[1].row == 0 and _at_bottom(view, *here)
            if split or below[1] is here[1]:
                rows[i][k] = rows[i + 1][k]
            elif all(_blank(r[k]) for r in rows[:i]):  # the table's first span, cut by a ruling
                rows[i][k] = rows[i + 1][k].with_flags(Flag.LOW_CONFIDENCE)
        for i in range(1, len(rows)):  # down: a span's rows below its text
            here, above = where[i].get(k), where[i - 1].get(k)
            if here is None or above is None or not _blank(rows[i][k]) or _blank(rows[i - 1][k]):
                continue
            split = here[0] > above[0] and here[1].row == 0
            same = split or here[1] is above[1]
            rows[i][k] = rows[i - 1][k] if same else rows[i - 1][k].with_flags(Flag.LOW_CONFIDENCE)
    return rows


def _blank(f: Field) -> bool:
    return not f.text.strip() and Flag.MISSING not in f.flags


def _at_bottom(view: FormView, ti: int, cell: Cell) -> bool:
    """The cell reaches its table's last row (a span a page break may cut)."""
    return cell.row + cell.row_span >= len(view.form.tables[ti].row_edges) - 1


def _column_cells(view: FormView, col: Column) -> list[tuple[int, Cell]]:
    """Cells under a header cell, down its table and on through the tables after it."""
    out = []
    for ti in range(col.header.table, len(view.form.tables)):
        for cell in view.form.tables[ti].cells:
            if not cell.bbox[0] <= view.x_on(ti, col.x, col.header.table) <= cell.bbox[2]:
                continue
            if ti == col.header.table and cell.bbox[1] < col.header.cell.bbox[3] - NUDGE:
                continue
            out.append((ti, cell))
    return sorted(out, key=lambda tc: (tc[0], tc[1].bbox[1]))


def check_grade(row: dict[str, Field], vocabularies: tuple[str, ...]) -> dict[str, Field]:
    """An actual graded on the target's own scale (target 优良中低差 → actual 优) must be on it."""
    target, actual = row.get(IndicatorColumn.TARGET), row.get(IndicatorColumn.ACTUAL)
    if not target or not actual or not normalize_text(actual.text):
        return row
    vocab = grade_vocabulary(target.text, vocabularies)
    if vocab and normalize_text(actual.text) not in set(vocab):
        row = {**row, IndicatorColumn.ACTUAL: actual.with_flags(Flag.VOCABULARY)}
    return row
