"""Page readings -> form instances.

A form starts at a table that prints a layout's start labels (项目名称 …) or
sits under a layout's title; the first table of a page that does neither,
and has the open form's structure, continues that form (a form running
onto the next page; a running header above it does not matter); any other
page content that is no form is reported, never dropped silently.

The same holds for a table right under the open form's table on its page (a
ruling lost across the table parts it in two). A continuation is known by its
structure, not its position: its first row's column edges, as shares of its
own width, are among the open table's (so a separately fed sheet at another
offset or scale still joins; skew is taken out before; the mapping then reads
its columns at the same shares of its width).
A page break just before the indicator table leaves the open table none of
its columns: a first row printing MIN_HEADER_LABELS of a layout's indicator
column headers (exactly, or as labels are matched when misread) continues an
open form that has not yet printed them, its walls taken for the open table's.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from extractor.errors import ErrorCode
from extractor.layout.labels import MAX_LABEL_CHARS, closing_key, fuzzy_ratio, label_key, title_key
from extractor.layout.spec import LayoutSpec
from extractor.models import DocumentError, FormInstance, PageReading, Table, TextLine

MIN_START_LABELS = 2
MIN_HEADER_LABELS = 3  # indicator column headers a first row prints to continue a form by them
ROW_BELOW_GAP = 0.5  # row heights between a table's bottom and a line of its lost row, at most
ROW_BELOW_WIDTH = 0.5  # share of the table's width such a line runs across, at least


XMap = tuple[float, float]  # (scale, offset): x on the other table = scale * x + offset


@dataclass
class _Open:
    pages: list[int]
    tables: list[Table]
    lines_above: tuple[TextLine, ...]
    lines_below: tuple[TextLine, ...] = ()
    closed: bool = False
    to_first: list[XMap] = field(default_factory=lambda: [(1.0, 0.0)])  # each table's x map
    fitted: bool = False  # a table joined by its fitted columns (FormInstance.x_maps kept)
    rows_below: list[int] = field(default_factory=list)  # FormInstance.rows_below


def _start_keys(layouts: list[LayoutSpec]) -> list[set[str]]:
    return [{label_key(lb) for lb in spec.start_labels} for spec in layouts]


def _title_patterns(layouts: list[LayoutSpec]) -> list[re.Pattern[str]]:
    return [p for spec in layouts for p in spec.title_patterns]


def _header_keys(layouts: list[LayoutSpec]) -> list[set[str]]:
    return [{label_key(lb) for c in spec.indicators.columns for lb in c.labels}
            for spec in layouts if spec.indicators]


def _end_keys(layouts: list[LayoutSpec]) -> set[str]:
    return {label_key(e) for spec in layouts if spec.indicators for e in spec.indicators.end}


def _printed(keys: set[str], wanted: set[str]) -> int:
    """How many of `wanted` the keys print, exactly or as labels are matched when misread."""
    return sum(want in keys or any(fuzzy_ratio(want, k) for k in keys) for want in wanted)


def starts_form(table: Table, above: tuple[TextLine, ...], layouts: list[LayoutSpec]) -> bool:
    """A table printing MIN_START_LABELS of a layout's start labels, each exactly or as the
    layout's labels are matched when misread (labels.fuzzy_ratio: a seal's ring over 项目名称
    leaves 日名称), or under a layout's title."""
    keys = {k for c in table.cells if (k := label_key(c.text)) and len(k) <= MAX_LABEL_CHARS}
    for start in _start_keys(layouts):
        found = _printed(keys, start)
        if found >= min(MIN_START_LABELS, len(start)):
            return True
    titles = _title_patterns(layouts)
    return any(any(t.search(title_key(ln.text)) for t in titles) for ln in above)


def _first_row_keys(table: Table) -> set[str]:
    top = table.bbox[1]
    return {k for c in table.cells if c.bbox[1] <= top + ROW_SLACK_PT
            and (k := label_key(c.text)) and len(k) <= MAX_LABEL_CHARS}


def opens_indicators(form_tables: list[Table], table: Table, above: tuple[TextLine, ...],
                     headers: list[set[str]]) -> bool:
    """`table`'s first row, or the lines just above it (a header row whose top ruling was
    lost), prints MIN_HEADER_LABELS of a layout's indicator column headers that none of
    the open form's tables prints yet."""
    first = _first_row_keys(table) | {label_key(w) for ln in above for w in ln.text.split()}
    for wanted in headers:
        if _printed(first, wanted) < MIN_HEADER_LABELS:
            continue
        seen = {k for t in form_tables for c in t.cells if (k := label_key(c.text))}
        if _printed(seen, wanted) < MIN_HEADER_LABELS:
            return True
    return False


