"""A lone comparison sign read from the shape of its ink: "=", "≥", "≤", "＞", "＜".

    lone_sign       the sign a cell's ink is, if it is one unambiguously
    _is_equals      two flat bars of a kind, one over the other
    _chevron        a chevron, alone or over a flat bar (_bar_under, _chevron_edges)
    _below_apex     ... or with the bar slanted along its lower arm (⩾, as CJK faces draw ≥)

Shares (of a glyph's width w, height h, rows n) and lengths in points (times the scale);
each threshold below has one role.
"""

from __future__ import annotations

import cv2
import numpy as np

from extractor.scan.ink import DOT_PT
from extractor.scan.lines import components

GLYPH_MIN_PT2 = 2  # a blob under this is a speck beside a glyph, not part of one
# a sign
SIGN_MIN_W_PT, SIGN_MIN_H_PT, SIGN_MAX_PT = 3, 1.5, 12  # its ink's box: 3-12 by 1.5-12 pt
DARKEST_PERCENTILE, PAPER_PERCENTILE = 5, 95  # the ink's darkest, and paper, in the grey crop
SOLID_ROW = 0.9  # a bar's row is inked over at least this share of its span: no paper in it
# "=": two flat bars
EQUALS_MIN_ASPECT = 1.3  # at least this many times as wide as tall
EQUALS_MIN_PX, EQUALS_MAX_PT = 4, 7  # its height
EQUALS_LONG_ROW = 0.75  # a bar's row spans at least this share of the glyph's width
EQUALS_FULL_LEFT, EQUALS_FULL_RIGHT = 0.12, 0.88  # ... and some row of each bar spans these
EQUALS_BAR_MAX_PT = 2.5  # a bar is at most this thick
EQUALS_BAR_MATCH = 0.6  # the thinner bar at least this share of the thicker
EQUALS_MIDDLE = (0.2, 0.8)  # run together: the columns whose grey is compared
EQUALS_MIN_DARK = 100  # ... each bar this many grey levels darker than white
EQUALS_GAP_PALE = 0.6  # ... the rows between at most this share as dark as the paler bar
# "≥", "＞" (and, mirrored, "≤", "＜"): a chevron, over a flat bar or alone
SLANTED_BAR_ROWS = 0.5  # ⩾: at least this share of the rows below the apex cross two strokes,
SLANTED_BAR_INK = 1.5  # ... or they hold this many times the ink of the rows above it
BALANCED_ARMS = 1.2  # a chevron alone: the ink below and above its apex within this ratio
CHEVRON_MIN_ASPECT, CHEVRON_MAX_ASPECT = 0.6, 1.6  # its width, as a share of its height
CHEVRON_MIN_PT = 4  # its height (with the bar)
BAR_FULL_LEFT, BAR_FULL_RIGHT = 0.15, 0.85  # the bar's rows span the glyph from and to these
BAR_MIN_PT, BAR_MAX_PT = 0.6, 2.5  # the bar's thickness (thinner: no bar, the sign alone)
JOINED_ROW = 0.7  # a chevron's row this wide over the bar is joined to it
BAR_GAP_PT = 2  # the paper between the chevron and its bar, at most
CHEVRON_MIN_ROWS_PT = 3  # the chevron's inked rows, at least
MISSED_ROWS_PT = 0.6  # over a bar, the chevron may miss this many rows (a faint join)
APEX_ROWS = (0.25, 0.75)  # the apex (the rightmost row) lies in the middle half of the rows
APEX_RIGHT = 0.85  # ... reaching at least this share of the width
APEX_MIN_LEFT = 0.3  # ... where the strokes meet: its left edge at least this far right
TIP_MAX_LEFT = 0.25  # the arms' tips start left of this share of the width
TOP_TIP_MAX_RIGHT, BOTTOM_TIP_MAX_RIGHT = 0.5, 0.6  # ... and end left of these (narrow)
TURN_PX, TURN_PT = 1.0, 0.4  # an edge moving back by more than this turns back
ARM_MIN_ROWS = 3  # an arm has at least this many rows (its rounded tip aside)
ARM_BOW_PX, ARM_BOW_PT = 1.5, 0.6  # an arm's row centres off a straight line by at most


Blobs = tuple[int, np.ndarray, np.ndarray]  # lines.components: n, labels, stats


