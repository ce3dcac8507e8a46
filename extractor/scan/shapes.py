"""A cell read from its shape alone: a lone dash, slash or comparison sign, which
recognisers misread when it stands alone (— as 一 or 1, / as Z or 7, ≥ as N).

    read_shape     the cell's ink, if it is one of these, as a CellReading
    is_lone_dash   one flat bar
    is_lone_slash  one thin straight stroke rising to the right
    lone_sign      =, ≥, ≤, ＞, ＜ told by the shape of its ink row by row
"""

from __future__ import annotations

import cv2
import numpy as np

from extractor.scan.ink import DOT_PT
from extractor.scan.lines import components
from extractor.scan.reading import CellReading
from extractor.scan.thresholds import DASH_CONFIDENCE, SIGN_CONFIDENCE, SLASH_CONFIDENCE

SHAPE_MAX_INK_PT2 = 150.0  # a lone dash, slash or sign inks less (about 50 pt², at most)


def read_shape(ink: np.ndarray, gray: np.ndarray, scale: float) -> CellReading | None:
    """A cell read from its shape alone: a lone dash, slash or comparison sign."""
    if np.count_nonzero(ink) > SHAPE_MAX_INK_PT2 * scale * scale:
        return None  # more ink than any of them, specks and all: text
    blobs = components(ink)
    if is_lone_dash(ink, scale, blobs):
        return CellReading("—", DASH_CONFIDENCE)
    if is_lone_slash(ink, scale, blobs):
        return CellReading("/", SLASH_CONFIDENCE)
    if sign := lone_sign(ink, gray, scale, blobs):
        return CellReading(sign, SIGN_CONFIDENCE)
    return None


Blobs = tuple[int, np.ndarray, np.ndarray]  # lines.components: n, labels, stats


def _glyph_blobs(blobs: Blobs, scale: float) -> list[int]:
    """The blobs big enough to be part of a glyph: at least 2 pt², and at least DOT_PT
    one way (specks beside a glyph do not count)."""
    n, _, stats = blobs
    dot = DOT_PT * scale
    return [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 2 * scale * scale
            and (stats[i, cv2.CC_STAT_WIDTH] >= dot or stats[i, cv2.CC_STAT_HEIGHT] >= dot)]


def is_lone_dash(ink: np.ndarray, scale: float, blobs: Blobs | None = None) -> bool:
    """One flat bar, 3-20 pt long and under 1.6 pt thick: a dash (—), which recognisers
    read as 一, | or 1 when it stands alone."""
    _, _, stats = blobs or components(ink)
    kept = [s for s in stats[1:] if s[cv2.CC_STAT_AREA] >= 2 * scale * scale]  # >= 2 pt²
    if len(kept) != 1:
        return False
    w, h = int(kept[0][cv2.CC_STAT_WIDTH]), int(kept[0][cv2.CC_STAT_HEIGHT])
    return 3 * scale <= w <= 20 * scale and h <= 2.5 * scale and w >= 3.5 * h


def is_lone_slash(ink: np.ndarray, scale: float, blobs: Blobs | None = None) -> bool:
    """One thin straight stroke rising to the right, 4-20 pt tall, leaning 10-40° off
    vertical: a slash (/, not applicable), which recognisers read as Z, 7, 1 or a
    character when it stands alone. Specks beside it (dots under DOT_PT both ways) do
    not count."""
    blobs = blobs or components(ink)
    _, labels, stats = blobs
    kept = _glyph_blobs(blobs, scale)
    if len(kept) != 1:
        return False
    x, y, w, h = (int(v) for v in stats[kept[0], :4])
    if not (4 * scale <= h <= 20 * scale and 0.18 * h <= w <= 0.85 * h):
        return False
    stroke = labels[y:y + h, x:x + w] == kept[0]
    rows = [np.flatnonzero(r) for r in stroke]
    spans = np.array([r[-1] - r[0] + 1 for r in rows if len(r)])
    if len(spans) < h - 1 or spans.max() > max(0.6 * w, 2.5 * scale):
        return False  # a bar across it (7, Z, 4) or a gap in it
    ys = np.array([i for i, r in enumerate(rows) if len(r)], float)
    xs = np.array([(r[0] + r[-1]) / 2 for r in rows if len(r)])
    slope, icpt = np.polyfit(ys, xs, 1)
    straight = np.abs(xs - (slope * ys + icpt)).max() <= max(1.0, 0.4 * scale)
    return bool(straight and -1.0 <= slope <= -0.18)


