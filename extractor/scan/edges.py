"""A table's outer ruling lost (faded, cut by the page's edge, dropped out on a copy)
restored from where its column rulings end.

The rulings of a table's columns end on its top and bottom rulings, its rows' on its
left and right ones. Where several of them run on past the last ruling they cross and
stop together, at one line, that line is the table's lost edge: without it the grid
ends at the last ruling left, and the row beyond (a continuation's header row, a
closing row) is read as lines outside the table, or not at all. Several, aligned:
one ruling overshooting (a glyph's stroke joined to its end by the gap repair) is not
an edge; nor are rulings ending at different places.
"""

from __future__ import annotations

import statistics

from extractor.grid.build import Segment

MIN_ALIGNED = 3  # rulings ending together, at least, to restore an edge
MIN_OVERHANG_PT = 8.0  # how far past the last ruling it crosses a ruling must run (a row)


def restore_edges(pieces: list[Segment], long_pt: float, line_tol: float, cross_tol: float) -> list[Segment]:
    """`pieces` and, for each side of a table whose edge is lost, that edge: a ruling
    along the ends of MIN_ALIGNED or more rulings `long_pt` long or longer, lying within
    `line_tol` of one line, each running on MIN_OVERHANG_PT or more past the last ruling
    it crosses (comes within `cross_tol` of)."""
    added: list[Segment] = []
    for horizontal in (True, False):  # the edge's direction
        across = [p for p in pieces if p.horizontal != horizontal and p.end - p.start >= long_pt]
        along = [p for p in pieces if p.horizontal == horizontal and p.end - p.start >= long_pt]
        for first in (True, False):  # top (left) edge, then bottom (right)
            ends = [e for p in across if (e := _overhang(p, along, first, cross_tol)) is not None]
            added += _aligned(ends, horizontal, along, line_tol, cross_tol)
    return pieces + added


def _overhang(p: Segment, others: list[Segment], first: bool, tol: float) -> tuple[float, Segment] | None:
    """(where `p` ends, `p`) if it runs on past the last of `others` it crosses on that
    side, by MIN_OVERHANG_PT or more; None if it does not or crosses none."""
    crossed = [o.at for o in others
               if o.start - tol <= p.at <= o.end + tol and p.start - tol <= o.at <= p.end + tol]
    if not crossed:
        return None
    end, last = (p.start, min(crossed)) if first else (p.end, max(crossed))
    return (end, p) if abs(last - end) >= MIN_OVERHANG_PT else None


def _aligned(
    ends: list[tuple[float, Segment]], horizontal: bool, along: list[Segment], line_tol: float, tol: float
) -> list[Segment]:
    """A ruling along each run of MIN_ALIGNED or more ends lying on one line, where the
    table runs on between them: a ruling of `along` (the edge's direction) that one of
    each two neighbours crosses covers the stretch between them (two tables stacked,
    their left ends aligned, are two; the page's dark edge, which none crosses, joins
    nothing)."""
    out: list[Segment] = []
    group: list[tuple[float, Segment]] = []
    for end in [*sorted(ends, key=lambda e: (e[0], e[1].at)), None]:
        if end is not None and (not group or end[0] - group[0][0] <= line_tol):
            group.append(end)
            continue
        line = statistics.median(e for e, _ in group) if group else 0.0
        for run in _runs(sorted((p for _, p in group), key=lambda p: p.at), along, tol):
            if len(run) >= MIN_ALIGNED:
                out.append(Segment(horizontal, line, run[0].at, run[-1].at))
        group = [end] if end is not None else []
    return out


def _runs(rulings: list[Segment], along: list[Segment], tol: float) -> list[list[Segment]]:
    """`rulings` (in order) parted where no ruling of `along` that one of two neighbours
    crosses covers the stretch between them."""
    runs: list[list[Segment]] = []
    for r in rulings:
        if runs and any(_covers(p, runs[-1][-1], r, tol) for p in along):
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def _covers(p: Segment, a: Segment, b: Segment, tol: float) -> bool:
    return (p.start - tol <= a.at and b.at <= p.end + tol
            and (a.start - tol <= p.at <= a.end + tol or b.start - tol <= p.at <= b.end + tol))
