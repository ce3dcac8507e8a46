"""A cell's ink -> its text lines: rows of ink apart by more than a line gap, a band
as tall as two lines cut at its emptiest rows, a sliver of a glyph parted from it joined
again, specks on a line of their own dropped."""

from __future__ import annotations

import numpy as np

from extractor.scan.ink import DOT_PT

MIN_BAND_PT2 = 2.5  # a text line has at least this much ink
TWO_LINES_PT = 16.0  # a text band taller than this may be two lines run together
VALLEY_SHARE = 0.06  # ... cut where a row holds under this share of the fullest row's ink
LINE_GAP_PT = 1.4  # text bands closer than this are one line
CUT_SPAN = (0.25, 0.75)  # a band is cut in this span of its rows (each part a quarter, at least)
SLIVER_SHARE = 0.35  # a band under this share of the cell's tallest is a glyph's part ...
SLIVER_GAP_SHARE = 0.3  # ... if that near its neighbour (a share of the tallest band)
JOINED_MAX_SHARE = 1.25  # ... and the two together no taller than this share of it


def text_bands(ink: np.ndarray, scale: float, cell: bool = True) -> list[tuple[int, int, int, int]]:
    """The text lines of a cell's ink: (y0, y1, x0, x1) within the cell crop, top to bottom.
    `cell`: False for the page outside the tables, whose lines differ in size (a title, a
    year line), so slivers are not joined."""
    rows = np.flatnonzero(ink.any(axis=1))
    if len(rows) == 0:
        return []
    gap = max(2, int(LINE_GAP_PT * scale))
    breaks = np.flatnonzero(np.diff(rows) > gap)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]])) + 1
    bands = [part for band in zip(starts, ends, strict=True)
             for part in _split_band(ink, int(band[0]), int(band[1]), scale)]
    out = []
    for a, b in _join_slivers(bands) if cell else bands:
        cols = np.flatnonzero(ink[a:b].any(axis=0))
        if np.count_nonzero(ink[a:b]) < MIN_BAND_PT2 * scale * scale:
            continue  # too little ink for a line
        if b - a < DOT_PT * scale and cols[-1] - cols[0] < DOT_PT * scale:
            continue  # a speck on a line of its own
        out.append((int(a), int(b), int(cols[0]), int(cols[-1]) + 1))
    return out


def _join_slivers(bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A band much shorter than the cell's tallest, close over (or under) its neighbour, is
    a glyph's part that the line gap parted from the rest (元's top bar over 兀, in a
    light face): joined to the nearer neighbour, if together they are no taller than a
    line."""
    if len(bands) < 2:
        return bands
    tall = max(b - a for a, b in bands)
    out = list(bands)
    i = 0
    while i < len(out) and len(out) > 1:
        a, b = out[i]
        if b - a >= SLIVER_SHARE * tall:
            i += 1
            continue
        gaps = [(out[i + 1][0] - b, i + 1) if i + 1 < len(out) else None,
                (a - out[i - 1][1], i - 1) if i > 0 else None]
        near = min((g for g in gaps if g is not None), default=None)
        if near is None or near[0] > SLIVER_GAP_SHARE * tall:
            i += 1
            continue
        j = near[1]
        lo, hi = min(a, out[j][0]), max(b, out[j][1])
        if hi - lo > JOINED_MAX_SHARE * tall:
            i += 1
            continue
        out[min(i, j)] = (lo, hi)
        del out[max(i, j)]
        i = 0
    return out


def _split_band(ink: np.ndarray, a: int, b: int, scale: float) -> list[tuple[int, int]]:
    """A band taller than one line of text is two lines that a speck between them (or a
    descender meeting an ascender) ran together: cut at the emptiest rows in its middle
    when those are all but empty next to the lines' rows."""
    if b - a <= TWO_LINES_PT * scale:
        return [(a, b)]
    counts = np.count_nonzero(ink[a:b], axis=1)
    lo, hi = int(CUT_SPAN[0] * (b - a)), int(CUT_SPAN[1] * (b - a))
    valley = lo + int(np.argmin(counts[lo:hi]))
    if counts[valley] > VALLEY_SHARE * counts.max():
        return [(a, b)]
    top = valley
    while top > 0 and counts[top - 1] <= VALLEY_SHARE * counts.max():
        top -= 1
    bottom = valley
    while bottom < len(counts) - 1 and counts[bottom + 1] <= VALLEY_SHARE * counts.max():
        bottom += 1
    return (_split_band(ink, a, a + max(top, 1), scale)
            + _split_band(ink, a + bottom + 1, b, scale))