def lone_sign(
    ink: np.ndarray, gray: np.ndarray, scale: float, blobs: Blobs | None = None
) -> str | None:
    """A cell whose ink is one comparison sign, 3-12 pt wide: "=" (two flat bars of about
    the same length, one over the other), "≥"/"≤" (a chevron pointing right/left over a
    flat bar) or "＞"/"＜" (the chevron alone), which recognisers read as N, M, И or 8
    when it stands alone. At 200 dpi the parts of a sign run into one blob, so the sign is
    told by the shape of its ink row by row (and, for "=", by the paler gap between the
    bars in the grey image), not by its blobs. None unless the shape is unambiguous.
    Specks (dots under DOT_PT both ways) do not count."""
    blobs = blobs or components(ink)
    _, labels, stats = blobs
    kept = _glyph_blobs(blobs, scale)
    if not 1 <= len(kept) <= 2:
        return None
    if len(kept) == 2:  # a sign's two parts lie one over the other, not side by side ("15")
        (xa, _, wa, _), (xb, _, wb, _) = stats[kept[0], :4], stats[kept[1], :4]
        if xa + wa <= xb or xb + wb <= xa:
            return None
    ys, xs = np.nonzero(np.isin(labels, kept))
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    glyph = np.isin(labels[y0:y1, x0:x1], kept)
    h, w = glyph.shape
    if not (3 * scale <= w <= 12 * scale and 1.5 * scale <= h <= 12 * scale):
        return None
    if _is_equals(glyph, gray[y0:y1, x0:x1], scale):
        return "="
    # the ink's threshold is loose: a thick chevron's arms run together into a wedge. Its
    # darker core, the grey image cut half way from the ink's darkest to paper, parts them
    g = gray[y0:y1, x0:x1].astype(float)
    darkest, paper = np.percentile(g[glyph], 5), np.percentile(g, 95)
    core = glyph & (g < (darkest + paper) / 2)
    for shape in (core, glyph):
        for flip, (ge, gt) in ((False, ("≥", "＞")), (True, ("≤", "＜"))):
            kind = _chevron(shape[:, ::-1] if flip else shape, scale)
            if kind:
                return ge if kind == "bar" else gt
    return None


