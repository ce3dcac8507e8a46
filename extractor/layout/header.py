"""A table's columns from its header row: each layout column's header cell and its x.

A header is found by its label, exactly or fuzzily (labels.py). A header read
too poorly to match is known by its place: among the header cells between its
found neighbours, one for each missing column, in the layout's order; or one of
the two body columns under a header cell that two headers merged into (a ruling
lost). Its cells are flagged. A header matched fuzzily keeps its match's score,
which the mapping takes off the readings under it that were not READ_ALONE sure
(fields.label_doubt): a poorly read header marks a poorly printed region.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from extractor.layout.labels import LabelHit
from extractor.layout.spec import ColumnSpec
from extractor.layout.view import NUDGE, FormView
from extractor.models import Cell

INFERRED_HEADER = 0.5  # a header known by its place between its neighbours (_infer_between)


def missing_runs(keys: list[str], found: dict[str, LabelHit]
                 ) -> Iterator[tuple[list[str], LabelHit | None, LabelHit | None]]:
    """Each run of keys (in the layout's order) with no hit in `found`, and the hits of the
    keys just before and after it (None at either end)."""
    i = 0
    while i < len(keys):
        if keys[i] in found:
            i += 1
            continue
        start = i
        while i < len(keys) and keys[i] not in found:
            i += 1
        before = found[keys[start - 1]] if start else None
        yield keys[start:i], before, found[keys[i]] if i < len(keys) else None


def place_in_order(found: dict[str, LabelHit], missing: list[str], cells: list[Cell], table: int,
                   across: bool) -> None:
    """The cells between two found neighbours are the missing keys' labels, in the layout's
    order (left to right `across`, else top to bottom), at INFERRED_HEADER: if there are as
    many as missing keys and none overlaps the next."""
    lo, hi = (0, 2) if across else (1, 3)
    cells = sorted(cells, key=lambda c: c.bbox[lo])
    if len(cells) == len(missing) and all(a.bbox[hi] - NUDGE <= b.bbox[lo] for a, b in pairwise(cells)):
        for key, cell in zip(missing, cells, strict=True):
            found[key] = LabelHit(INFERRED_HEADER, table, cell)


@dataclass(frozen=True)
class Column:
    spec: ColumnSpec
    x: float  # the x of the header cell's middle (of its body column's, if split)
    header: LabelHit


def header_columns(view: FormView, specs: tuple[ColumnSpec, ...]) -> list[Column]:
    """The header row that holds the most of these column labels, and each column's x."""
    bands: dict[tuple[int, int], dict[str, LabelHit]] = {}
    for spec in specs:
        for hit in view.labels.find(spec.labels):
            band = bands.setdefault((hit.table, round(hit.cell.bbox[1] / 4)), {})
            if spec.key not in band or band[spec.key].score < hit.score:
                band[spec.key] = hit
    if not bands:
        return []
    best = max(
        bands.items(),
        key=lambda kv: (len(kv[1]), sum(h.score for h in kv[1].values()), -kv[0][0], -kv[0][1]),
    )[1]
    _add_sub_headers(view, specs, best)
    _drop_shared(best)
    _infer_between(view, specs, best)
    xs = _split_merged(view, specs, best)
    return [Column(s, xs.get(s.key, best[s.key].cell.x_mid), best[s.key])
            for s in specs if s.key in best]


def _drop_shared(band: dict[str, LabelHit]) -> None:
    """A header cell matched exactly by one column and fuzzily by another is the first's:
    the other column's header was lost (a ruling lost between two header cells merges
    them, and the merged text then fits neither label well)."""
    exact = {id(h.cell) for h in band.values() if h.score >= 1.0}
    for key in [k for k, h in band.items() if h.score < 1.0 and id(h.cell) in exact]:
        del band[key]


def _split_merged(view: FormView, specs: tuple[ColumnSpec, ...],
                  band: dict[str, LabelHit]) -> dict[str, float]:
    """A column with no header of its own beside a header cell that stands over two body
    columns, the next header cell starting where it ends: a ruling lost in the header row
    merged the two headers, so the cell matched its own label only fuzzily (an exact
    match over two body columns is a header printed so). Each takes one body column, in
    the layout's order; the missing one at INFERRED_HEADER (its cells flagged). The x of
    each split column."""
    keys = [s.key for s in specs]
    xs: dict[str, float] = {}
    for i, key in enumerate(keys):
        if key in band:
            continue
        left = band.get(keys[i - 1]) if i > 0 else None
        right = band.get(keys[i + 1]) if i + 1 < len(keys) else None
        splits = []
        # no header cell between the two neighbours (one would be this column's: _infer_between)
        adjacent = left is None or right is None or abs(right.cell.bbox[0] - left.cell.bbox[2]) <= NUDGE
        if left is not None and left.score < 1.0 and adjacent:
            halves = _two_below(view, left)
            if halves:
                splits.append((keys[i - 1], left, halves, (keys[i - 1], key)))
        if right is not None and right.score < 1.0 and adjacent:
            halves = _two_below(view, right)
            if halves:
                splits.append((keys[i + 1], right, halves, (key, keys[i + 1])))
        if len(splits) != 1 or splits[0][0] in xs:
            continue  # none, or either neighbour could hold it
        _, merged, (a, b), (first, second) = splits[0]
        band[key] = LabelHit(INFERRED_HEADER, merged.table, merged.cell)
        xs[first], xs[second] = a.x_mid, b.x_mid
    return xs


def _two_below(view: FormView, hit: LabelHit) -> tuple[Cell, Cell] | None:
    """The two cells side by side that fill the width of the row under a header cell, if
    two (not one, not three) do."""
    h = hit.cell.bbox
    below = sorted((c for c in view.form.tables[hit.table].cells
                    if abs(c.bbox[1] - h[3]) <= NUDGE
                    and h[0] - NUDGE <= c.bbox[0] and c.bbox[2] <= h[2] + NUDGE),
                   key=lambda c: c.bbox[0])
    if len(below) != 2:
        return None
    a, b = below
    if abs(a.bbox[0] - h[0]) > NUDGE or abs(b.bbox[2] - h[2]) > NUDGE or b.bbox[0] < a.bbox[2] - NUDGE:
        return None
    return a, b


def _infer_between(view: FormView, specs: tuple[ColumnSpec, ...], band: dict[str, LabelHit]) -> None:
    """Columns whose headers were misread past matching, their neighbours in the layout's
    order found on either side of them: the header cells between those neighbours, if
    there are as many as missing columns, are their headers in order (the layout's
    columns are printed in its order), at INFERRED_HEADER: the columns' cells are read,
    and flagged, for their names are a guess."""
    for missing, left, right in missing_runs([s.key for s in specs], band):
        if left is None or right is None or left.table != right.table:
            continue
        if not left.cell.bbox[2] - NUDGE <= right.cell.bbox[0]:
            continue  # printed in another order: nothing to infer from
        top = min(left.cell.bbox[1], right.cell.bbox[1])
        bottom = max(left.cell.bbox[3], right.cell.bbox[3])
        between = [c for c in view.form.tables[left.table].cells
                   if left.cell.bbox[2] - NUDGE <= c.bbox[0] and c.bbox[2] <= right.cell.bbox[0] + NUDGE
                   and top - NUDGE <= c.bbox[1] and c.bbox[3] <= bottom + NUDGE]
        place_in_order(band, missing, between, left.table, across=True)


def _add_sub_headers(view: FormView, specs: tuple[ColumnSpec, ...], band: dict[str, LabelHit]) -> None:
    """A header two rows deep: the labels under a merged group label (年度指标值 over
    指标性质 | 指标值 | 度量单位) lie within the height of the header's row-spanning cells."""
    first = next(iter(band.values()))
    top = min(h.cell.bbox[1] for h in band.values()) - NUDGE
    bottom = max(h.cell.bbox[3] for h in band.values()) + NUDGE
    for spec in specs:
        if spec.key in band:
            continue
        for hit in view.labels.find(spec.labels):
            if hit.table == first.table and top <= hit.cell.bbox[1] and hit.cell.bbox[3] <= bottom:
                band[spec.key] = hit
                break
