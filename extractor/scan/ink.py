"""Rulings and specks out of a page's ink; the marks (seals, signatures) found; a pale
round seal faded into the paper (seals.py).

    strip_rulings  ink without rulings and specks, the grey page with both painted
                   over as paper, the marks that make a cell's reading suspect
    stray_dots     a scan's speckle: dots with no glyph near
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extractor.grid.build import Segment
from extractor.scan.lines import blob_pixels, components, print_grey, rulings_mask
from extractor.scan.seals import Circle, fade_pale_mark, fit_circle

MARK_PT = 25.0  # an ink blob larger than this both ways is a mark, not a glyph; or longer,
MARK_MIN_PT = 6.0  # ... at least this much the other way (a ruling's remnant is thinner)
STROKE_FILL = 0.2  # ... and inking less than this share of its box (or on a circle)
PALE_MARK_CONTRAST = 40  # a round mark this many grey levels paler than the print is faded out
MIN_SPECK_PT2 = 0.45  # ink blobs smaller than this (pt²) are specks, not periods
STRAY_PT = 8.0  # a dot this far from any glyph is speckle
STRAY_CELL_PT = 2.0  # ... measured on a grid this coarse
DOT_PT = 3.0  # a band smaller than this both ways is a speck (or a lone period)
PRINT_CORE_PERCENTILE = 10  # the print's level: this percentile of the glyphs' grey
MIN_PRINT_PX = 50  # ... sampled (every other pixel) from at least this many, else none

Pieces = dict[int, tuple[np.ndarray, np.ndarray]]  # a mark's blob label -> its pixels' xs, ys
Circles = dict[int, Circle | None]  # a blob label -> the circle fitted on its pixels, if any


@dataclass(frozen=True)
class PageInk:
    text: np.ndarray  # ink without rulings and specks (255 = ink)
    clean: np.ndarray  # the grey page with rulings and specks painted over as paper
    marks: np.ndarray  # ink of blobs bigger than any glyph: a seal's ring, a signature
    ring: np.ndarray  # the ring's band of a pale seal (on a grey scan) faded into the paper
    seal: np.ndarray  # in that seal's disc, what is as pale as the seal's ink
    print_grey: float | None = None  # the darkest grey of the page's long rulings (median): its print
    gray: np.ndarray | None = None  # the page as scanned (deskewed), seals and all


def strip_rulings(
    ink: np.ndarray, gray: np.ndarray, rulings: list[Segment], scale: float
) -> PageInk:
    """Ink without rulings and specks; the grey image with both painted over as paper;
    the marks (blobs larger than a glyph) that make a cell's reading suspect."""
    lines = rulings_mask(rulings, ink.shape, scale)
    text = cv2.bitwise_and(ink, cv2.bitwise_not(lines))
    _n, labels, stats = components(text)
    clean = cv2.bitwise_or(gray, lines)  # the rulings' band is 255: paper
    _drop_specks(text, clean, labels, stats, scale)
    pieces, circles = find_marks(labels, stats, scale)
    grey = print_grey(rulings, gray, scale)
    if not pieces:
        return PageInk(text, clean, np.zeros_like(text), np.zeros_like(text), np.zeros_like(text), grey, gray)
    marks = np.zeros_like(text)
    for xs, ys in pieces.values():  # every pixel of each mark's blob
        marks[ys, xs] = 255
    out = PageInk(text, clean, marks, np.zeros_like(text), np.zeros_like(text), grey, gray)
    _fade_pale_marks(out, gray, pieces, circles, scale)
    return out


def _drop_specks(
    text: np.ndarray, clean: np.ndarray, labels: np.ndarray, stats: np.ndarray, scale: float
) -> None:
    """Specks (under MIN_SPECK_PT2) and stray dots out of the ink, painted over as paper."""
    small = stats[:, cv2.CC_STAT_AREA] < MIN_SPECK_PT2 * scale * scale
    small[0] = False
    speck = blob_pixels(labels, stats, small)
    text[speck] = 0
    stray = blob_pixels(labels, stats, stray_dots(text, labels, stats, small, scale))
    text[stray] = 0
    clean[speck] = 255
    clean[stray] = 255