def _is_equals(glyph: np.ndarray, gray: np.ndarray, scale: float) -> bool:
    """Two flat bars of about the same length, one close over the other: the rows of
    each bar (its rounded end rows aside) all but span the glyph, with one band of empty
    (or, where the bars run together, markedly paler in the grey image) rows between."""
    h, w = glyph.shape
    if not (w >= 1.3 * h and 4 <= h <= 7 * scale):
        return False
    inked = np.asarray(glyph.any(axis=1), bool)
    left = np.array([np.flatnonzero(r)[0] if r.any() else w for r in glyph])
    right = np.array([np.flatnonzero(r)[-1] if r.any() else -1 for r in glyph])
    solid = glyph.sum(axis=1) >= 0.9 * (right - left + 1)  # a bar's row: no paper in it
    long = inked & solid & (right - left + 1 >= 0.75 * w)
    full = long & (left <= 0.12 * w) & (right >= 0.88 * w - 1)
    if inked.all():  # merged into one block: the bars are the outer thirds
        third = max(1, h // 3)
        bars = [np.arange(0, third), np.arange(h - third, h)]
    else:
        gaps = np.flatnonzero(~inked)
        if len(np.split(gaps, np.flatnonzero(np.diff(gaps) > 1) + 1)) != 1:
            return False  # more than two bars (三) or a speck
        bars = [np.arange(0, gaps[0]), np.arange(gaps[-1] + 1, h)]
        if max(len(b) for b in bars) > 2.5 * scale or min(len(b) for b in bars) < 0.6 * max(
                len(b) for b in bars):
            return False  # not two flat bars of a kind
    for rows in bars:
        inner = rows[1:-1] if len(rows) > 2 else rows
        if not full[rows].any() or not long[inner].all():
            return False  # a bar shorter than the other (二, 工) or not a bar
    if not inked.all():
        return True
    # the grey image's darkness by row, across the glyph's middle: paler between the bars
    dark = 255.0 - gray[:, int(0.2 * w):max(int(0.8 * w), int(0.2 * w) + 1)].mean(axis=1)
    third = max(1, h // 3)
    top, bottom = dark[:third].max(), dark[h - third:].max()
    mid = dark[third:h - third].min() if h - 2 * third > 0 else min(top, bottom)
    return bool(min(top, bottom) >= 100 and mid <= 0.6 * min(top, bottom))


def _chevron(glyph: np.ndarray, scale: float) -> str | None:
    """"bar" for a chevron pointing right over a flat bar (≥), "alone" for the chevron
    alone (>), None otherwise. The chevron's rows: the ink's left edge moves right from
    the top row to the apex and back left to the bottom row, its right edge likewise, the
    apex (rightmost, near the glyph's right side) in the middle half, the arms' tips
    narrow and at the left. At 200 dpi the strokes are thick and the chevron nearly
    solid, so hollowness is not asked for."""
    ys, xs = np.nonzero(glyph)
    if len(ys) == 0:
        return None
    glyph = glyph[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = glyph.shape
    if not (0.6 * h <= w <= 1.6 * h and h >= 4 * scale):
        return None
    inked = np.asarray(glyph.any(axis=1), bool)
    left = np.where(inked, glyph.argmax(axis=1), -1)  # first and last inked column per row
    right = np.where(inked, w - 1 - glyph[:, ::-1].argmax(axis=1), -1)
    full = inked & (left <= 0.15 * w) & (right >= 0.85 * w - 1) & (
        glyph.sum(axis=1) >= 0.9 * (right - left + 1))
    # a bar: full rows at the bottom, 1-2.5 pt thick, under the chevron
    k = h
    while k > 0 and full[k - 1]:
        k -= 1
    bar = h - k
    kind = "bar" if bar >= 0.6 * scale else "alone"
    if bar > 2.5 * scale:
        return None
    # the chevron: its last rows may touch the bar; drop rows joined to it
    while k > 0 and kind == "bar" and inked[k - 1] and (right[k - 1] - left[k - 1]) >= 0.7 * w:
        k -= 1
    while k > 0 and kind == "bar" and h - k - bar <= 2 * scale and not inked[k - 1]:
        k -= 1  # or paper between them
    rows = np.flatnonzero(inked[:k])
    if len(rows) < 3 * scale or len(rows) < k - 1 - int(0.6 * scale) * (kind == "bar"):
        return None  # a gap in the strokes
    lt, rt = left[rows].astype(float), right[rows].astype(float)
    apex = int(np.argmax(lt + rt))
    n = len(rows)
    if not (0.25 * n <= apex <= 0.75 * n):
        return None
    if rt[apex] < 0.85 * w - 1 or lt[apex] < 0.3 * w:
        return None  # the strokes do not meet at the right
    if max(lt[0], lt[-1]) > 0.25 * w or rt[0] > 0.5 * w or rt[-1] > 0.6 * w:
        return None  # the arms do not open to the left from narrow tips (not 2, 7, Z)
    tol = max(1.0, 0.4 * scale)
    for edge in (lt, rt):
        up, down = np.diff(edge[1:apex + 1]), np.diff(edge[apex:n - 1])  # tips aside
        if (up < -tol).any() or (down > tol).any():
            return None  # an edge turns back: not two straight strokes
    mid = (lt + rt) / 2
    last = n - 1 - int(np.argmax((lt + rt)[::-1]))  # the apex's last row (a blunt apex)
    for arm in (np.arange(1, apex + 1), np.arange(last, n - 1)):  # rounded tips aside
        if len(arm) < 3:
            return None
        fit = np.polyval(np.polyfit(arm, mid[arm], 1), arm)
        if np.abs(mid[arm] - fit).max() > max(1.5, 0.6 * scale):
            return None  # a curve (), 2), not a straight arm
    return kind
