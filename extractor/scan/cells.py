"""A table's cells -> line jobs: each non-empty cell cut into its text lines, each
line marked if a mark (seal, signature) runs through or near it; cells read from
their shape alone (shapes.py), empty once a pale seal is faded, empty holding only
another sheet's print showing through, or empty and flagged holding only a stroke run
in across its ruling, set aside.

    cells_to_lines  line crops of every cell with text, and the cells read without OCR
    unlined         a cell with a mark but no line of text: its shape, or flagged
    marked_rows     the rows of a cell a mark reaches
    crossing_rows   the rows of strokes running into a cell across its ruling
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from extractor.models import BBox, Table
from extractor.record import Flag
from extractor.scan.ink import DOT_PT, PageInk
from extractor.scan.lines import FAINT, RULING_BAND_PT, components
from extractor.scan.reading import CellReading
from extractor.scan.shapes import edge_stroke, front_ink, read_shape
from extractor.scan.text_lines import text_bands
from extractor.scan.thresholds import (
    EDGE_STROKE_CONFIDENCE,
    EMPTY_CONFIDENCE,
    FADED_EMPTY_CONFIDENCE,
    GHOST_EMPTY_CONFIDENCE,
    UNREAD_CONFIDENCE,
)

INSET_PT = 1.2  # cell crop inset from the cell's rulings
MIN_INK_PT2 = 1.2  # a cell with less text ink than this is empty
MARK_NEAR_PT = 4.0  # a cell is marked by a mark this near it (across its ruling)
CROSS_REACH_PT = 2.0  # a stroke at a cell's edge crosses its ruling if it goes on within
# this of the far side of the ruling's painted band
PAD_PT = 1.5  # white margin around a line crop
MIN_LINE_PT = 7.0  # a flat line of ink (a dash) is cropped at least this tall
MIN_CROP_PX = 4  # a cell's crop narrower or shorter than this is not read
EDGE_PT = 0.5  # a stroke within this of a crop's edge (past the ruling's band) is at it


@dataclass(frozen=True)
class LineJob:
    cell: tuple[int, int]  # (table index, cell index)
    crop: np.ndarray
    marked: bool = False  # a mark (seal, signature) runs through or near this line
    # the lone mark (—, /, ≥) the cell's ink forms, where a mark near it kept the cell from
    # being read so: the reading must agree, or the cell is unsure
    shape: str = ""


def cells_to_lines(
    index: int, table: Table, ink: PageInk, scale: float
) -> tuple[list[LineJob], dict[int, CellReading]]:
    """Line crops of every cell that has text, each marked if a mark (seal, signature)
    runs through or near it; cells read from their shape alone (a dash, a slash, a
    comparison sign)."""
    text_ink, clean = ink.text, ink.clean
    jobs: list[LineJob] = []
    preset: dict[int, CellReading] = {}
    inset = int(INSET_PT * scale)
    min_ink = MIN_INK_PT2 * scale * scale
    for ci, cell in enumerate(table.cells):
        x0, y0, x1, y1 = px_box(cell.bbox, scale, text_ink.shape)
        x0, y0, x1, y1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        if x1 - x0 < MIN_CROP_PX or y1 - y0 < MIN_CROP_PX:
            continue
        sub = text_ink[y0:y1, x0:x1]
        if np.count_nonzero(sub) < min_ink:
            if (got := unlined(sub, clean[y0:y1, x0:x1], scale)) is not None:
                preset[ci] = got
            elif np.count_nonzero(ink.seal[y0:y1, x0:x1]) >= min_ink:
                preset[ci] = under_faded_seal(ink, (x0, y0, x1, y1), scale)
            continue
        blobs = components(sub)
        if ink.print_grey is not None and np.count_nonzero(
                front_ink(sub, clean[y0:y1, x0:x1], blobs, ink.print_grey)[0]) < min_ink:
            preset[ci] = CellReading("", GHOST_EMPTY_CONFIDENCE)  # another sheet's print only
            continue
        if edge_stroke(sub, scale, blobs):  # a pen's or a seal's stroke the ruling cut: no print
            preset[ci] = CellReading("", EDGE_STROKE_CONFIDENCE, (Flag.LOW_CONFIDENCE,))
            continue
        near = int(MARK_NEAR_PT * scale)  # a mark the rulings cut off at the cell's border
        mark_rows = marked_rows(ink.marks, text_ink, (x0, y0, x1, y1), near, scale)
        shape = read_shape(sub, clean[y0:y1, x0:x1], scale, blobs)
        if shape and not len(mark_rows):
            preset[ci] = shape
            continue
        bands = text_bands(sub, scale)
        if not bands:  # ink, but too little for a line of text
            preset[ci] = unlined(sub, clean[y0:y1, x0:x1], scale) or CellReading("", EMPTY_CONFIDENCE)
            continue
        for (ly0, ly1, lx0, lx1), (top, bottom) in zip(bands, _line_rows(bands, sub.shape[0], near),
                                                       strict=True):
            grow = max(0, int(MIN_LINE_PT * scale) - (ly1 - ly0)) // 2
            crop = padded_crop(clean, x0 + lx0, y0 + ly0 - grow, x0 + lx1, y0 + ly1 + grow,
                         int(PAD_PT * scale))
            marked = bool(((mark_rows >= top) & (mark_rows < bottom)).any())
            jobs.append(LineJob((index, ci), crop, marked, shape.text if shape else ""))
    return jobs, preset


def under_faded_seal(ink: PageInk, box: tuple[int, int, int, int], scale: float) -> CellReading:
    """A cell left without ink once a pale seal over it was faded: empty, unless the page
    as scanned holds print there (as dark as the rulings, by the FAINT margin), which
    the fading took with the seal (print under the ring's band): then the mark its
    shape is, flagged, or the cell flagged unreadable."""
    if ink.gray is None or ink.print_grey is None:
        return CellReading("", FADED_EMPTY_CONFIDENCE)
    x0, y0, x1, y1 = box
    gray = ink.gray[y0:y1, x0:x1]
    paper = float(np.median(gray))
    printed = np.where(gray <= ink.print_grey + FAINT * (paper - ink.print_grey), 255, 0).astype(np.uint8)
    if np.count_nonzero(printed) < MIN_INK_PT2 * scale * scale:
        return CellReading("", FADED_EMPTY_CONFIDENCE)
    if (shape := read_shape(printed, gray, scale)) is not None:
        return shape.unsure()  # the seal's own strokes, as dark, can make the same shapes
    return CellReading("", UNREAD_CONFIDENCE, (Flag.UNREADABLE, Flag.LOW_CONFIDENCE))


def unlined(sub: np.ndarray, gray: np.ndarray, scale: float) -> CellReading | None:
    """A cell whose ink makes no line of text: None if it holds no mark (specks only);
    else the mark read from its shape (a thin or faint dash), or the cell flagged
    unreadable: an inked cell is never confidently empty."""
    n, _, stats = blobs = components(sub)
    dot = DOT_PT * scale
    if not any(max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) >= dot
               for i in range(1, n)):
        return None
    return read_shape(sub, gray, scale, blobs) or CellReading(
        "", UNREAD_CONFIDENCE, (Flag.UNREADABLE, Flag.LOW_CONFIDENCE))


def _line_rows(
    bands: list[tuple[int, int, int, int]], height: int, margin: int
) -> list[tuple[int, int]]:
    """The rows each line answers for: to halfway to its neighbours, the first and the
    last out to the cell's edge and a margin beyond (across the ruling)."""
    out = []
    for i, (a, b, _, _) in enumerate(bands):
        top = -margin if i == 0 else (bands[i - 1][1] + a) // 2
        bottom = height + margin if i == len(bands) - 1 else (b + bands[i + 1][0]) // 2
        out.append((top, bottom))
    return out


def marked_rows(
    marks: np.ndarray, text: np.ndarray, box: tuple[int, int, int, int], near: int, scale: float
) -> np.ndarray:
    """Rows of a cell (its pixel box on the page's ink `text`) that a mark reaches: the
    mark's own pixels within `near` of the cell, and strokes crossing into it."""
    x0, y0, x1, y1 = box
    top = max(0, y0 - near)
    window = marks[top:y1 + near, max(0, x0 - near):x1 + near]
    rows = np.flatnonzero(window.any(axis=1)) + (top - y0)
    if np.count_nonzero(window) < MIN_INK_PT2 * scale * scale:
        rows = rows[:0]
    return np.concatenate([rows, crossing_rows(text, box, scale)])


def crossing_rows(text: np.ndarray, box: tuple[int, int, int, int], scale: float) -> np.ndarray:
    """Rows of the strokes that run into the cell across its ruling (a piece of a
    signature or seal the rulings cut off from the rest): ink bigger than a dot at the
    edge of the cell's crop (`box`, inset from its rulings) that goes on beyond the
    ruling's painted-out band. Print at the edge (a justified line of a full cell) stops
    short of the ruling."""
    x0, y0, x1, y1 = box
    ink = text[y0:y1, x0:x1]
    inset, band = int(INSET_PT * scale), round(RULING_BAND_PT * scale)
    m = max(1, int(EDGE_PT * scale)) + max(0, band - inset + 1)  # the edge, past the band
    far = inset + band + 1  # from the crop's edge to just past the band's far side
    edge = np.zeros(ink.shape, bool)
    edge[:m, :] = edge[-m:, :] = edge[:, :m] = edge[:, -m:] = True
    if not (ink[edge] > 0).any():
        return np.zeros(0, np.int64)
    _n, labels, stats = components(ink)
    dot, reach = DOT_PT * scale, max(2, int(CROSS_REACH_PT * scale))
    h, w = ink.shape
    rows = []
    for i in np.unique(labels[edge & (ink > 0)]):
        if i == 0 or (stats[i, cv2.CC_STAT_WIDTH] < dot and stats[i, cv2.CC_STAT_HEIGHT] < dot):
            continue
        ys, xs = np.nonzero(labels == i)
        beyond = []  # page windows just across each ruling the stroke touches
        for side in (xs < m, xs >= w - m):
            if side.any():
                ya, yb = y0 + ys[side].min() - reach, y0 + ys[side].max() + reach + 1
                xa = x0 - far - reach if xs[side][0] < m else x1 + far
                beyond.append(text[max(0, ya):yb, max(0, xa):max(0, xa + reach)])
        for side in (ys < m, ys >= h - m):
            if side.any():
                xa, xb = x0 + xs[side].min() - reach, x0 + xs[side].max() + reach + 1
                ya = y0 - far - reach if ys[side][0] < m else y1 + far
                beyond.append(text[max(0, ya):max(0, ya + reach), max(0, xa):xb])
        if any(np.count_nonzero(b) for b in beyond):
            top = stats[i, cv2.CC_STAT_TOP]
            rows.append(np.arange(top, top + stats[i, cv2.CC_STAT_HEIGHT]))
    return np.concatenate(rows) if rows else np.zeros(0, np.int64)


def px_box(bbox: BBox, scale: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0, y0, x1, y1 = (round(v * scale) for v in bbox)
    return max(0, x0), max(0, y0), min(w, x1), min(h, y1)


def padded_crop(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, pad: int) -> np.ndarray:
    h, w = image.shape[:2]
    crop = image[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
    return cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
