"""One filled form -> a draft layout: `extractor layouts draft FILE [--page N] [-o NEW.yaml]`.

The form's table is read as rows of cells (born-digital or scanned, the same reading as
`extract`) and cut into its parts by structure, never by a template:

    funds matrix   a header row of >= 3 labels over rows that print numbers; the row
                   labels are the column left of the numbers
    indicators     the header row holding the most known indicator labels (一级指标 …),
                   a second header row under a merged group label, data rows down to the
                   closing row: a label cell spanning the key column and the next (合计)
    fields         every other row: label | value pairs (value right), or a row of
                   labels whose value cells are the row below (value below)
    lines          the title (the year a group wherever it stands), `label:value` lines
                   above the table and signature lines under it

Names come from vocab.py (the shipped layouts' common names); draft_yaml.py writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from extractor.compare import normalize_text
from extractor.layout.draft_lines import line_fields, title_line, title_pattern
from extractor.layout.labels import label_key
from extractor.layout.vocab import Item, Names, Vocabulary, printed
from extractor.models import Cell, PageReading, Table, TextLine

EDGE = 3.0  # points: two cell edges this close are the same grid line
MAX_PAGES = 4  # a form drafted from one page may run onto this many pages
_NUMERIC = re.compile(r"^[\d.,%％+\-≥≤<>=/—]+$")


@dataclass(frozen=True)
class Row:
    table: int
    index: int
    cells: tuple[Cell, ...]  # left to right


@dataclass
class Draft:
    source: str
    page: int
    title: str = ""  # the title line as printed
    title_pattern: str = ""
    start_labels: list[str] = field(default_factory=list)
    fields: list[Item] = field(default_factory=list)
    funds_rows: list[Item] = field(default_factory=list)
    funds_columns: list[Item] = field(default_factory=list)
    indicator_columns: list[Item] = field(default_factory=list)
    key_column: str = ""
    inherit: list[str] = field(default_factory=list)
    end: str = ""
    total_columns: list[Item] = field(default_factory=list)
    other_labels: list[str] = field(default_factory=list)


def is_label(cell: Cell) -> bool:
    key = label_key(cell.text)
    return 2 <= len(key) <= 24 and not re.search(r"\d", key)


def is_number(cell: Cell) -> bool:
    text = normalize_text(cell.text)
    return bool(text) and bool(re.search(r"\d", text)) and bool(_NUMERIC.match(text))


def form_tables(readings: list[PageReading], page: int) -> tuple[list[Table], list[TextLine], list[TextLine]]:
    """The form atop `page`: its first table and the tables continuing it (up to the next
    table printing the same first label), the lines above it and the lines under it."""
    pages = [
        r for r in sorted(readings, key=lambda r: r.page.number) if page <= r.page.number < page + MAX_PAGES
    ]
    if not pages or not pages[0].tables:
        raise ValueError(f"no table on page {page}")
    first = _first_form_table(pages[0])
    start = label_key(min(first.cells, key=lambda c: (c.row, c.col)).text)
    tables: list[Table] = []
    below: list[TextLine] = []
    for reading in pages:
        for i, table in enumerate(reading.tables):
            if reading is pages[0] and table.bbox[1] < first.bbox[1]:
                continue
            if tables and any(label_key(c.text) == start for c in table.cells):
                return tables, _above(pages[0], first), below
            tables.append(table)
            nxt = reading.tables[i + 1].bbox[1] if i + 1 < len(reading.tables) else reading.page.height
            below = [ln for ln in reading.lines if table.bbox[3] <= ln.bbox[1] and ln.bbox[3] <= nxt + 1]
    return tables, _above(pages[0], first), below


def _first_form_table(reading: PageReading) -> Table:
    """The first table with text lines over it (a title): a table atop the page without
    one is the end of a form begun on the page before."""
    top = 0.0
    for table in reading.tables:
        if any(top <= ln.bbox[1] and ln.bbox[3] <= table.bbox[1] + 1 for ln in reading.lines):
            return table
        top = table.bbox[3]
    return reading.tables[0]


def _above(reading: PageReading, table: Table) -> list[TextLine]:
    top = max((t.bbox[3] for t in reading.tables if t.bbox[3] <= table.bbox[1] + 1), default=0.0)
    return [ln for ln in reading.lines if top <= ln.bbox[1] and ln.bbox[3] <= table.bbox[1] + 1]


def table_rows(tables: list[Table]) -> list[Row]:
    rows = []
    for ti, table in enumerate(tables):
        by_row: dict[int, list[Cell]] = {}
        for cell in table.cells:
            by_row.setdefault(cell.row, []).append(cell)
        for index in sorted(by_row):
            rows.append(Row(ti, index, tuple(sorted(by_row[index], key=lambda c: c.bbox[0]))))
    return rows


def covers(cell: Cell, x: float) -> bool:
    return cell.bbox[0] - 0.5 <= x <= cell.bbox[2] + 0.5


def cell_under(row: Row, x: float) -> Cell | None:
    return next((c for c in row.cells if covers(c, x)), None)


def draft_form(readings: list[PageReading], page: int, vocab: Vocabulary, source: str = "") -> Draft:
    tables, above, below = form_tables(readings, page)
    rows = table_rows(tables)
    draft = Draft(source, page)
    used: set[int] = set()
    head = _indicators(rows, vocab, draft, used)
    _funds(rows[: head if head is not None else len(rows)], vocab, draft, used)
    _fields(rows, vocab, draft, used)
    _title_and_lines(above, below, vocab, draft)
    draft.start_labels = [f.label for f in draft.fields if f.line is None][:3]
    return draft


def _leads(row: Row) -> list[Cell]:
    """Cells at the row's left that span rows further down (项目资金（万元）, 绩效指标)."""
    return [c for c in row.cells if c.row_span > 1 and c is row.cells[0] and is_label(c)]


