"""A scanned page -> a clean greyscale image and its ink mask, ready for grid and OCR.

    suppress_red      red seal ink (公章) -> background, before anything looks at the page
    estimate_skew     the angle of the table's own horizontal rulings (±3°, or up to ±7.5° on
                      a sheet fed crooked)
    rotate            deskew
    binarise          adaptive threshold -> ink mask (255 = ink)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_SKEW = 3.0  # degrees: the search round a first guess
WIDE_GUESS = 4.5  # degrees: a further first guess, when the rulings are not level within ±MAX_SKEW
TEXT_C = 18  # adaptive threshold offset (grey levels below the local mean) for text
LINE_C = 10  # for rulings: a 0.5 pt line at 200 dpi after deskew is faint
MIN_ROTATION = 0.03  # degrees: a page skewed less is not turned (a resample blurs it)
SEAL_REDNESS = 20  # red ink: its red channel this much above its green and blue
SEAL_MIN_RED = 150  # ... and at least this bright in red (print under a seal is darker)
SEAL_FRINGE_PX = 5  # the seal's anti-aliased fringe: this square round its red pixels
WINDOW_PT = 12  # the adaptive threshold's window (about a glyph and its neighbours)
MIN_WINDOW_PX = 15  # ... at least this many pixels (odd)
DENOISE_PX = 3  # the Gaussian denoise's kernel
SOLID_INK = 59  # grey levels under this are ink whatever their neighbourhood (solid marks)
SKEW_WIDTH_PX = 1000  # the skew is measured on the ink reduced to this width
SKEW_RUN_PT = 12  # ... from horizontal runs of ink at least this long (rulings)
MIN_RUN_PX = 9  # ... and at least this many pixels
MIN_RULING_PX = 50  # fewer ruling pixels than this: no skew measured
COARSE_STEP, FINE_STEP = 0.2, 0.02  # degrees: the angles tried, then round the best
LEVEL = 0.01  # degrees: a skew measured under this is none
REDUCED_INK = 60  # in the reduced ink mask, a pixel above this grey is ink


@dataclass(frozen=True)
class Prepared:
    gray: np.ndarray  # uint8, deskewed, seal ink removed
    ink: np.ndarray  # uint8 mask, 255 where there is ink
    line_ink: np.ndarray  # a more sensitive mask for finding rulings (thin, faint lines)
    angle: float  # degrees the page was rotated by (counter-clockwise positive)
    seal_share: float  # share of the page's pixels taken for red seal ink


def prepare_page(image: np.ndarray, scale: float) -> Prepared:
    """The whole preprocessing stage; `scale` is pixels per PDF point."""
    gray, seal_share = suppress_red(image)
    ink, line_ink = binarise_both(gray, scale)
    angle = estimate_skew(ink, scale)
    if abs(angle) >= MIN_ROTATION:
        gray = rotate(gray, angle, border=255)
        ink, line_ink = binarise_both(gray, scale)
    return Prepared(gray, ink, line_ink, angle, seal_share)


def suppress_red(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Greyscale with red ink (seals) turned to paper; the share of pixels changed.

    Red ink is bright in the red channel and dark in green and blue; black
    print is dark in all three, so text under a seal survives (where the
    print is darker than the seal, which it is).
    """
    if image.ndim == 2:
        return image, 0.0
    r, g, b = cv2.split(image)[:3]
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    # seal ink is light in red; a ruling or glyph under the seal stays darker (r <= 150).
    # r - max(g, b) > SEAL_REDNESS in uint8: the saturating subtraction clips below 0 only
    redness = cv2.subtract(r, cv2.max(g, b))
    red_mask = cv2.bitwise_and(_above(redness, SEAL_REDNESS), _above(r, SEAL_MIN_RED))
    red_pixels = cv2.countNonZero(red_mask)
    if red_pixels == 0:
        return gray, 0.0
    fringe = cv2.dilate(red_mask, np.ones((SEAL_FRINGE_PX, SEAL_FRINGE_PX), np.uint8))
    # around the seal's ink, the red channel is the paper level (red ink is bright there);
    # on the ink itself, paper
    out = np.where(fringe > 0, cv2.max(gray, r), gray)
    return cv2.bitwise_or(out, red_mask), red_pixels / red_mask.size


def binarise(gray: np.ndarray, scale: float, c: int = TEXT_C) -> np.ndarray:
    """Adaptive mean threshold over a window of ~12 pt, after a light Gaussian denoise
    (a median filter would erase 1-px rulings and dashes at 200 dpi)."""
    return _thresholds(gray, scale, (c,))[0]


