"""Ruling segments -> tables of (merged) cells. Shared by the text path and the scan path.

Both paths reduce a page to horizontal and vertical line segments in PDF
points; from there the grid is the same: group the segments that touch into
tables, cut each table into a fine grid at every distinct line position, and
merge neighbouring fine cells wherever no line separates them. A merged
(spanning) cell is one component of that merge.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from extractor.models import BBox, Cell, Table


@dataclass(frozen=True)
class Segment:
    """A horizontal (at=y, from x=start to x=end) or vertical (at=x, y range) line."""

    horizontal: bool
    at: float
    start: float
    end: float


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster_positions(values: list[float], tol: float) -> list[float]:
    """Distinct positions: values within tol of the previous one join its cluster (mean)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _snap(segments: list[Segment], tol: float) -> list[Segment]:
    positions = cluster_positions([s.at for s in segments], tol)
    snapped = []
    for s in segments:
        i = bisect_right(positions, s.at)
        at = min(positions[max(0, i - 1) : i + 1], key=lambda p: abs(p - s.at))
        snapped.append(Segment(s.horizontal, at, min(s.start, s.end), max(s.start, s.end)))
    return snapped


def merge_collinear(segments: list[Segment], tol: float) -> list[Segment]:
    """Join pieces of one line (same position, overlapping or within tol) into one segment."""
    by_line: dict[tuple[bool, float], list[Segment]] = {}
    for s in segments:
        by_line.setdefault((s.horizontal, s.at), []).append(s)
    out = []
    for (horizontal, at), group in by_line.items():
        group.sort(key=lambda s: s.start)
        start, end = group[0].start, group[0].end
        for s in group[1:]:
            if s.start <= end + tol:
                end = max(end, s.end)
            else:
                out.append(Segment(horizontal, at, start, end))
                start, end = s.start, s.end
        out.append(Segment(horizontal, at, start, end))
    return out


def _touch(h: Segment, v: Segment, tol: float) -> bool:
    return (v.start - tol <= h.at <= v.end + tol) and (h.start - tol <= v.at <= h.end + tol)


def _group_tables(segments: list[Segment], tol: float) -> list[list[Segment]]:
    hs = [i for i, s in enumerate(segments) if s.horizontal]
    vs = [i for i, s in enumerate(segments) if not s.horizontal]
    uf = _UnionFind(len(segments))
    for i in hs:
        for j in vs:
            if _touch(segments[i], segments[j], tol):
                uf.union(i, j)
    groups: dict[int, list[Segment]] = {}
    for i, s in enumerate(segments):
        groups.setdefault(uf.find(i), []).append(s)
    return [
        g for g in groups.values() if any(s.horizontal for s in g) and any(not s.horizontal for s in g)
    ]


def _coverage(intervals: list[tuple[float, float]], a: float, b: float) -> float:
    """Share of [a, b] covered by the (possibly overlapping) intervals."""
    if b <= a:
        return 0.0
    covered, cursor = 0.0, a
    for s, e in sorted(intervals):
        s, e = max(s, cursor), min(e, b)
        if e > s:
            covered += e - s
            cursor = e
    return covered / (b - a)


def segments_to_tables(
    segments: list[Segment], page: int, tol: float = 2.0, min_cover: float = 0.6
) -> list[Table]:
    """Every bordered table the segments draw, top to bottom."""
    segments = [s for s in segments if s.end - s.start > tol]
    if not segments:
        return []
    segments = merge_collinear(
        _snap([s for s in segments if s.horizontal], tol)
        + _snap([s for s in segments if not s.horizontal], tol),
        tol,
    )
    tables = [_table_from_group(g, page, tol, min_cover) for g in _group_tables(segments, tol)]
    found = [t for t in tables if t is not None]
    return sorted(found, key=lambda t: (t.bbox[1], t.bbox[0]))