def _indicators(rows: list[Row], vocab: Vocabulary, draft: Draft, used: set[int]) -> int | None:
    known = [sum(1 for c in r.cells if vocab.name("indicators", c.text)) for r in rows]
    if not known or max(known) < 2:
        return None
    h = known.index(max(known))
    header = rows[h]
    leads = _leads(header)
    depth = max(c.row_span for c in header.cells if c not in leads)
    subs = [r for r in rows[h + 1 : h + depth] if r.table == header.table]
    columns: list[Cell] = []
    for c in header.cells:
        if c in leads or not is_label(c):
            continue
        under = [
            s
            for r in subs
            for s in r.cells
            if c.row_span < depth and c.bbox[0] - EDGE <= s.bbox[0] and s.bbox[2] <= c.bbox[2] + EDGE
        ]
        if under:
            draft.other_labels.append(printed(c))
        columns += under or [c]
    draft.other_labels += [printed(c) for c in leads]
    names = Names(vocab)
    data = rows[h + depth :]
    items = [names.item("indicators", c.text, f"col{i + 1}") for i, c in enumerate(columns)]
    for item, c in zip(items, columns, strict=True):
        if not item.common:
            item.type = _guess_type(data, c)
    key_i = _key_column(items, columns, data)
    draft.indicator_columns, draft.key_column = items, items[key_i].key
    draft.inherit = [it.key for it in items[:key_i]]
    used.update(range(h, h + depth))
    for j, row in enumerate(data, start=h + depth):
        used.add(j)
        closing = next(
            (
                c
                for c in row.cells
                if is_label(c)
                and covers(c, columns[key_i].x_mid)
                and c.col_span > 1
                and sum(covers(c, o.x_mid) for o in columns) >= 2
            ),
            None,
        )
        if closing is not None:
            _closing(draft, row, closing, items, columns)
            break
    return h


def _guess_type(data: list[Row], header: Cell) -> str:
    cells = [c for r in data[:12] if (c := cell_under(r, header.x_mid)) and c.text.strip()]
    numbers = sum(is_number(c) for c in cells)
    return "measure" if cells and numbers * 2 >= len(cells) else "text"


def _key_column(items: list[Item], columns: list[Cell], data: list[Row]) -> int:
    """The name column if the vocabulary knows it, else the leftmost column with a cell of
    its own on every row of the first table (the merged 一级/二级 columns have not)."""
    for i, it in enumerate(items):
        if it.key == "name":
            return i
    first = [r for r in data if data and r.table == data[0].table][:8]
    for i, c in enumerate(columns):
        if all((u := cell_under(r, c.x_mid)) is not None and u in r.cells and u.text.strip() for r in first):
            return i
    return 0


def _closing(draft: Draft, row: Row, closing: Cell, items: list[Item], columns: list[Cell]) -> None:
    draft.end = printed(closing)
    for item, c in zip(items, columns, strict=True):
        cell = cell_under(row, c.x_mid)
        if cell is not None and cell is not closing and is_number(cell):
            draft.total_columns.append(Item(item.key, item.label, item.type, item.common))