def find_marks(labels: np.ndarray, stats: np.ndarray, scale: float) -> tuple[Pieces, Circles]:
    """The marks among the blobs: larger than a glyph both ways; or long, not thin: a
    stroke (a signature: sparse in its box) or an arc of a seal's ring that the rulings
    cut short; not glyphs run together (dense, on no circle). Each mark's pixels, and
    the circles fitted on the way, kept for fading."""
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    fill = stats[:, cv2.CC_STAT_AREA] / np.maximum(1, w * h)
    long = (np.maximum(w, h) > MARK_PT * scale) & (np.minimum(w, h) > MARK_MIN_PT * scale)
    long[0] = False
    pieces: Pieces = {}
    circles: Circles = {}
    for i in map(int, np.flatnonzero(long)):
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        ys, xs = np.nonzero(labels[y:y + bh, x:x + bw] == i)
        xs, ys = xs + x, ys + y
        if min(bw, bh) <= MARK_PT * scale and fill[i] >= STROKE_FILL:
            circles[i] = fit_circle(xs, ys, scale)
            if circles[i] is None:
                continue
        pieces[i] = (xs, ys)
    return pieces, circles


def _fade_pale_marks(
    ink: PageInk, gray: np.ndarray, pieces: Pieces, circles: Circles, scale: float
) -> None:
    """Round marks (on a circle) PALE_MARK_CONTRAST paler than the print faded into the
    paper (seals.fade_pale_mark), in place."""
    # the print's level: the strokes' cores, the darker tenth of the glyphs' ink
    glyphs = gray[::2, ::2][(ink.text[::2, ::2] > 0) & (ink.marks[::2, ::2] == 0)]
    print_level = (float(np.percentile(glyphs, PRINT_CORE_PERCENTILE))
                   if glyphs.size >= MIN_PRINT_PX else 255.0)
    for i, (xs, ys) in pieces.items():
        mark_grey = gray[ys, xs]
        level = float(np.median(mark_grey))
        if level - print_level >= PALE_MARK_CONTRAST and not ink.seal[ys, xs].any():
            circle = circles[i] if i in circles else fit_circle(xs, ys, scale)
            if circle is not None:
                fade_pale_mark(ink.text, ink.clean, ink.ring, ink.seal, gray, circle, mark_grey,
                               level, print_level, scale)


def stray_dots(
    text: np.ndarray, labels: np.ndarray, stats: np.ndarray, gone: np.ndarray, scale: float
) -> np.ndarray:
    """Dots (under DOT_PT both ways) with no glyph within STRAY_PT: a scan's speckle, not
    a period or a decimal point, which sit beside the characters they belong to. Rows
    of speckle would otherwise be cut out as lines of text and read as letters."""
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    dot = (w < DOT_PT * scale) & (h < DOT_PT * scale) & ~gone
    dot[0] = False
    if not dot.any():
        return dot
    glyphs = text.copy()
    glyphs[blob_pixels(labels, stats, dot)] = 0
    k = max(1, int(STRAY_CELL_PT * scale))  # a coarse grid: is there a glyph near?
    coarse = cv2.resize(glyphs, (max(1, text.shape[1] // k), max(1, text.shape[0] // k)),
                        interpolation=cv2.INTER_AREA)
    r = int(np.ceil(STRAY_PT / STRAY_CELL_PT))
    near = cv2.dilate((coarse > 0).astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8))
    cx = np.minimum((stats[:, cv2.CC_STAT_LEFT] + w // 2) // k, near.shape[1] - 1)
    cy = np.minimum((stats[:, cv2.CC_STAT_TOP] + h // 2) // k, near.shape[0] - 1)
    return dot & (near[cy, cx] == 0)
