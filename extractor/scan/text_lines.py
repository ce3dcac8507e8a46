"""A cell's ink -> its text lines: rows of ink apart by more than a line gap, a band
as tall as two lines cut at its emptiest rows, specks on a line of their own dropped."""

from __future__ import annotations

import numpy as np

from extractor.scan.ink import DOT_PT

MIN_BAND_PT2 = 2.5  # a text line has at least this much ink
TWO_LINES_PT = 16.0  # a text band taller than this may be two lines run together
VALLEY_SHARE = 0.06  # ... cut where a row holds under this share of the fullest row's ink
LINE_GAP_PT = 1.4  # text bands closer than this are one line
CUT_SPAN = (0.25, 0.75)  # a band is cut in this span of its rows (each part a quarter, at least)


def text_bands(ink: np.ndarray, scale: float) -> list[tuple[int, int, int, int]]:
    """The text lines of a cell's ink: (y0, y1, x0, x1) within the cell crop, top to bottom."""
    rows = np.flatnonzero(ink.any(axis=1))
    if len(rows) == 0:
        return []
    gap = max(2, int(LINE_GAP_PT * scale))
    breaks = np.flatnonzero(np.diff(rows) > gap)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]])) + 1
    out = []
    for a, b in (part for band in zip(starts, ends, strict=True)
                 for part in _split_band(ink, int(band[0]), int(band[1]), scale)):
        cols = np.flatnonzero(ink[a:b].any(axis=0))
        if np.count_nonzero(ink[a:b]) < MIN_BAND_PT2 * scale * scale:
            continue  # too little ink for a line
        if b - a < DOT_PT * scale and cols[-1] - cols[0] < DOT_PT * scale:
            continue  # a speck on a line of its own
        out.append((int(a), int(b), int(cols[0]), int(cols[-1]) + 1))
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