def _funds(rows: list[Row], vocab: Vocabulary, draft: Draft, used: set[int]) -> None:
    for f in range(len(rows) - 1):
        head, first = rows[f], rows[f + 1]
        labels = [c for c in head.cells if is_label(c) and c.row_span == 1]
        if first.table != head.table or len(labels) < 3 or sum(map(is_number, first.cells)) < 2:
            continue
        row_label = first.cells[0]
        if not is_label(row_label):
            continue
        names = Names(vocab)
        cols = [c for c in labels if c.bbox[0] >= row_label.bbox[2] - EDGE]
        draft.funds_columns = [names.item("columns", c.text, f"col{i + 1}") for i, c in enumerate(cols)]
        for item, c in zip(draft.funds_columns, cols, strict=True):
            if not item.common:
                item.type = "amount" if is_number(cell_under(first, c.x_mid) or c) else "text"
        draft.other_labels += [printed(c) for c in _leads(head)]
        used.add(f)
        row_names = Names(vocab)
        for j in range(f + 1, len(rows)):
            r = rows[j]
            lab = r.cells[0]
            if r.table != head.table or abs(lab.bbox[0] - row_label.bbox[0]) > EDGE or not is_label(lab):
                break
            used.add(j)
            draft.funds_rows.append(row_names.item("rows", lab.text, f"row{j - f}"))
        return


def _fields(rows: list[Row], vocab: Vocabulary, draft: Draft, used: set[int]) -> None:
    names = Names(vocab)
    for i, row in enumerate(rows):
        if i in used:
            continue
        leads = [c for c in row.cells[:1] if c.row_span > 1 and is_label(c) and len(row.cells) > 1]
        cells = [c for c in row.cells if c not in leads]
        draft.other_labels += [printed(c) for c in leads]
        nxt = rows[i + 1] if i + 1 < len(rows) and i + 1 not in used else None
        if nxt and nxt.table == row.table and _values_below(cells, nxt, bool(leads), vocab):
            used.add(i + 1)
            for c in cells:
                item = names.item("fields", c.text, _slug(row, c))
                item.value = "below"
                draft.fields.append(item)
            continue
        for k in range(0, len(cells) - 1, 2):
            if is_label(cells[k]):
                draft.fields.append(names.item("fields", cells[k].text, _slug(row, cells[k])))


def _slug(row: Row, cell: Cell) -> str:
    return f"field_{'t' + str(row.table) + '_' if row.table else ''}r{row.index}_c{cell.col}"


def _values_below(cells: list[Cell], nxt: Row, lead: bool, vocab: Vocabulary) -> bool:
    """A row of labels whose values are the row under it (预期目标 | 实际完成情况): the
    cells line up, and a lead spans both rows, or a cell in a value's place is a known
    label, or the labels are too many to pair, or the row under starts with a value."""
    if not all(is_label(c) for c in cells) or not _same_columns(cells, nxt.cells):
        return False
    known = any(vocab.name("fields", c.text) for c in cells[1::2])
    return lead or known or len(cells) % 2 == 1 or not is_label(nxt.cells[0])


def _same_columns(cells: list[Cell], below: tuple[Cell, ...]) -> bool:
    if not cells or len(cells) != len(below):
        return False
    return all(
        abs(a.bbox[0] - b.bbox[0]) <= EDGE and abs(a.bbox[2] - b.bbox[2]) <= EDGE
        for a, b in zip(cells, below, strict=True)
    )


_YEAR = re.compile(r"(19|20)\d{2}")


def _title_and_lines(above: list[TextLine], below: list[TextLine], vocab: Vocabulary, draft: Draft) -> None:
    names = Names(vocab)
    for f in draft.fields:
        names.used.add(f.key)
    title = title_line(above)
    if title is not None:
        draft.title, draft.title_pattern = printed(title.text), title_pattern(title.text, vocab)
    draft.fields = (
        line_fields(above, title, names, "above") + draft.fields + line_fields(below, None, names, "below")
    )


def draft_file(path: Path, page: int, vocab: Vocabulary) -> Draft:
    from extractor.config import load_settings
    from extractor.pipeline import read_document

    _, readings, errors = read_document(path, load_settings())
    if not readings:
        raise ValueError("; ".join(e.message for e in errors) or f"{path}: no page could be read")
    return draft_form(readings, page, vocab, str(path))
