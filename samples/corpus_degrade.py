"""Print-copy-scan degradations of one page image, for the scan corpus.

Written apart from samples/scan_sim.py on purpose (its own seal drawing, its own
noise, blur, tone and geometry models), so that a pipeline tuned on those scans
meets something new here. Every function takes the page as an RGB uint8 array
at the scan resolution and a numpy Generator; nothing else is random.

Order, as paper meets machines: marks on the paper (seals in red, blue or black
anywhere on the table, ticks, circles and scribbles in pen), ink from the back
of the sheet (bleed-through), the photocopier (darkening: spread strokes and a
grey cast; fading: thinned, washed-out ink), the scanner's feed (rotation,
scale, offset, a grey lid border), its optics and sensor (uneven light, blur,
moiré from a halftoned original, noise), then the file's compression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

INKS = {"red": (200, 30, 40), "blue": (35, 60, 170), "black": (30, 30, 30)}
PENS = {"blue": (30, 45, 140), "black": (25, 25, 25), "red": (185, 30, 30)}


@dataclass(frozen=True)
class PageDegrade:
    """What happens to one page; all lengths in points of the page (1/72 in)."""

    dpi: int
    colour: str  # "rgb" | "grey" | "binary"
    rotate: float  # degrees
    scale: float
    offset: tuple[float, float]  # points
    seals: tuple[tuple[str, float, float, float], ...]  # (ink, x, y, diameter) in points
    marks: tuple[tuple[str, float, float], ...]  # (kind, x, y): tick, circle, scribble, strike
    bleed: float  # 0 = none, else darkness of the back page's ink
    copier: str  # "" | "dark" | "faded"
    copier_strength: float
    moire: float  # amplitude in grey levels, 0 = none
    light: float  # illumination fall-off across the page, 0..1
    blur: float  # gaussian sigma in pixels at 300 dpi
    noise: float  # grey levels
    jpeg: int  # quality (JPEG and PDF pages)
    lid: int  # grey of the area the page does not cover (255: white)


# --- marks on the paper -----------------------------------------------------------------


def _blend(page: np.ndarray, mask: np.ndarray, colour: tuple[int, int, int], x0: int, y0: int) -> None:
    """Multiply ink of `colour` into `page` through `mask` (float 0..1) at (x0, y0)."""
    h, w = page.shape[:2]
    mh, mw = mask.shape
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x0 + mw), min(h, y0 + mh)
    if xa >= xb or ya >= yb:
        return
    m = mask[ya - y0:yb - y0, xa - x0:xb - x0, None]
    region = page[ya:yb, xa:xb].astype(np.float32)
    ink = np.array(colour, np.float32)
    page[ya:yb, xa:xb] = (region * (1 - m) + region * (ink / 255.0) * m).astype(np.uint8)


def seal_mask(size: int, rng: np.random.Generator) -> np.ndarray:
    """A 公章 as a float mask: a round or oval ring, an inner ring or a star, a band of
    blocky marks for the unit's name, uneven ink and a dry edge."""
    m = np.zeros((size, size), np.uint8)
    c, r = size // 2, size // 2 - 3
    oval = rng.random() < 0.3
    axes = (r, int(r * 0.72)) if oval else (r, r)
    cv2.ellipse(m, (c, c), axes, 0, 0, 360, 255, max(2, size // 24))
    if rng.random() < 0.5:
        cv2.ellipse(m, (c, c), (int(axes[0] * 0.8), int(axes[1] * 0.8)), 0, 0, 360, 255, 1)
    pts = [(c + r * 0.28 * math.cos(math.radians(-90 + 144 * i)),
            c + r * 0.28 * math.sin(math.radians(-90 + 144 * i))) for i in range(5)]
    cv2.fillPoly(m, [np.array(pts, np.int32)], 255)
    for i in range(int(rng.integers(7, 13))):  # glyph-like blocks along the upper arc
        a = math.radians(-160 + 140 * (i + 0.5) / 12)
        x, y = c + axes[0] * 0.66 * math.cos(a), c + axes[1] * 0.66 * math.sin(a)
        s = size // 16
        for _ in range(4):
            dx, dy = rng.integers(-s, s + 1, 2)
            cv2.line(m, (int(x), int(y)), (int(x + dx), int(y + dy)), 255, max(1, size // 60))
    ink = rng.uniform(0.35, 1.0, (size // 8 + 1, size // 8 + 1)).astype(np.float32)
    ink = cv2.resize(ink, (size, size), interpolation=cv2.INTER_CUBIC)
    return np.clip((m.astype(np.float32) / 255) * ink * rng.uniform(0.6, 0.95), 0, 1)


def draw_seal(page: np.ndarray, ink: str, x: float, y: float, diameter: float, px: float,
              rng: np.random.Generator) -> None:
    size = max(24, int(diameter * px))
    mask = seal_mask(size, rng)
    rot = cv2.getRotationMatrix2D((size / 2, size / 2), float(rng.uniform(-40, 40)), 1.0)
    mask = cv2.warpAffine(mask, rot, (size, size))
    _blend(page, mask, INKS[ink], int(x * px) - size // 2, int(y * px) - size // 2)


def _pen_path(kind: str, x: float, y: float, px: float, rng: np.random.Generator) -> np.ndarray:
    if kind == "tick":
        s = rng.uniform(6, 12)
        pts = [(x - s * 0.5, y), (x - s * 0.1, y + s * 0.45), (x + s * 0.7, y - s * 0.7)]
    elif kind == "circle":
        t = np.linspace(0, 2.15 * math.pi, 60)
        a, b = rng.uniform(14, 30), rng.uniform(6, 11)
        pts = list(zip(x + a * np.cos(t) + t * 0.6, y + b * np.sin(t), strict=True))
    elif kind == "strike":
        s = rng.uniform(15, 40)
        pts = [(x - s, y + rng.uniform(-2, 2)), (x + s, y + rng.uniform(-2, 2))]
    else:  # a scribbled note or initials
        t = np.linspace(0, 1, 80)
        n = rng.uniform(25, 60)
        pts = list(zip(x + t * n, y + 3 * np.sin(t * rng.uniform(15, 30)) - 4 * t, strict=True))
    return (np.array(pts) * px).astype(np.int32)


def draw_mark(page: np.ndarray, kind: str, x: float, y: float, px: float, rng: np.random.Generator) -> None:
    pen = str(rng.choice(list(PENS)))
    width = max(1, int(px * rng.uniform(0.5, 1.1)))
    cv2.polylines(page, [_pen_path(kind, x, y, px, rng)], False, PENS[pen], width, cv2.LINE_AA)


def bleed_through(page: np.ndarray, back: np.ndarray, darkness: float) -> np.ndarray:
    """The back page's ink, mirrored, blurred and faint, under this page's."""
    b = cv2.flip(cv2.resize(back, (page.shape[1], page.shape[0])), 1).astype(np.float32)
    b = cv2.GaussianBlur(b, (0, 0), 2.0)
    shade = 255 - (255 - b) * darkness
    return np.minimum(page.astype(np.float32), shade).astype(np.uint8)


# --- copier, scanner, sensor ------------------------------------------------------------


def copier(page: np.ndarray, mode: str, strength: float) -> np.ndarray:
    if mode == "dark":  # toner spreads: strokes thicken, the paper turns grey
        k = 2 if strength > 0.5 else 1
        page = cv2.erode(page, np.ones((k + 1, k + 1), np.uint8))
        f = page.astype(np.float32) * (1 - 0.18 * strength)
        return np.clip(f, 0, 255).astype(np.uint8)
    if mode == "faded":  # low toner: strokes thin and wash out
        page = cv2.dilate(page, np.ones((2, 2), np.uint8)) if strength > 0.6 else page
        f = 255 - (255 - page.astype(np.float32)) * (1 - 0.55 * strength)
        return np.clip(f, 0, 255).astype(np.uint8)
    return page


def feed(page: np.ndarray, p: PageDegrade, px: float) -> np.ndarray:
    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), p.rotate, p.scale)
    m[:, 2] += (p.offset[0] * px, p.offset[1] * px)
    return cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_AREA if p.scale < 1 else cv2.INTER_LINEAR,
                          borderValue=(p.lid, p.lid, p.lid))


def sensor(page: np.ndarray, p: PageDegrade, rng: np.random.Generator) -> np.ndarray:
    h, w = page.shape[:2]
    f = page.astype(np.float32)
    if p.light:
        ramp = np.linspace(1.0, 1.0 - 0.25 * p.light, w, dtype=np.float32)
        f *= ramp[None, :, None] if rng.random() < 0.5 else ramp[::-1][None, :, None]
    sigma = p.blur * p.dpi / 300
    if sigma > 0.2:
        f = cv2.GaussianBlur(f, (0, 0), sigma)
    if p.moire:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        a, period = rng.uniform(0, math.pi), rng.uniform(3.0, 6.0) * p.dpi / 300
        wave = np.sin((xx * math.cos(a) + yy * math.sin(a)) * 2 * math.pi / period)
        beat = 0.5 + 0.5 * np.sin(xx * 2 * math.pi / rng.uniform(60, 200))
        f += (p.moire * wave * beat)[:, :, None]
    if p.noise:
        f += rng.normal(0, p.noise, (h, w))[:, :, None].astype(np.float32)
    return np.clip(f, 0, 255).astype(np.uint8)


def to_mode(page: np.ndarray, colour: str) -> np.ndarray:
    """RGB, grey (2-D) or binary (2-D, 0/255, Otsu) as the scanner saves it."""
    if colour == "rgb":
        return page
    grey = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
    if colour == "grey":
        return grey
    return cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]


def degrade(page: np.ndarray, back: np.ndarray | None, p: PageDegrade,
            rng: np.random.Generator) -> np.ndarray:
    """One page, rendered at p.dpi, through paper, copier, feed and sensor."""
    px = p.dpi / 72.0
    page = page.copy()
    for ink, x, y, d in p.seals:
        draw_seal(page, ink, x, y, d, px, rng)
    for kind, x, y in p.marks:
        draw_mark(page, kind, x, y, px, rng)
    if p.bleed and back is not None:
        page = bleed_through(page, back, p.bleed)
    page = copier(page, p.copier, p.copier_strength)
    page = feed(page, p, px)
    return to_mode(sensor(page, p, rng), p.colour)