def glyph_blobs(blobs: Blobs, scale: float) -> list[int]:
    """The blobs big enough to be part of a glyph: at least GLYPH_MIN_PT2, and at least
    DOT_PT one way (specks beside a glyph do not count)."""
    n, _, stats = blobs
    dot = DOT_PT * scale
    return [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= GLYPH_MIN_PT2 * scale * scale
            and (stats[i, cv2.CC_STAT_WIDTH] >= dot or stats[i, cv2.CC_STAT_HEIGHT] >= dot)]


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
    kept = glyph_blobs(blobs, scale)
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
    if not (SIGN_MIN_W_PT * scale <= w <= SIGN_MAX_PT * scale
            and SIGN_MIN_H_PT * scale <= h <= SIGN_MAX_PT * scale):
        return None
    if _is_equals(glyph, gray[y0:y1, x0:x1], scale):
        return "="
    # the ink's threshold is loose: a thick chevron's arms run together into a wedge. Its
    # darker core, the grey image cut half way from the ink's darkest to paper, parts them
    g = gray[y0:y1, x0:x1].astype(float)
    darkest, paper = np.percentile(g[glyph], DARKEST_PERCENTILE), np.percentile(g, PAPER_PERCENTILE)
    core = glyph & (g < (darkest + paper) / 2)
    for shape in (core, glyph):
        for flip, (ge, gt) in ((False, ("≥", "＞")), (True, ("≤", "＜"))):
            kind = _chevron(shape[:, ::-1] if flip else shape, scale)
            if kind == "alone":  # or a bar slanted along the lower arm
                kind = _below_apex(*((core[:, ::-1], glyph[:, ::-1]) if flip else (core, glyph)))
                if kind is None:
                    return None
            if kind:
                return gt if kind == "alone" else ge
    return None


