"""A scanned page -> a clean greyscale image and its ink mask, ready for grid and OCR.

    suppress_red      red seal ink (公章) -> background, before anything looks at the page
    estimate_skew     the angle of the table's own horizontal rulings (±3°)
    rotate            deskew
    binarise          adaptive threshold -> ink mask (255 = ink)
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_SKEW = 3.0  # degrees
TEXT_C = 18  # adaptive threshold offset (grey levels below the local mean) for text
LINE_C = 10  # for rulings: a 0.5 pt line at 200 dpi after deskew is faint


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
    ink = binarise(gray, scale)
    angle = estimate_skew(ink, scale)
    if abs(angle) >= 0.03:
        gray = rotate(gray, angle, border=255)
        ink = binarise(gray, scale)
    return Prepared(gray, ink, binarise(gray, scale, LINE_C), angle, seal_share)


def suppress_red(image: np.ndarray) -> tuple[np.ndarray, float]:
    """Greyscale with red ink (seals) turned to paper; the share of pixels changed.

    Red ink is bright in the red channel and dark in green and blue; black
    print is dark in all three, so text under a seal survives (where the
    print is darker than the seal, which it is).
    """
    if image.ndim == 2:
        return image, 0.0
    r = image[:, :, 0].astype(np.int16)
    g = image[:, :, 1].astype(np.int16)
    b = image[:, :, 2].astype(np.int16)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    # seal ink is light in red; a ruling or glyph under the seal stays darker (r <= 150)
    red = (r - np.maximum(g, b) > 20) & (r > 150)
    share = float(red.mean())
    if share == 0.0:
        return gray, 0.0
    fringe = cv2.dilate(red.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    out = gray.copy()
    # around the seal's ink, the red channel is the paper level (red ink is bright there);
    # on the ink itself, paper
    out[fringe] = np.maximum(gray[fringe], image[:, :, 0][fringe])
    out[red] = 255
    return out, share


def binarise(gray: np.ndarray, scale: float, c: int = TEXT_C) -> np.ndarray:
    """Adaptive mean threshold over a window of ~12 pt, after a light Gaussian denoise
    (a median filter would erase 1-px rulings and dashes at 200 dpi)."""
    block = int(scale * 12) | 1
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    ink = cv2.adaptiveThreshold(
        smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, max(block, 15), c
    )
    # a dark region far from paper level is ink whatever its neighbourhood (solid marks)
    ink[smooth < 60] = 255
    return ink


def estimate_skew(ink: np.ndarray, scale: float) -> float:
    """Degrees to rotate by so the long horizontal rulings become level (0 if none)."""
    small, f = _downsample(ink, 1000)
    run = max(9, int(scale * f * 12))
    horiz = cv2.morphologyEx(small, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    ys, xs = np.nonzero(horiz)
    if len(xs) < 50:
        return 0.0
    best = _best_angle(xs, ys, np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.2))
    fine = _best_angle(xs, ys, np.arange(best - 0.2, best + 0.2 + 1e-9, 0.02))
    # a page turned counter-clockwise by a (cv2's positive angle) has rulings of
    # slope -tan(a) in image coordinates (y down); turning it back by the slope's angle
    return float(fine) if abs(fine) > 0.01 else 0.0


def _downsample(mask: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    f = min(1.0, width / mask.shape[1])
    if f == 1.0:
        return mask, 1.0
    small = cv2.resize(mask, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return ((small > 60).astype(np.uint8) * 255), f


def _best_angle(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray) -> float:
    """The shear that piles the line pixels into the fewest rows (sharpest profile)."""
    best, best_score = 0.0, -1.0
    xs_f, ys_f = xs.astype(np.float64), ys.astype(np.float64)
    for a in angles:
        proj = np.round(ys_f - xs_f * np.tan(np.radians(a))).astype(np.int64)
        counts = np.bincount(proj - proj.min())
        score = float(np.dot(counts, counts))
        if score > best_score:
            best, best_score = float(a), score
    return best


def rotate(image: np.ndarray, angle: float, border: int) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=border)
