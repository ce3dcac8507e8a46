"""Seals on grey scans: a round seal's disc found from one arc of its ring, and its paler
ink faded into the paper so the print under it can be read (red seals on colour scans
are removed earlier, by colour: preprocess.suppress_red)."""

from __future__ import annotations

import numpy as np

SEAL_MIN_PT = 25.0  # the smallest seal's diameter
FADED_INK = 160  # after fading a pale mark, ink is what stays darker than this
SEAL_MAX_PT = 80.0  # the largest seal's radius (official seals are 40-45 mm across)
RING_DARK_PERCENTILE = 10  # the ring's darker tenth: where its ink is thickest
RING_GROW_PT = 2  # the disc reaches this far past the ring's outer edge
RING_HALF_PERCENTILE = 90  # half the ring's width: most of its pixels this near the circle
MAX_RING_SHARE = 0.08  # ... at most this share of the radius (a thin ring, not a blob)

Circle = tuple[float, float, float, float]  # centre x, y, radius, half the ring's width (px)


def fade_pale_mark(
    text: np.ndarray, clean: np.ndarray, ring: np.ndarray, seal: np.ndarray, gray: np.ndarray,
    circle: Circle, mark_grey: np.ndarray, white: float, print_level: float, scale: float,
) -> None:
    """A round seal printed in a paler ink than the page's print (a red seal on a grey
    scan, where colour cannot tell it apart: its ring, star and lettering come out
    mid-grey) is faded into the paper by re-levelling its disc: the mark's median becomes
    white (on the ring, its darker tenth), the print's level black. Print under the seal
    stays, thin strokes paler than the print's cores as grey; the two inks' levels
    overlap on light scans of thin fonts, so a hard cut would break such strokes.

    The rulings cut a seal's ring into arcs and the star and lettering inside it are not
    joined to them, so the disc is found from one arc: the circle fitted to its pixels
    (fit_circle; the caller leaves alone marks on no circle and marks as dark as the
    print: a signature in black or blue-black ink, a scanner's edge). `ring` gets
    the ring's band (its straighter stretches pass for rulings), `seal` what in the disc
    is as pale as the seal's ink."""
    dark = float(np.percentile(mark_grey, RING_DARK_PERCENTILE))
    cx, cy, r, half = circle
    h, w = gray.shape
    grow = half + RING_GROW_PT * scale
    y0, y1 = max(0, int(cy - r - grow)), min(h, int(cy + r + grow) + 1)
    x0, x1 = max(0, int(cx - r - grow)), min(w, int(cx + r + grow) + 1)
    if y1 <= y0 or x1 <= x0:
        return
    box = (slice(y0, y1), slice(x0, x1))
    gy, gx = np.ogrid[y0:y1, x0:x1]
    dist = np.hypot(gx - cx, gy - cy)
    inside = dist <= r + grow
    on_ring = np.abs(dist - r) <= grow
    # on the ring, where the seal's ink is thickest, its darker tenth goes white too
    top = np.where(on_ring, dark, white)
    g = gray[box].astype(np.float32)
    levelled = np.clip((g - print_level) * 255.0 / np.maximum(1.0, top - print_level), 0, 255)
    levelled = np.where(inside, levelled, clean[box])
    clean[box] = np.where(clean[box] == 255, 255, levelled).astype(np.uint8)
    text[box] = np.where((text[box] > 0) & ((levelled < FADED_INK) | ~inside), 255, 0).astype(np.uint8)
    ring[box][on_ring] = 255
    seal[box][inside & (levelled >= 255)] = 255


def fit_circle(xs: np.ndarray, ys: np.ndarray, scale: float) -> Circle | None:
    """Centre, radius and half the ring's width of the circle a mark's pixels lie on, or
    None when they do not lie on one (algebraic least-squares fit)."""
    x, y = xs.astype(np.float64), ys.astype(np.float64)
    a = np.column_stack([x, y, np.ones_like(x)])
    d, e, f = np.linalg.lstsq(a, -(x * x + y * y), rcond=None)[0]
    cx, cy = -d / 2, -e / 2
    r2 = cx * cx + cy * cy - f
    if r2 <= 0:
        return None
    r = float(np.sqrt(r2))
    off = np.abs(np.hypot(x - cx, y - cy) - r)
    half = float(np.percentile(off, RING_HALF_PERCENTILE))
    if not (SEAL_MIN_PT * scale / 2 <= r <= SEAL_MAX_PT * scale) or half > MAX_RING_SHARE * r:
        return None
    return float(cx), float(cy), r, half
