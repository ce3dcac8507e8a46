"""A page sampled along a ruling segment: how much of it runs over a mask, how dark
its line is (median, or its lightest point), the stretches of it over a mask.

    share_on   the share of a segment's length over a mask
    runs_on    the stretches of a segment over a mask
    darkness   per segment, the median darkest grey across its line
    lightest   the lightest point along a segment of its darkest grey across the line
"""

from __future__ import annotations

import numpy as np

from extractor.grid.build import Segment

SAMPLES_ALONG = 24  # points sampled along a piece (its darkness, its share on a mark)


def lightest(s: Segment, gray: np.ndarray, scale: float) -> float:
    """The lightest point along a segment of its darkest pixel across the line: a ruling
    is print all along; a pale stroke in line with it is not, wherever a glyph crosses."""
    h, w = gray.shape[:2]
    t = max(1, int(scale))
    along = np.clip((np.linspace(s.start, s.end, SAMPLES_ALONG) * scale).astype(int), 0,
                    (w if s.horizontal else h) - 1)
    at = round(s.at * scale)
    lo, hi = max(0, at - t), min((h if s.horizontal else w), at + t + 1)
    if lo >= hi:
        return 255.0
    band = gray[lo:hi, along] if s.horizontal else gray[along, lo:hi].T
    return float(band.min(axis=0).max())


def runs_on(s: Segment, mask: np.ndarray, scale: float) -> list[Segment]:
    """The stretches of a segment that run over the mask."""
    h, w = mask.shape[:2]
    along = np.linspace(s.start, s.end, SAMPLES_ALONG * 4)
    across = min(max(0, round(s.at * scale)), (h if s.horizontal else w) - 1)
    px = np.clip((along * scale).astype(int), 0, (w if s.horizontal else h) - 1)
    hits = mask[across, px] if s.horizontal else mask[px, across]
    on = np.concatenate(([False], hits > 0, [False]))
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    return [Segment(s.horizontal, s.at, float(along[i]), float(along[j - 1]))
            for i, j in zip(edges[::2], edges[1::2], strict=True) if j - i >= 2]


def share_on(s: Segment, mask: np.ndarray, scale: float) -> float:
    """The share of a piece's length that runs over the mask."""
    h, w = mask.shape[:2]
    along = np.linspace(s.start, s.end, SAMPLES_ALONG) * scale
    across = min(max(0, round(s.at * scale)), (h if s.horizontal else w) - 1)
    if s.horizontal:
        hits = mask[across, np.clip(along.astype(int), 0, w - 1)]
    else:
        hits = mask[np.clip(along.astype(int), 0, h - 1), across]
    return float(np.count_nonzero(hits)) / len(along)


def darkness(segments: list[Segment], gray: np.ndarray, scale: float) -> list[float]:
    """Per piece, the median of the darkest pixel across the line, sampled along it (all
    pieces at once: one gather, not a dozen small array operations per piece)."""
    if not segments:
        return []
    h, w = gray.shape[:2]
    t = max(1, int(scale))
    ends = np.array([(s.start, s.end) for s in segments])
    along = np.linspace(ends[:, 0], ends[:, 1], SAMPLES_ALONG, axis=1)[:, 2:-2] * scale  # ends aside
    across = np.array([round(s.at * scale) for s in segments])
    horizontal = np.array([s.horizontal for s in segments])
    size = np.array([h if s.horizontal else w for s in segments])  # across the line
    length = np.array([w if s.horizontal else h for s in segments])  # along it
    # the band across the line, clipped to the page (rows or columns repeated at its edge)
    band = np.clip(across[:, None] + np.arange(-t, t + 1), 0, size[:, None] - 1)[:, :, None]
    pos = np.clip(along.astype(int), 0, length[:, None] - 1)[:, None, :]
    rows = np.where(horizontal[:, None, None], band, pos)
    cols = np.where(horizontal[:, None, None], pos, band)
    darkest = gray[rows, cols].min(axis=1)
    levels = np.median(darkest, axis=1)
    off_page = (across - t >= size) | (across + t + 1 <= 0)  # no band at all
    return [255.0 if off else float(lv) for lv, off in zip(levels, off_page, strict=True)]