def _is_equals(glyph: np.ndarray, gray: np.ndarray, scale: float) -> bool:
    """Two flat bars of about the same length, one close over the other: the rows of
    each bar (its rounded end rows aside) all but span the glyph, with one band of empty
    (or, where the bars run together, markedly paler in the grey image) rows between."""
    h, w = glyph.shape
    if not (w >= EQUALS_MIN_ASPECT * h and EQUALS_MIN_PX <= h <= EQUALS_MAX_PT * scale):
        return False
    inked = np.asarray(glyph.any(axis=1), bool)
    left = np.array([np.flatnonzero(r)[0] if r.any() else w for r in glyph])
    right = np.array([np.flatnonzero(r)[-1] if r.any() else -1 for r in glyph])
    solid = glyph.sum(axis=1) >= SOLID_ROW * (right - left + 1)  # a bar's row: no paper in it
    long = inked & solid & (right - left + 1 >= EQUALS_LONG_ROW * w)
    full = long & (left <= EQUALS_FULL_LEFT * w) & (right >= EQUALS_FULL_RIGHT * w - 1)
    if inked.all():  # merged into one block: the bars are the outer thirds
        third = max(1, h // 3)
        bars = [np.arange(0, third), np.arange(h - third, h)]
    else:
        gaps = np.flatnonzero(~inked)
        if len(np.split(gaps, np.flatnonzero(np.diff(gaps) > 1) + 1)) != 1:
            return False  # more than two bars (三) or a speck
        bars = [np.arange(0, gaps[0]), np.arange(gaps[-1] + 1, h)]
        thickest = max(len(b) for b in bars)
        if thickest > EQUALS_BAR_MAX_PT * scale or min(len(b) for b in bars) < EQUALS_BAR_MATCH * thickest:
            return False  # not two flat bars of a kind
    for rows in bars:
        inner = rows[1:-1] if len(rows) > 2 else rows
        if not full[rows].any() or not long[inner].all():
            return False  # a bar shorter than the other (二, 工) or not a bar
    if not inked.all():
        return True
    # the grey image's darkness by row, across the glyph's middle: paler between the bars
    c0, c1 = int(EQUALS_MIDDLE[0] * w), int(EQUALS_MIDDLE[1] * w)
    dark = 255.0 - gray[:, c0:max(c1, c0 + 1)].mean(axis=1)
    third = max(1, h // 3)
    top, bottom = dark[:third].max(), dark[h - third:].max()
    mid = dark[third:h - third].min() if h - 2 * third > 0 else min(top, bottom)
    return bool(min(top, bottom) >= EQUALS_MIN_DARK and mid <= EQUALS_GAP_PALE * min(top, bottom))


def _below_apex(core: np.ndarray, glyph: np.ndarray) -> str | None:
    """A chevron's outline with nothing under it: "alone" (＞), "slanted" (⩾, as CJK faces
    draw ≥: the bar slanted under the lower arm and along it), or None when it cannot be
    told. Below the apex (the row reaching furthest out) a chevron alone holds the ink of
    the rows above it; with a slanted bar about twice that, and most rows of the ink's
    darker core there cross two strokes. `glyph` points right (flip ≤ first)."""
    inked = np.flatnonzero(glyph.any(axis=1))
    reach = np.where(glyph.any(axis=1), glyph.shape[1] - glyph[:, ::-1].argmax(axis=1), 0)
    apex = int(np.flatnonzero(reach == reach.max()).mean())
    if apex <= inked[0] or apex >= inked[-1]:
        return None
    upper, lower = int(np.count_nonzero(glyph[:apex])), int(np.count_nonzero(glyph[apex + 1:]))
    rows = [r for r in core[apex + 1:].astype(np.int8) if r.any()]
    two = sum(int(np.count_nonzero(np.diff(r, prepend=0) == 1)) >= 2 for r in rows)
    if lower >= SLANTED_BAR_INK * max(1, upper) or (rows and two >= SLANTED_BAR_ROWS * len(rows)):
        return "slanted"
    return "alone" if max(lower, upper) <= BALANCED_ARMS * max(1, min(lower, upper)) else None


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
    if not (CHEVRON_MIN_ASPECT * h <= w <= CHEVRON_MAX_ASPECT * h and h >= CHEVRON_MIN_PT * scale):
        return None
    inked = np.asarray(glyph.any(axis=1), bool)
    left = np.where(inked, glyph.argmax(axis=1), -1)  # first and last inked column per row
    right = np.where(inked, w - 1 - glyph[:, ::-1].argmax(axis=1), -1)
    found = _bar_under(glyph, inked, left, right, scale)
    if found is None:
        return None
    kind, k = found
    rows = np.flatnonzero(inked[:k])
    if len(rows) < CHEVRON_MIN_ROWS_PT * scale or len(rows) < k - 1 - int(
            MISSED_ROWS_PT * scale) * (kind == "bar"):
        return None  # a gap in the strokes
    lt, rt = left[rows].astype(float), right[rows].astype(float)
    return kind if _chevron_edges(lt, rt, w, scale) else None


def _bar_under(
    glyph: np.ndarray, inked: np.ndarray, left: np.ndarray, right: np.ndarray, scale: float
) -> tuple[str, int] | None:
    """Whether a flat bar lies under the chevron ("bar" or "alone") and the rows above it
    that are the chevron's (its last rows may touch the bar, or paper part them); None
    for a bar too thick."""
    h, w = glyph.shape
    full = inked & (left <= BAR_FULL_LEFT * w) & (right >= BAR_FULL_RIGHT * w - 1) & (
        glyph.sum(axis=1) >= SOLID_ROW * (right - left + 1))
    # a bar: full rows at the bottom, 1-2.5 pt thick, under the chevron
    k = h
    while k > 0 and full[k - 1]:
        k -= 1
    bar = h - k
    kind = "bar" if bar >= BAR_MIN_PT * scale else "alone"
    if bar > BAR_MAX_PT * scale:
        return None
    # the chevron: its last rows may touch the bar; drop rows joined to it
    while k > 0 and kind == "bar" and inked[k - 1] and (right[k - 1] - left[k - 1]) >= JOINED_ROW * w:
        k -= 1
    while k > 0 and kind == "bar" and h - k - bar <= BAR_GAP_PT * scale and not inked[k - 1]:
        k -= 1  # or paper between them
    return kind, k


def _chevron_edges(lt: np.ndarray, rt: np.ndarray, w: int, scale: float) -> bool:
    """The left and right edges of a chevron's rows (`lt`, `rt`, top to bottom, in a
    glyph `w` wide): they meet at an apex at the right, open to the left from narrow
    tips, and run straight, with no turn back, from the tips to the apex."""
    apex = int(np.argmax(lt + rt))
    n = len(lt)
    if not (APEX_ROWS[0] * n <= apex <= APEX_ROWS[1] * n):
        return False
    if rt[apex] < APEX_RIGHT * w - 1 or lt[apex] < APEX_MIN_LEFT * w:
        return False  # the strokes do not meet at the right
    if max(lt[0], lt[-1]) > TIP_MAX_LEFT * w or rt[0] > TOP_TIP_MAX_RIGHT * w or rt[-1] > (
            BOTTOM_TIP_MAX_RIGHT * w):
        return False  # the arms do not open to the left from narrow tips (not 2, 7, Z)
    tol = max(TURN_PX, TURN_PT * scale)
    for edge in (lt, rt):
        up, down = np.diff(edge[1:apex + 1]), np.diff(edge[apex:n - 1])  # tips aside
        if (up < -tol).any() or (down > tol).any():
            return False  # an edge turns back: not two straight strokes
    mid = (lt + rt) / 2
    last = n - 1 - int(np.argmax((lt + rt)[::-1]))  # the apex's last row (a blunt apex)
    for arm in (np.arange(1, apex + 1), np.arange(last, n - 1)):  # rounded tips aside
        if len(arm) < ARM_MIN_ROWS:
            return False
        fit = np.polyval(np.polyfit(arm, mid[arm], 1), arm)
        if np.abs(mid[arm] - fit).max() > max(ARM_BOW_PX, ARM_BOW_PT * scale):
            return False  # a curve (), 2), not a straight arm
    return True
