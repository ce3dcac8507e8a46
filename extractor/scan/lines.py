"""Ink mask of a scanned page -> ruling segments -> tables (the scan path's grid).

    ink_to_line_masks   morphological opening with long thin kernels, then
                        closing along the line to repair breaks
    masks_to_segments   one Segment per connected line piece, in PDF points: the
                        straight, thin part of it (a seal arc bows, a signature
                        slopes, the scanner's dark edge is thick)
    drop_faint          pieces much lighter than the rulings (a grey seal's ring)
    keep_ruled          pieces that meet two long rulings, trimmed to them
    segments_to_tables  (grid/build.py, shared with the text path): fine grid,
                        merged cells with row and column spans
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from extractor.grid.build import Segment, segments_to_tables
from extractor.models import Table
from extractor.scan.along import darkness, lightest, runs_on, share_on

MIN_PIECE_PT = 12.0  # opening kernel: longer than a (bold) CJK glyph stroke at 9-10.5 pt
GAP_PT = 8.0  # breaks shorter than this are closed
MIN_LINE_PT = 10.0  # a ruling piece is at least this long after repair
MAX_THICK_PT = 2.4  # thicker than this is a bar, a seal ring or an edge, not a ruling
MAX_BOW_PT = 1.2  # a ruling's centre line wanders less than this along its length
FAINT = 0.35  # a piece lighter than ink + FAINT * (paper - ink) is not printed ruling
# ... and a piece LONG_PT or longer lighter than ink + FAINT_LONG * (paper - ink): on a faded
# copy a thin ruling, blurred over a pixel or two, prints far lighter than the thick ones that
# set the ink's level; a long straight piece is no seal's stroke (a ring's straight stretches
# are short) nor a pen's. Another sheet's rulings showing through sit lighter still (GHOST).
# Measured on the tuning split (30, 60 and 130 pt tried: at 30 a typical page's 一级指标 cells
# read worse, a shorter grey piece kept; 130 missed a faded page's shorter rulings)
FAINT_LONG = 0.6
LONG_PT = 60.0
GHOST = 0.65  # a piece is cut where it runs lighter than ink + GHOST * (paper - ink),
FAINT_RUN_PT = 10.0  # ... this far,
FAINT_BAND_PT = 3.0  # ... over the whole band this far either side of it,
GHOST_BELOW_PAPER = 8  # ... and still inked: at least this many grey levels under paper
STRONG_PT = 30.0  # rulings at least this long can vouch for shorter ones
JOIN_TOL_PT = 4.0  # how near a line end must come to a crossing line
ON_MARK = 0.6  # a piece with this share of its length on a seal's ring is part of the ring
OFF_SEAL = 0.5  # a ruling of the first pass with less than this share on a seal's ink is kept
BRIDGE_MAX_PT = 20.0  # a gap this short between two pieces of one ruling, on a seal's ring, is bridged
BRIDGE_ON_MARK = 0.8  # ... when at least this share of it lies on the ring
BRIDGE_ALIGN_PT = 1.0  # the two pieces lie this near one line
GRID_TOL_PT = 3.0  # rulings (and piece ends) this near are one line of the grid (build's tol)
MIN_COVER = 0.6  # two cells are parted where rulings cover this share of their side
MIN_PIECE_PX, MIN_GAP_PX = 9, 3  # the opening and closing kernels, at least
BAND_SHARE = 0.75  # a ruling's band: this share of MAX_THICK_PT each side of its densest row
BOW_PERCENTILES = (15, 85)  # the spread of a ruling's centre line, outliers aside
PAPER_SAMPLES = 50  # the paper's level: the median of about this many rows and columns


@dataclass(frozen=True)
class LineMasks:
    horizontal: np.ndarray
    vertical: np.ndarray


def find_tables(
    ink: np.ndarray, scale: float, page: int, gray: np.ndarray | None = None,
    marks: np.ndarray | None = None, also: list[Segment] | None = None,
) -> tuple[list[Table], list[Segment]]:
    """Every ruled table on the page (cells without text yet) and the rulings (points).
    With the grey page, pieces much fainter than the page's rulings (a grey seal's ring)
    are dropped first; with a mask of marks (a seal's ring), pieces lying mostly on it.
    `also`: rulings found before, added to the pieces (see page.scan_page)."""
    masks = ink_to_line_masks(ink, scale)
    pieces = masks_to_segments(masks, scale)
    if gray is not None:
        pieces = drop_faint(pieces, gray, scale)
    if marks is not None:
        pieces = [p for p in bridge_marked_gaps(pieces, marks, scale) if share_on(p, marks, scale) < ON_MARK]
    pieces += also or []
    segments = keep_ruled(pieces)
    return segments_to_tables(segments, page, tol=GRID_TOL_PT, min_cover=MIN_COVER), segments


RULING_BAND_PT = 1.3  # half the width of the band painted out around a ruling


def rulings_mask(segments: list[Segment], shape: tuple[int, ...], scale: float,
                 half_width_pt: float = RULING_BAND_PT) -> np.ndarray:
    """The band around every kept ruling (255), for painting the rulings out."""
    mask = np.zeros(shape[:2], np.uint8)
    t = max(1, round(half_width_pt * scale))
    for s in segments:
        a, b, at = int(s.start * scale), int(s.end * scale), round(s.at * scale)
        if s.horizontal:
            mask[max(0, at - t):at + t + 1, max(0, a - t):b + t + 1] = 255
        else:
            mask[max(0, a - t):b + t + 1, max(0, at - t):at + t + 1] = 255
    return mask


def ink_to_line_masks(ink: np.ndarray, scale: float) -> LineMasks:
    piece = max(MIN_PIECE_PX, int(MIN_PIECE_PT * scale))
    gap = max(MIN_GAP_PX, int(GAP_PT * scale))
    h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (piece, 1)))
    h = cv2.morphologyEx(h, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, piece)))
    v = cv2.morphologyEx(v, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    return LineMasks(h, v)


def masks_to_segments(masks: LineMasks, scale: float) -> list[Segment]:
    return _pieces(masks.horizontal, scale, horizontal=True) + _pieces(
        masks.vertical, scale, horizontal=False
    )


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """8-connected components of a mask: their count, the label image and the stats.
    16-bit labels where they fit (the same labelling, in half the time); OpenCV raises
    when a page has more, and then gets 32-bit ones."""
    try:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8,
                                                                ltype=cv2.CV_16U)
    except cv2.error:
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return n, labels, stats


def blob_pixels(labels: np.ndarray, stats: np.ndarray, which: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of every pixel of the components flagged in `which`, looked up
    offset by offset in their boxes, not in the whole label image: cheap for many tiny
    blobs (specks), dear for big ones."""
    idx = np.flatnonzero(which)
    x, y = stats[idx, cv2.CC_STAT_LEFT], stats[idx, cv2.CC_STAT_TOP]
    w, h = stats[idx, cv2.CC_STAT_WIDTH], stats[idx, cv2.CC_STAT_HEIGHT]
    ys, xs = [np.empty(0, np.intp)], [np.empty(0, np.intp)]
    for dy in range(int(h.max(initial=0))):
        for dx in range(int(w.max(initial=0))):
            inside = (dy < h) & (dx < w)
            yy, xx = y[inside] + dy, x[inside] + dx
            hit = labels[yy, xx] == idx[inside]
            ys.append(yy[hit])
            xs.append(xx[hit])
    return np.concatenate(ys), np.concatenate(xs)


def _pieces(mask: np.ndarray, scale: float, horizontal: bool) -> list[Segment]:
    n, labels, stats = components(mask)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = (int(v) for v in stats[i])
        length = w if horizontal else h
        if length < MIN_LINE_PT * scale:
            continue
        comp = labels[y:y + h, x:x + w] == i
        piece = _straight_part(comp if horizontal else comp.T, scale)
        if piece is None:
            continue
        at, a, b = piece
        if horizontal:
            out.append(Segment(True, (y + at) / scale, (x + a) / scale, (x + b) / scale))
        else:
            out.append(Segment(False, (x + at) / scale, (y + a) / scale, (y + b) / scale))
    return out


def _straight_part(comp: np.ndarray, scale: float) -> tuple[float, int, int] | None:
    """The ruling in a (horizontal) component: the band of rows around its densest row,
    and the longest run along it with gaps under GAP_PT. A sloped stroke (a signature)
    has no long run in any band; a seal arc or a glyph touching a ruling is left out."""
    rows = comp.sum(axis=1)
    peak = int(np.argmax(rows))
    half = max(1, int(BAND_SHARE * MAX_THICK_PT * scale))
    lo, hi = max(0, peak - half), min(comp.shape[0], peak + half + 1)
    band = comp[lo:hi]
    weights = rows[lo:hi].astype(np.float64)  # the band's row sums
    at = lo + float(np.dot(np.arange(hi - lo), weights) / max(1.0, weights.sum())) + 0.5
    cols = np.flatnonzero(band.any(axis=0))
    breaks = np.flatnonzero(np.diff(cols) > GAP_PT * scale)
    starts = np.concatenate(([cols[0]], cols[breaks + 1]))
    ends = np.concatenate((cols[breaks], [cols[-1]])) + 1
    k = int(np.argmax(ends - starts))
    if ends[k] - starts[k] < MIN_LINE_PT * scale:
        return None
    run = band[:, starts[k]:ends[k]]
    counts = run.sum(axis=0)
    if _median(counts) > MAX_THICK_PT * scale:
        return None  # a bar, a seal's ring or the scanner's dark edge, not a ruling
    filled = counts > 0
    centre = (np.arange(run.shape[0]) @ run)[filled] / counts[filled]  # whole numbers: exact
    low, high = _percentiles(centre, BOW_PERCENTILES)
    if high - low > MAX_BOW_PT * scale:
        return None  # curved or sloped: an arc of a seal, a signature
    return at, int(starts[k]), int(ends[k])


def drop_faint(segments: list[Segment], gray: np.ndarray, scale: float) -> list[Segment]:
    """Drop pieces whose ink is much lighter than the long rulings' (seal ink in grey;
    a piece LONG_PT or longer may be lighter, FAINT_LONG), once pieces are cut where they
    run a ghost's grey (_dark_parts)."""
    levels = darkness(segments, gray, scale)
    strong = [lv for s, lv in zip(segments, levels, strict=True) if s.end - s.start >= STRONG_PT]
    if not strong:
        return segments
    ink_level = float(np.median(strong))
    n = PAPER_SAMPLES
    paper = float(np.median(gray[:: max(1, gray.shape[0] // n), :: max(1, gray.shape[1] // n)]))
    limit = ink_level + FAINT * (paper - ink_level)
    long_limit = ink_level + FAINT_LONG * (paper - ink_level)
    ghost = ink_level + GHOST * (paper - ink_level)

    def ok(s: Segment, lv: float) -> bool:
        return lv <= (long_limit if s.end - s.start >= LONG_PT else limit)

    parts = [_dark_parts(s, gray, scale, ghost, paper) for s in segments]
    if all(len(p) == 1 and p[0] is s for p, s in zip(parts, segments, strict=True)):
        return [s for s, lv in zip(segments, levels, strict=True) if ok(s, lv)]
    pieces = [p for ps in parts for p in ps]
    return [s for s, lv in zip(pieces, darkness(pieces, gray, scale), strict=True) if ok(s, lv)]


def _dark_parts(
    s: Segment, gray: np.ndarray, scale: float, limit: float, paper: float
) -> list[Segment]:
    """A piece cut where it runs a ghost's grey for FAINT_RUN_PT or more: a printed ruling
    carried on by a much fainter line (another sheet's ruling showing through the paper, bridging the
    gap between two forms' tables) is the printed part only. Faint, not paper: where the
    ruling breaks off (a fax's dropout, which the mask's closing bridged) it stays whole."""
    run = FAINT_RUN_PT * scale
    if (s.end - s.start) * scale < run:
        return [s]
    h, w = gray.shape[:2]
    t = max(1, int(FAINT_BAND_PT * scale))  # wide: a long ruling drifts off its mean position
    at = round(s.at * scale)
    a, b = max(0, int(s.start * scale)), int(s.end * scale) + 1
    band = gray[max(0, at - t):at + t + 1, a:min(b, w)] if s.horizontal else \
        gray[a:min(b, h), max(0, at - t):at + t + 1].T
    if band.size == 0:
        return [s]
    darkest = band.min(axis=0)
    faint = np.concatenate(([False], (darkest > limit) & (darkest < paper - GHOST_BELOW_PAPER), [False]))
    edges = np.flatnonzero(np.diff(faint.astype(np.int8)))
    gaps = [(i, j) for i, j in zip(edges[::2], edges[1::2], strict=True) if j - i >= run]
    if not gaps:
        return [s]
    parts, start = [], s.start
    for i, j in gaps:
        parts.append(Segment(s.horizontal, s.at, start, (a + i) / scale))
        start = (a + j) / scale
    parts.append(Segment(s.horizontal, s.at, start, s.end))
    return [p for p in parts if p.end - p.start >= MIN_LINE_PT]


def bridge_marked_gaps(pieces: list[Segment], marks: np.ndarray, scale: float) -> list[Segment]:
    """Pieces of one ruling parted where a seal's ring crossed it (the ring's ink taken out
    took the ruling's with it) joined again: collinear, the gap short and on the ring."""
    out: list[Segment] = []
    for p in sorted(pieces, key=lambda p: (p.horizontal, round(p.at), p.start)):
        if out and _bridged(out[-1], p, marks, scale):
            last = out[-1]
            out[-1] = Segment(p.horizontal, (last.at + p.at) / 2, last.start, max(last.end, p.end))
        else:
            out.append(p)
    return out


def _bridged(last: Segment, p: Segment, marks: np.ndarray, scale: float) -> bool:
    gap = Segment(p.horizontal, p.at, last.end, p.start)
    return (last.horizontal == p.horizontal and abs(last.at - p.at) <= BRIDGE_ALIGN_PT
            and 0 < gap.end - gap.start <= BRIDGE_MAX_PT and share_on(gap, marks, scale) >= BRIDGE_ON_MARK)


def crossing_seal(segments: list[Segment], seal: np.ndarray, gray: np.ndarray, scale: float) -> list[Segment]:
    """The rulings that cross a seal: long (STRONG_PT: a glyph's stroke between two rulings
    is not), mostly off its ink (OFF_SEAL), and print all along wherever they run over
    it, no point lighter than a ghost's grey (GHOST): a ruling carried on by a paler
    seal's stroke in line with it is not one. None when no long ruling misses the seal
    (no print to hold them against)."""
    shares = [(s, share_on(s, seal, scale)) for s in segments if s.end - s.start >= STRONG_PT]
    off = [s for s, share in shares if share < OFF_SEAL]
    clear = [s for s, share in shares if share == 0]
    if not clear:
        return []
    ink_level = float(np.median(darkness(clear, gray, scale)))
    n = PAPER_SAMPLES
    paper = float(np.median(gray[:: max(1, gray.shape[0] // n), :: max(1, gray.shape[1] // n)]))
    limit = ink_level + GHOST * (paper - ink_level)
    return [s for s in off if all(lightest(r, gray, scale) <= limit for r in runs_on(s, seal, scale))]


def print_grey(segments: list[Segment], gray: np.ndarray, scale: float) -> float | None:
    """The page's print as grey: the median darkness of its long rulings (None if none)."""
    strong = [s for s in segments if s.end - s.start >= STRONG_PT]
    return float(np.median(darkness(strong, gray, scale))) if strong else None


def _percentiles(values: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """np.percentile(values, q) (its default linear method, the same float arithmetic) for
    each q, without its overhead (a tenth of a millisecond a call): it runs once per line
    piece. No NaNs in the values."""
    s = np.sort(values)
    n = len(s)
    out = []
    for q in qs:
        v = (n - 1) * (q / 100)
        if v >= n - 1:
            out.append(float(s[-1]))
            continue
        i = math.floor(v)
        a, b, t = float(s[i]), float(s[i + 1]), v - i
        out.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)
    return out


def _median(values: np.ndarray) -> float:
    """np.median of whole numbers (the mean of the middle pair, exact), without its
    overhead: it runs once per line piece."""
    n = len(values)
    part = np.partition(values, ((n - 1) // 2, n // 2))
    return (float(part[(n - 1) // 2]) + float(part[n // 2])) / 2


def keep_ruled(segments: list[Segment], tol: float = JOIN_TOL_PT) -> list[Segment]:
    """Keep segments that cross or meet at least two segments of the other direction,
    trimmed to their outermost crossings (a glyph stroke joined to a line's end by the
    gap repair is cut off again)."""
    for _ in range(2):
        hs = [s for s in segments if s.horizontal]
        vs = [s for s in segments if not s.horizontal]
        # only long rulings vouch for others, and short ones running between two long
        # ones (the walls of a table of one row): marks (a seal's star, a stroke) make
        # short pieces that would otherwise vouch for each other
        hs_long = [s for s in hs if s.end - s.start >= STRONG_PT]
        vs_long = [s for s in vs if s.end - s.start >= STRONG_PT]
        hs_strong = hs_long + [s for s in hs if s.end - s.start < STRONG_PT and _spans(s, vs_long, tol)]
        vs_strong = vs_long + [s for s in vs if s.end - s.start < STRONG_PT and _spans(s, hs_long, tol)]
        segments = [t for t in (_trimmed(s, vs_strong, tol) for s in hs) if t is not None] + [
            t for t in (_trimmed(s, hs_strong, tol) for s in vs) if t is not None
        ]
    return segments


def _spans(s: Segment, others: list[Segment], tol: float) -> bool:
    """`s` runs from one of `others` to another, meeting them at its two ends."""
    at = [o.at for o in others if o.start - tol <= s.at <= o.end + tol]
    return any(abs(a - s.start) <= tol for a in at) and any(abs(a - s.end) <= tol for a in at)


def _trimmed(s: Segment, others: list[Segment], tol: float) -> Segment | None:
    at = [o.at for o in others
          if s.start - tol <= o.at <= s.end + tol and o.start - tol <= s.at <= o.end + tol]
    if len(at) < 2:
        return None
    return Segment(s.horizontal, s.at, max(s.start, min(at)), min(s.end, max(at)))
