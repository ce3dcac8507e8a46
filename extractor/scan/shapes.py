"""A cell read from its shape alone: a lone dash, slash or comparison sign, which
recognisers misread when it stands alone (— as 一 or 1, / as Z or 7, ≥ as N).

    read_shape     the cell's ink, if it is one of these, as a CellReading
    is_lone_dash   one flat bar
    accounts_for_specks  the specks beside a lone mark few or near it
    is_lone_slash  one thin straight stroke rising to the right
    edge_stroke    one thin stroke at the cell's top or bottom: a mark from outside
    lone_sign      =, ≥, ≤, ＞, ＜ told by the shape of its ink row by row (signs.py)
"""

from __future__ import annotations

import cv2
import numpy as np

from extractor.scan.ink import DOT_PT
from extractor.scan.lines import GHOST, components
from extractor.scan.reading import CellReading
from extractor.scan.signs import GLYPH_MIN_PT2, Blobs, glyph_blobs, lone_sign
from extractor.scan.thresholds import DASH_CONFIDENCE, SIGN_CONFIDENCE, SLASH_CONFIDENCE

SHAPE_MAX_INK_PT2 = 150.0  # a lone dash, slash or sign inks less (about 50 pt², at most)
GHOST_INK_SHARE = 4.0  # ... and with another sheet's print showing through, this many times
# a dash (—): one flat bar
DASH_MIN_PT, DASH_MAX_PT = 3, 20  # its length
DASH_MAX_THICK_PT = 2.5  # its stroke's mean thickness, at most
DASH_MIN_ASPECT = 3.5  # at least this many times as long as its box is tall
# a slash (/): one thin straight stroke rising to the right
SLASH_MIN_PT, SLASH_MAX_PT = 4, 20  # its height
SLASH_MIN_WIDTH, SLASH_MAX_WIDTH = 0.18, 0.85  # its width, as a share of its height
SLASH_SPAN_SHARE = 0.6  # a row's ink spans at most this share of its width (no bar across)
SLASH_SPAN_PT = 2.5  # ... or this, if more (a thick stroke)
SLASH_EVEN = 1.25  # ... or, a dark copy's thick stroke, this many times its median row
SLASH_EVEN_SHARE = 0.75  # ... short of this share of its width (a bar across spans it)
SLASH_BOW_PX, SLASH_BOW_PT = 1.0, 0.4  # its rows' centres off a straight line by at most
SLASH_MIN_SLOPE, SLASH_MAX_SLOPE = -1.0, -0.18  # x per row down (< 0: rising to the right)
# the specks a lone mark's test lets pass must be few or near it: a faint pen stroke
# broken into a trail of specks, one of them a dash's size, is no dash
NEAR_MARK_PT = 2.0  # specks within this of the mark's box are its own
SPECKS_AWAY_SHARE = 0.5  # ... the ink of those farther, at most this share of the mark's
EDGE_STROKE_PT = 1.2  # a cell's lone stroke this near its crop's top or bottom ran in from outside


def read_shape(
    ink: np.ndarray, gray: np.ndarray, scale: float, blobs: Blobs | None = None
) -> CellReading | None:
    """A cell read from its shape alone: a lone dash, slash or comparison sign, on the
    front's ink (front_ink: another sheet's print showing through does not count)."""
    if np.count_nonzero(ink) > SHAPE_MAX_INK_PT2 * GHOST_INK_SHARE * scale * scale:
        return None  # text, whatever shows through with it
    ink, blobs = front_ink(ink, gray, blobs or components(ink))
    if np.count_nonzero(ink) > SHAPE_MAX_INK_PT2 * scale * scale:
        return None  # more ink than any of them, specks and all: text
    if is_lone_dash(ink, scale, blobs) and accounts_for_specks(blobs, scale):
        return CellReading("—", DASH_CONFIDENCE)
    if is_lone_slash(ink, scale, blobs) and accounts_for_specks(blobs, scale):
        return CellReading("/", SLASH_CONFIDENCE)
    if sign := lone_sign(ink, gray, scale, blobs):
        return CellReading(sign, SIGN_CONFIDENCE)
    return None


def accounts_for_specks(blobs: Blobs, scale: float) -> bool:
    """The mark (the cell's largest blob) accounts for the cell's ink: the specks away
    from its box hold at most SPECKS_AWAY_SHARE of its ink."""
    n, _, stats = blobs
    if n <= 2:
        return True
    mark = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = (int(v) for v in stats[mark, :5])
    near = NEAR_MARK_PT * scale
    x0, y0, x1, y1 = x - near, y - near, x + w + near, y + h + near
    away = sum(int(stats[i, cv2.CC_STAT_AREA]) for i in range(1, n) if i != mark and not (
        x0 <= stats[i, 0] and stats[i, 0] + stats[i, 2] <= x1
        and y0 <= stats[i, 1] and stats[i, 1] + stats[i, 3] <= y1))
    return away <= SPECKS_AWAY_SHARE * area