def row_below(table: Table, lines: tuple[TextLine, ...]) -> bool:
    """A line of text hugging the bottom edge of a table that does not close its form
    (within ROW_BELOW_GAP of its median row height) and running across ROW_BELOW_WIDTH of
    its width: a row of the table whose bottom ruling a scan lost, read as one line
    outside the grid (a faded copy's last row before a page break). A page's footer is
    narrow; a note under a form follows its closing row."""
    heights = sorted(b - a for a, b in itertools.pairwise(table.row_edges))
    if not heights:
        return False
    row, (x0, _, x1, bottom) = heights[len(heights) // 2], table.bbox
    return any(ln.bbox[1] <= bottom + ROW_BELOW_GAP * row
               and min(ln.bbox[2], x1) - max(ln.bbox[0], x0) >= ROW_BELOW_WIDTH * (x1 - x0)
               for ln in lines)


def _lines_between(reading: PageReading, top: float, bottom: float) -> tuple[TextLine, ...]:
    return tuple(ln for ln in reading.lines if top <= ln.bbox[1] and ln.bbox[3] <= bottom + 1)


def split_forms(
    readings: list[PageReading], layouts: list[LayoutSpec]
) -> tuple[list[FormInstance], list[DocumentError]]:
    forms: list[_Open] = []
    errors: list[DocumentError] = []
    end_keys, headers = _end_keys(layouts), _header_keys(layouts)
    for reading in sorted(readings, key=lambda r: r.page.number):
        used = False
        prev_bottom = 0.0
        for i, table in enumerate(reading.tables):
            above = _lines_between(reading, prev_bottom, table.bbox[1])
            prev_bottom = table.bbox[3]
            nxt = reading.tables[i + 1].bbox[1] if i + 1 < len(reading.tables) else reading.page.height
            if starts_form(table, above, layouts):
                forms.append(_Open([reading.page.number], [table], above))
            elif _goes_on(forms, reading, i) and (
                    joined := continues(forms[-1].tables[-1], table)
                    or _by_header(forms[-1].tables, table, above, headers)) is not None:
                form = forms[-1]
                if reading.page.number not in form.pages:
                    form.pages.append(reading.page.number)
                (s1, o1), (s2, o2) = form.to_first[-1], joined[0]
                form.to_first.append((s1 * s2, s1 * o2 + o1))
                form.fitted |= joined[1]
                form.tables.append(table)
            else:
                continue
            used = True
            forms[-1].lines_below = _lines_between(reading, table.bbox[3], nxt)
            if {closing_key(c.text) for c in table.cells} & end_keys:
                forms[-1].closed = True
            elif row_below(table, forms[-1].lines_below):
                forms[-1].rows_below.append(len(forms[-1].tables) - 1)
        if not used and (reading.tables or reading.lines):
            errors.append(_not_a_form(reading))
    for f in forms:
        if end_keys and not f.closed:
            errors.append(
                DocumentError(
                    ErrorCode.FORM_INCOMPLETE.value,
                    f"the form starting on page {f.pages[0]} never reaches its closing row"
                    " (总分): a page may be missing",
                    f.pages[0],
                )
            )
    instances = [
        FormInstance(tuple(f.pages), tuple(f.tables), f.lines_above, f.lines_below,
                     tuple(f.to_first) if f.fitted else (), tuple(f.rows_below))
        for f in forms
    ]
    return instances, errors


def _goes_on(forms: list[_Open], reading: PageReading, i: int) -> bool:
    """The page's i-th table may continue the open form: it is the page's first, or the
    next table under the form's last on this page (the table parted by a lost ruling)."""
    if not forms or forms[-1].closed:
        return False
    return i == 0 or forms[-1].tables[-1] is reading.tables[i - 1]


def continues(previous: Table, table: Table) -> tuple[XMap, bool] | None:
    """Whether the table goes on from `previous`, and how its x maps onto `previous`'s:
    it lines up with it, or it has its columns as shares of its width (the map of the
    two boxes); else its first row's edges fit `previous`'s columns at some offset and
    scale (fitted: one table lost an outer column, so the boxes do not correspond)."""
    if same_width(previous, table) or same_columns(previous, table):
        return _box_map(previous, table), False
    fit = aligned_columns(previous, table)
    return None if fit is None else (fit, True)


def _by_header(form_tables: list[Table], table: Table, above: tuple[TextLine, ...],
               headers: list[set[str]]) -> tuple[XMap, bool] | None:
    """A table opening the indicator rows continues the form (see above), mapped wall to wall."""
    if not opens_indicators(form_tables, table, above, headers):
        return None
    return _box_map(form_tables[-1], table), False


def _box_map(previous: Table, table: Table) -> XMap:
    (a0, a1), (b0, b1) = (table.bbox[0], table.bbox[2]), (previous.bbox[0], previous.bbox[2])
    if a1 <= a0:
        return 1.0, 0.0
    scale = (b1 - b0) / (a1 - a0)
    return scale, b0 - scale * a0


FIT_SCALES = (0.9, 1.1, 0.005)  # the scales tried between two separately fed sheets
FIT_TOLERANCE_PT = 3.0  # an edge mapped this near one of the other table's edges matches
FIT_MIN_EDGES = 6  # the first row's edges (walls included), at least: five columns
FIT_SHARE = 0.8  # ... of which this share must match


def aligned_columns(previous: Table, table: Table) -> XMap | None:
    """The (scale, offset) taking `table`'s first-row column edges (walls included) onto
    `previous`'s column edges, when at least FIT_SHARE of them (and FIT_MIN_EDGES) land
    within FIT_TOLERANCE_PT of one: every offset that puts one edge on one edge is tried,
    at each scale, and the best refined by least squares over its matches."""
    import numpy as np

    top = table.bbox[1]
    xs = sorted({round(x, 1) for c in table.cells if c.bbox[1] <= top + ROW_SLACK_PT
                 for x in c.bbox[::2]})
    mine = np.array([x for i, x in enumerate(xs) if i == 0 or x - xs[i - 1] > 1.0])
    theirs = np.array(sorted(previous.col_edges))
    if len(mine) < FIT_MIN_EDGES or len(theirs) < FIT_MIN_EDGES:
        return None
    need = max(FIT_MIN_EDGES, int(np.ceil(FIT_SHARE * len(mine))))
    best: tuple[int, float, float, float] | None = None
    for scale in np.arange(FIT_SCALES[0], FIT_SCALES[1] + 1e-9, FIT_SCALES[2]):
        offsets = (theirs[:, None] - scale * mine[None, :]).ravel()
        mapped = scale * mine[None, :] + offsets[:, None]
        off = np.abs(mapped[:, :, None] - theirs[None, None, :]).min(axis=2)
        hits = (off <= FIT_TOLERANCE_PT).sum(axis=1)
        k = int(np.argmax(hits))
        key = (int(hits[k]), -float(off[k][off[k] <= FIT_TOLERANCE_PT].sum()))
        if best is None or key > (best[0], best[1]):
            best = (key[0], key[1], float(scale), float(offsets[k]))
    if best is None or best[0] < need:
        return None
    scale, offset = best[2], best[3]
    near = np.abs((scale * mine + offset)[:, None] - theirs[None, :])
    matched = near.min(axis=1) <= FIT_TOLERANCE_PT
    target = theirs[near.argmin(axis=1)]
    fitted = np.polyfit(mine[matched], target[matched], 1)
    return float(fitted[0]), float(fitted[1])


MIN_SHARED_EDGES = 3  # a continuation shares at least this many inner column edges
EDGE_TOLERANCE = 0.012  # ... each within this share of the table's width
ROW_SLACK_PT = 1.0  # a cell starting this near a table's top is in its first row


def same_columns(previous: Table, table: Table) -> bool:
    """The inner column edges of `table`'s first row, as shares of its width, are all
    column edges of `previous` (a form's rows all cut its one set of columns, whatever
    rows the new page holds after its first), and there are at least MIN_SHARED_EDGES of
    them: independent of where the page puts the table and at what scale."""
    top = table.bbox[1]
    first = [x for c in table.cells if c.bbox[1] <= top + ROW_SLACK_PT for x in c.bbox[::2]]
    mine = relative_edges(table, tuple(first))
    theirs = relative_edges(previous, previous.col_edges)
    if len(mine) < MIN_SHARED_EDGES or not theirs:
        return False
    return all(min(abs(e - t) for t in theirs) <= EDGE_TOLERANCE for e in mine)


def relative_edges(table: Table, xs: tuple[float, ...]) -> list[float]:
    """Inner vertical edges `xs` of a table, as shares of its width from its left."""
    x0, x1 = table.bbox[0], table.bbox[2]
    if x1 - x0 <= 0:
        return []
    return [(x - x0) / (x1 - x0) for x in xs
            if EDGE_TOLERANCE < (x - x0) / (x1 - x0) < 1 - EDGE_TOLERANCE]


def same_width(previous: Table, table: Table, tolerance: float = 0.03) -> bool:
    """A table continued on the next page keeps its left and right edges; another
    table (a list, an appendix) almost never lines up with the form's."""
    width = previous.bbox[2] - previous.bbox[0]
    return (
        abs(previous.bbox[0] - table.bbox[0]) <= tolerance * width
        and abs(previous.bbox[2] - table.bbox[2]) <= tolerance * width
    )


def _not_a_form(reading: PageReading) -> DocumentError:
    what = f"{len(reading.tables)} table(s)" if reading.tables else "text but no table"
    return DocumentError(
        ErrorCode.PAGE_NOT_A_FORM.value,
        f"page {reading.page.number} holds {what} and no form of a known layout",
        reading.page.number,
    )
