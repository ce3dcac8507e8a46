"""The indicator rows: every cell in the key column between the header row and the end
row (总分), each row's cells under the header's columns (header.py). Merged cells (一级/二级指标)
are repeated into every row they span, across page breaks too (fill_merged); closed columns
are snapped to their vocabulary, which also votes on readings the engines doubted (closed.py).
"""

from __future__ import annotations

from extractor.compare import normalize_text
from extractor.layout.closed import names_column, nest, snap, vote
from extractor.layout.fields import MISSING, SURE, label_doubt, to_field
from extractor.layout.header import Column
from extractor.layout.labels import closing_key, label_key
from extractor.layout.spec import LayoutSpec
from extractor.layout.types import grade_vocabulary
from extractor.layout.view import NUDGE, FormView
from extractor.models import Cell, Field
from extractor.record import Flag, IndicatorColumn

ACROSS = 2  # a key cell running across this many other indicator columns closes the table


def indicator_rows(
    view: FormView, spec: LayoutSpec, cols: list[Column]
) -> tuple[tuple[dict[str, Field], ...], bool, tuple[int, Cell] | None]:
    """The indicator rows, whether they are complete (the table reached its closing row,
    总分, and no table they ran through left a row outside its grid: split.row_below; the
    rows after such a table are flagged rows_incomplete, one may hold a lost row's place),
    and the key cell of the row the rows ended at (none: they ran off the table). Closing: a row
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
    lost = False  # a table these rows ran through lost a row under its grid (split.row_below)
    for i, (ti, key_cell) in enumerate(key_cells):
        table = view.form.tables[ti]
        lost = lost or (i > 0 and key_cells[i - 1][0] != ti and key_cells[i - 1][0] in view.form.rows_below)
        if ends[i]:
            return _grade_rows(fill_merged(rows, where, view, spec), spec), not lost, (ti, key_cell)
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
            if lost:  # a row may be missing before this one: it may hold the next row's place
                row = {k: f.with_flags(Flag.ROWS_INCOMPLETE) for k, f in row.items()}
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
    """Each row's grade checked against its target's scale, and its closed columns snapped
    and held against the entries they sit under (closed.nest)."""
    assert spec.indicators is not None
    closed = {c.key: c.values for c in spec.indicators.columns if c.values}
    return tuple(check_grade(nest({k: snap(f, closed[k]) if k in closed else f for k, f in r.items()},
                                  spec.indicators.columns), spec.vocabularies) for r in rows)


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