def front_ink(ink: np.ndarray, gray: np.ndarray, blobs: Blobs,
              print_grey: float | None = None) -> tuple[np.ndarray, Blobs]:
    """A cell's ink without the marks printed on another sheet: bleed-through and set-off
    show as the same print, far lighter than what is printed on this side (all of it
    from one printer, about as dark). A mark whose darkest grey is lighter than the
    cell's darkest mark (or the page's print, `print_grey`, if darker: a cell holding
    only another sheet's print) + GHOST * (paper - that) is dropped, as lines.py drops a
    ruling's ghost; the ink and its blobs as they were when nothing is."""
    n, labels, _ = blobs
    if n <= 1 or (n == 2 and print_grey is None):
        return ink, blobs
    darkest = np.full(n, 255, np.int32)
    np.minimum.at(darkest, labels.ravel(), gray.ravel().astype(np.int32))
    dark, paper = int(darkest[1:].min()), float(np.median(gray))
    if print_grey is not None:
        dark = min(dark, int(print_grey))
    front = darkest <= dark + GHOST * (paper - dark)
    front[0] = False
    if front[1:].all():
        return ink, blobs
    kept = np.where(front[labels], ink, 0).astype(ink.dtype)
    return kept, components(kept)


def edge_stroke(ink: np.ndarray, scale: float, blobs: Blobs | None = None) -> bool:
    """The cell's ink is one thin stroke (a bar, an arm, an arc: thin along its length,
    DASH_MAX_THICK_PT) within EDGE_STROKE_PT of the crop's top or bottom edge (the crop
    is inset from the rulings) and short of its middle, specks aside: print sits on its
    line, which a cell holds clear of its top and bottom rulings, so this is a piece of a
    pen's circle or tick, or of a seal's ring, that the ruling cut off from the rest, not
    what the cell holds. (Its left and right edges tell nothing: print may be aligned to
    either with little padding.)"""
    blobs = blobs or components(ink)
    _, _, stats = blobs
    kept = glyph_blobs(blobs, scale)
    if len(kept) != 1 or not accounts_for_specks(blobs, scale):
        return False
    _x, y, w, h, area = (int(v) for v in stats[kept[0], :5])
    height, edge = ink.shape[0], EDGE_STROKE_PT * scale
    at_edge = (y < edge and y + h < height / 2) or (height - y - h < edge and y > height / 2)
    return at_edge and area / max(w, h) <= DASH_MAX_THICK_PT * scale


def is_lone_dash(ink: np.ndarray, scale: float, blobs: Blobs | None = None) -> bool:
    """One flat bar, 3-20 pt long, at most DASH_MAX_THICK_PT thick and DASH_MIN_ASPECT
    times as long as its box is tall: a dash (—), which recognisers read as 一, | or 1
    when it stands alone."""
    _, _, stats = blobs or components(ink)
    # a blob counts if it has a glyph's ink or a dot's length: a thin or faint bar does
    kept = [s for s in stats[1:] if s[cv2.CC_STAT_AREA] >= GLYPH_MIN_PT2 * scale * scale
            or max(s[cv2.CC_STAT_WIDTH], s[cv2.CC_STAT_HEIGHT]) >= DOT_PT * scale]
    if len(kept) != 1:
        return False
    w, h = int(kept[0][cv2.CC_STAT_WIDTH]), int(kept[0][cv2.CC_STAT_HEIGHT])
    thick = kept[0][cv2.CC_STAT_AREA] / w  # its stroke's mean thickness: the box's height
    # also counts the rows a scan's blur and a slight tilt add to it
    return (DASH_MIN_PT * scale <= w <= DASH_MAX_PT * scale and thick <= DASH_MAX_THICK_PT * scale
            and w >= DASH_MIN_ASPECT * h)


def is_lone_slash(ink: np.ndarray, scale: float, blobs: Blobs | None = None) -> bool:
    """One thin straight stroke rising to the right, 4-20 pt tall, leaning 10-40° off
    vertical (or a thick one, as a dark copy prints it, of even width: no row much wider
    than the others): a slash (/, not applicable), which recognisers read as Z, 7, 1 or a
    character when it stands alone. Specks beside it (dots under DOT_PT both ways) do
    not count."""
    blobs = blobs or components(ink)
    _, labels, stats = blobs
    kept = glyph_blobs(blobs, scale)
    if len(kept) != 1:
        return False
    x, y, w, h = (int(v) for v in stats[kept[0], :4])
    if not (SLASH_MIN_PT * scale <= h <= SLASH_MAX_PT * scale
            and SLASH_MIN_WIDTH * h <= w <= SLASH_MAX_WIDTH * h):
        return False
    stroke = labels[y:y + h, x:x + w] == kept[0]
    rows = [np.flatnonzero(r) for r in stroke]
    spans = np.array([r[-1] - r[0] + 1 for r in rows if len(r)])
    even = spans.max() <= min(SLASH_EVEN * np.median(spans), SLASH_EVEN_SHARE * w)
    if len(spans) < h - 1 or not (even or spans.max() <= max(SLASH_SPAN_SHARE * w, SLASH_SPAN_PT * scale)):
        return False  # a bar across it (7, Z, 4) or a gap in it
    ys = np.array([i for i, r in enumerate(rows) if len(r)], float)
    xs = np.array([(r[0] + r[-1]) / 2 for r in rows if len(r)])
    slope, icpt = np.polyfit(ys, xs, 1)
    off = np.abs(xs - (slope * ys + icpt))[1:-1]  # the rounded tips aside
    straight = off.max() <= max(SLASH_BOW_PX, SLASH_BOW_PT * scale)
    return bool(straight and SLASH_MIN_SLOPE <= slope <= SLASH_MAX_SLOPE)