def binarise_both(gray: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The text ink and the more sensitive line ink, from one denoise and local mean."""
    text, line = _thresholds(gray, scale, (TEXT_C, LINE_C))
    return text, line


def _thresholds(gray: np.ndarray, scale: float, cs: tuple[int, ...]) -> list[np.ndarray]:
    """cv2.adaptiveThreshold (MEAN_C, BINARY_INV) spelled out, so that the denoise and the
    local mean are computed once for several offsets: ink where the pixel is at least c
    (>= 1) below its window's mean (the mean rounded to uint8, as OpenCV does)."""
    block = max(int(scale * WINDOW_PT) | 1, MIN_WINDOW_PX)
    smooth = cv2.GaussianBlur(gray, (DENOISE_PX, DENOISE_PX), 0)
    mean = cv2.boxFilter(smooth, -1, (block, block),
                         borderType=cv2.BORDER_REPLICATE | cv2.BORDER_ISOLATED)
    below = cv2.subtract(mean, smooth)  # saturates at 0: only pixels darker than the mean
    # a dark region far from paper level is ink whatever its neighbourhood (solid marks)
    solid = cv2.threshold(smooth, SOLID_INK, 255, cv2.THRESH_BINARY_INV)[1]
    return [cv2.bitwise_or(_above(below, c - 1), solid) for c in cs]


def _above(a: np.ndarray, level: int) -> np.ndarray:
    """255 where a uint8 image is above `level`, else 0."""
    return cv2.threshold(a, level, 255, cv2.THRESH_BINARY)[1]


def estimate_skew(ink: np.ndarray, scale: float) -> float:
    """Degrees to rotate by so the long horizontal rulings become level (0 if none).

    The rulings are found as long horizontal runs of ink, which a page turned by more
    than about 3° breaks up. When the search within ±MAX_SKEW ends at its edge, the page
    is turned further that way: the search is made again round WIDE_GUESS on that side,
    on the reduced mask turned by the guess first. When it finds too few ruling pixels,
    both sides are tried and the one finding more wins.
    """
    small, f = _downsample(ink, SKEW_WIDTH_PX)
    run = max(MIN_RUN_PX, int(scale * f * SKEW_RUN_PT))
    angle, support = _skew_round(small, run)
    if support >= MIN_RULING_PX and abs(angle) < MAX_SKEW - COARSE_STEP:
        return angle
    sides = (WIDE_GUESS, -WIDE_GUESS) if support < MIN_RULING_PX else (np.sign(angle) * WIDE_GUESS,)
    for guess in sides:
        turned = _above(rotate(small, float(guess), border=0), REDUCED_INK)
        residual, n = _skew_round(turned, run)
        if n >= MIN_RULING_PX and (n > support or len(sides) == 1):
            angle, support = float(guess) + residual, n
    return angle if support >= MIN_RULING_PX else 0.0


def _skew_round(small: np.ndarray, run: int) -> tuple[float, int]:
    """The skew of `small` within ±MAX_SKEW and the number of ruling pixels it rests on."""
    horiz = cv2.morphologyEx(small, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    points = cv2.findNonZero(horiz)  # np.nonzero's pixels (row by row), several times faster
    if points is None or len(points) < MIN_RULING_PX:
        return 0.0, 0 if points is None else len(points)
    xs, ys = points.reshape(-1, 2).T
    best = _best_angle(xs, ys, np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, COARSE_STEP))
    fine = _best_angle(xs, ys, np.arange(best - COARSE_STEP, best + COARSE_STEP + 1e-9, FINE_STEP))
    # a page turned counter-clockwise by a (cv2's positive angle) has rulings of
    # slope -tan(a) in image coordinates (y down); turning it back by the slope's angle
    return (float(fine) if abs(fine) > LEVEL else 0.0), len(points)


def _downsample(mask: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    f = min(1.0, width / mask.shape[1])
    if f == 1.0:
        return mask, 1.0
    small = cv2.resize(mask, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return ((small > REDUCED_INK).astype(np.uint8) * 255), f


def _best_angle(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray) -> float:
    """The shear that piles the line pixels into the fewest rows (sharpest profile)."""
    best, best_score = 0.0, -1.0
    xs_f, ys_f = xs.astype(np.float64), ys.astype(np.float64)
    row, proj = np.empty_like(xs_f), np.empty(len(xs), np.int64)  # reused for every angle
    for a in angles:
        np.multiply(xs_f, np.tan(np.radians(a)), out=row)
        np.subtract(ys_f, row, out=row)
        np.rint(row, out=row)
        np.subtract(row, row.min(), out=row)  # whole numbers: exact
        np.copyto(proj, row, casting="unsafe")
        counts = np.bincount(proj)
        score = float(np.dot(counts, counts))
        if score > best_score:
            best, best_score = float(a), score
    return best


def rotate(image: np.ndarray, angle: float, border: int) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)