def _table_from_group(
    group: list[Segment], page: int, tol: float, min_cover: float
) -> Table | None:
    ys = cluster_positions([s.at for s in group if s.horizontal], tol)
    xs = cluster_positions([s.at for s in group if not s.horizontal], tol)
    if len(ys) < 2 or len(xs) < 2:
        return None
    h_at: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(ys))}
    v_at: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(xs))}
    for s in group:
        if s.horizontal:
            h_at[min(range(len(ys)), key=lambda i: abs(ys[i] - s.at))].append((s.start, s.end))
        else:
            v_at[min(range(len(xs)), key=lambda i: abs(xs[i] - s.at))].append((s.start, s.end))
    nr, nc = len(ys) - 1, len(xs) - 1

    def idx(r: int, c: int) -> int:
        return r * nc + c

    def wall_right(r: int, c: int) -> bool:
        return _coverage(v_at[c + 1], ys[r], ys[r + 1]) >= min_cover

    def wall_below(r: int, c: int) -> bool:
        return _coverage(h_at[r + 1], xs[c], xs[c + 1]) >= min_cover

    uf = _UnionFind(nr * nc)
    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not wall_right(r, c):
                uf.union(idx(r, c), idx(r, c + 1))
            if r + 1 < nr and not wall_below(r, c):
                uf.union(idx(r, c), idx(r + 1, c))
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            members.setdefault(uf.find(idx(r, c)), []).append((r, c))
    cells = []
    for fine in members.values():
        cell = _cell_if_enclosed(fine, ys, xs, h_at, v_at, min_cover)
        if cell is not None:
            cells.append(cell)
    if len(cells) < 2:
        return None
    cells.sort(key=lambda c: (c.row, c.col))
    bbox: BBox = (
        min(c.bbox[0] for c in cells),
        min(c.bbox[1] for c in cells),
        max(c.bbox[2] for c in cells),
        max(c.bbox[3] for c in cells),
    )
    return Table(page, bbox, tuple(cells), tuple(ys), tuple(xs))


def _cell_if_enclosed(
    fine: list[tuple[int, int]],
    ys: list[float],
    xs: list[float],
    h_at: dict[int, list[tuple[float, float]]],
    v_at: dict[int, list[tuple[float, float]]],
    min_cover: float,
) -> Cell | None:
    r0 = min(r for r, _ in fine)
    r1 = max(r for r, _ in fine) + 1
    c0 = min(c for _, c in fine)
    c1 = max(c for _, c in fine) + 1
    if len(fine) != (r1 - r0) * (c1 - c0):
        return None  # not a rectangle: the region around a table, or a broken grid
    x0, x1, y0, y1 = xs[c0], xs[c1], ys[r0], ys[r1]
    enclosed = (
        _coverage(h_at[r0], x0, x1) >= min_cover
        and _coverage(h_at[r1], x0, x1) >= min_cover
        and _coverage(v_at[c0], y0, y1) >= min_cover
        and _coverage(v_at[c1], y0, y1) >= min_cover
    )
    if not enclosed:
        return None
    return Cell((x0, y0, x1, y1), r0, c0, r1 - r0, c1 - c0)


class TableIndex:
    """Finds the cell holding a point through the table's fine grid (bisect, not a scan)."""

    def __init__(self, table: Table):
        self.table = table
        self.owner: dict[tuple[int, int], int] = {}
        for i, c in enumerate(table.cells):
            for r in range(c.row, c.row + c.row_span):
                for k in range(c.col, c.col + c.col_span):
                    self.owner[(r, k)] = i

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.table.bbox
        return x0 <= x <= x1 and y0 <= y <= y1

    def find(self, x: float, y: float) -> int | None:
        r = bisect_right(self.table.row_edges, y) - 1
        c = bisect_right(self.table.col_edges, x) - 1
        return self.owner.get((r, c))

    def cell_at(self, x: float, y: float) -> Cell | None:
        i = self.find(x, y) if self.contains(x, y) else None
        return None if i is None else self.table.cells[i]
