"""A table's columns from its header row: each layout column's header cell and its x.

A column whose header was misread past matching is the one header cell between
its neighbours in the layout's order, its cells flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.layout.labels import LabelHit
from extractor.layout.spec import ColumnSpec
from extractor.layout.view import NUDGE, FormView

INFERRED_HEADER = 0.5  # a header known by its place between its neighbours (_infer_between)


@dataclass(frozen=True)
class Column:
    spec: ColumnSpec
    x: float  # the x of the header cell's middle
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
    _infer_between(view, specs, best)
    return [Column(s, best[s.key].cell.x_mid, best[s.key]) for s in specs if s.key in best]


def _infer_between(view: FormView, specs: tuple[ColumnSpec, ...], band: dict[str, LabelHit]) -> None:
    """A column whose header was misread past matching, its neighbours in the layout's
    order found on either side of it: the one header cell between them, if there is
    exactly one, is its header (the layout's columns are printed in its order), at
    INFERRED_HEADER: the column's cells are read, and flagged, for its name is a guess."""
    keys = [s.key for s in specs]
    for i, spec in enumerate(specs):
        if spec.key in band or i == 0 or i == len(specs) - 1:
            continue
        left, right = band.get(keys[i - 1]), band.get(keys[i + 1])
        if left is None or right is None or left.table != right.table:
            continue
        if not left.cell.bbox[2] - NUDGE <= right.cell.bbox[0]:
            continue  # printed in another order: nothing to infer from
        top = min(left.cell.bbox[1], right.cell.bbox[1])
        bottom = max(left.cell.bbox[3], right.cell.bbox[3])
        between = [c for c in view.form.tables[left.table].cells
                   if left.cell.bbox[2] - NUDGE <= c.bbox[0] and c.bbox[2] <= right.cell.bbox[0] + NUDGE
                   and top - NUDGE <= c.bbox[1] and c.bbox[3] <= bottom + NUDGE]
        if len(between) == 1:
            band[spec.key] = LabelHit(INFERRED_HEADER, left.table, between[0])


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
