"""A scanned page -> PageReading: preprocess, grid, cell OCR, confidence.

    prepare_page      deskew, seal suppression, binarisation   (preprocess.py)
    find_tables       rulings -> tables of merged cells         (grid/opencv_lines.py)
    strip_rulings     rulings and specks out of the ink and the grey image; marks
                      (seals, signatures) found, a grey seal faded out (seals.py)
    cells_to_lines    each non-empty cell cut into its text lines
    read_lines        the primary engine reads every line of the page in one batch
    decide            per line: accept, ask the next engine of the chain, flag
    outside_lines     title, year line and notes outside the tables

All geometry leaves this module in PDF points, origin top-left, in the frame
of the deskewed page (a rotation of at most 3° about the page centre).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from extractor.compare import normalize_text
from extractor.config import Settings
from extractor.grid.build import Segment
from extractor.grid.opencv_lines import (
    RULING_BAND_PT,
    blob_pixels,
    components,
    find_tables,
    rulings_mask,
)
from extractor.line_memo import LineMemo
from extractor.models import BBox, Page, PageReading, Table, TextLine
from extractor.ocr import BY_ACCURACY, FAMILY, OPINIONS, OcrEngine, OcrResult, get_engine
from extractor.preprocess import prepare_page
from extractor.seals import Circle, fade_pale_mark, fit_circle

WORK_DPI = 200  # pages are read at this resolution (finer ones are reduced)
# calibrated on samples/scans typical level (bench/bench_scan.py --calibrate)
# an engine's score at or above which a line is taken on its word alone (the primary's, or a
# later engine's that reads better than those before it); below it the next engine is asked
ACCEPT: dict[str, float] = {"tiny": 0.95, "rapid": 0.95, "tesseract": 0.95}
AGREE_CONFIDENCE = 0.95  # both engines read the same text
EMPTY_CONFIDENCE = 0.99  # no ink in the cell
FADED_EMPTY_CONFIDENCE = 0.9  # no ink left once a pale seal over the cell was faded out
DASH_CONFIDENCE = 0.97  # a lone flat bar
SLASH_CONFIDENCE = 0.97  # a lone thin diagonal stroke
SIGN_CONFIDENCE = 0.97  # a lone comparison sign (=, ≥, ≤, ＞, ＜)
MEMO: LineMemo[CellReading] = LineMemo()  # decisions on prints seen before, process-wide
MARKED_AGREE_FLOOR = 0.5  # under a mark, agreement counts only above this primary score
SHAPE_MAX_INK_PT2 = 150.0  # a lone dash, slash or sign inks less (about 50 pt², at most)
LINE_START_SPECKS = ".·．。，,、：；:;'`"  # never begin a line of CJK text
LINE_END_SPECKS = "·'`.．"  # never end one (a full stop in Chinese text is 。)
SPECK_CONFIDENCE = 0.9  # a reading with a speck dropped: below every engine's ACCEPT
WINDOW_MAX_SHARE = 0.6  # a doubt wider than this share of its line: the whole line is asked
KIN_AGREE_FLOOR = 0.85  # two engines of one family agreeing: the surer must be this sure
FLAGGED_CEILING = 0.6  # a flagged cell never reports more than this

MARK_PT = 25.0  # an ink blob larger than this both ways is a mark, not a glyph; or longer,
MARK_MIN_PT = 6.0  # ... at least this much the other way (a ruling's remnant is thinner)
STROKE_FILL = 0.2  # ... and inking less than this share of its box (or on a circle)
CROSS_REACH_PT = 2.0  # a stroke at a cell's edge crosses its ruling if it goes on within
# this of the far side of the ruling's painted band
MARK_NEAR_PT = 4.0  # a cell is marked by a mark this near it (across its ruling)
PALE_MARK_CONTRAST = 40  # a round mark this many grey levels paler than the print is faded out
MIN_SPECK_PT2 = 0.45  # ink blobs smaller than this (pt²) are specks, not periods
MIN_INK_PT2 = 1.2  # a cell with less text ink than this is empty
MIN_BAND_PT2 = 2.5  # a text line has at least this much ink
STRAY_PT = 8.0  # a dot this far from any glyph is speckle
STRAY_CELL_PT = 2.0  # ... measured on a grid this coarse
DOT_PT = 3.0  # a band smaller than this both ways is a speck (or a lone period)
INSET_PT = 1.2  # cell crop inset from the cell's rulings
TWO_LINES_PT = 16.0  # a text band taller than this may be two lines run together
VALLEY_SHARE = 0.06  # ... cut where a row holds under this share of the fullest row's ink
LINE_GAP_PT = 1.4  # text bands closer than this are one line
PAD_PT = 1.5  # white margin around a line crop
MIN_LINE_PT = 7.0  # a flat line of ink (a dash) is cropped at least this tall


@dataclass(frozen=True)
class LineJob:
    cell: tuple[int, int]  # (table index, cell index)
    crop: np.ndarray
    marked: bool = False  # a mark (seal, signature) runs through or near this line


@dataclass(frozen=True)
class CellReading:
    text: str
    confidence: float
    flags: tuple[str, ...] = ()


def read_image_page(image: np.ndarray, scale: float, page: Page, settings: Settings) -> PageReading:
    return scan_page(image, scale, page, settings)[0]


def scan_page(
    image: np.ndarray, scale: float, page: Page, settings: Settings
) -> tuple[PageReading, dict[str, float]]:
    """The page reading and seconds per stage (preprocess, grid, ocr)."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    image, scale = to_work_scale(image, scale)
    prep = prepare_page(image, scale)
    timings["preprocess"] = time.perf_counter() - t
    t = time.perf_counter()
    tables, rulings = find_tables(prep.line_ink, scale, page.number, prep.gray)
    ink = strip_rulings(prep.ink, prep.gray, rulings, scale)
    if ink.ring.any():  # a pale seal makes false rulings: find the grid without its ink
        line_ink = prep.line_ink & ~ink.seal
        tables, rulings = find_tables(line_ink, scale, page.number, prep.gray, ink.ring)
        ink = strip_rulings(prep.ink, prep.gray, rulings, scale)
    timings["grid"] = time.perf_counter() - t
    t = time.perf_counter()
    chain = engines(settings)
    tables = [read_table_cells(ti, tb, ink, scale, chain, MEMO) for ti, tb in enumerate(tables)]
    lines = outside_lines(tables, ink.text, ink.clean, scale, chain[0] if chain else None)
    timings["ocr"] = time.perf_counter() - t
    name = "+".join(e.name for e in chain) or "none"
    return PageReading(page, tuple(tables), tuple(lines), 0, name), timings


def to_work_scale(image: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    """Pages finer than WORK_DPI are reduced to it: the recogniser sees every line at a
    fixed height anyway, and preprocessing and grid cost grow with the pixel count."""
    f = WORK_DPI / 72.0 / scale
    if f >= 0.9:
        return image, scale
    small = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return small, scale * small.shape[1] / image.shape[1]


def engines(settings: Settings) -> tuple[OcrEngine, ...]:
    """The primary engine, then those asked in turn where the one before is unsure."""
    if settings.ocr_engine == "none":
        return ()
    primary = get_engine(settings.ocr_engine)
    others = OPINIONS.get(primary.name, ()) if settings.ocr_second_opinion else ()
    return (primary, *(get_engine(n) for n in others))


@dataclass(frozen=True)
class PageInk:
    text: np.ndarray  # ink without rulings and specks (255 = ink)
    clean: np.ndarray  # the grey page with rulings and specks painted over as paper
    marks: np.ndarray  # ink of blobs bigger than any glyph: a seal's ring, a signature
    ring: np.ndarray  # the ring's band of a pale seal (on a grey scan) faded into the paper
    seal: np.ndarray  # in that seal's disc, what is as pale as the seal's ink


def strip_rulings(
    ink: np.ndarray, gray: np.ndarray, rulings: list[Segment], scale: float
) -> PageInk:
    """Ink without rulings and specks; the grey image with both painted over as paper;
    the marks (blobs larger than a glyph) that make a cell's reading suspect."""
    lines = rulings_mask(rulings, ink.shape, scale)
    text = cv2.bitwise_and(ink, cv2.bitwise_not(lines))
    _n, labels, stats = components(text)
    small = stats[:, cv2.CC_STAT_AREA] < MIN_SPECK_PT2 * scale * scale
    small[0] = False
    speck = blob_pixels(labels, stats, small)
    text[speck] = 0
    stray = blob_pixels(labels, stats, stray_dots(text, labels, stats, small, scale))
    text[stray] = 0
    clean = cv2.bitwise_or(gray, lines)  # the rulings' band is 255: paper
    clean[speck] = 255
    clean[stray] = 255
    w, h = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    fill = stats[:, cv2.CC_STAT_AREA] / np.maximum(1, w * h)
    long = (np.maximum(w, h) > MARK_PT * scale) & (np.minimum(w, h) > MARK_MIN_PT * scale)
    long[0] = False
    # marks: larger than a glyph both ways; or long, not thin: a stroke (a signature:
    # sparse in its box) or an arc of a seal's ring that the rulings cut short; not
    # glyphs run together (dense, on no circle). Pixels and fitted circles kept for fading
    pieces: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    circles: dict[int, Circle | None] = {}
    for i in map(int, np.flatnonzero(long)):
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        ys, xs = np.nonzero(labels[y:y + bh, x:x + bw] == i)
        xs, ys = xs + x, ys + y
        if min(bw, bh) <= MARK_PT * scale and fill[i] >= STROKE_FILL:
            circles[i] = fit_circle(xs, ys, scale)
            if circles[i] is None:
                continue
        pieces[i] = (xs, ys)
    ring, seal = np.zeros_like(text), np.zeros_like(text)
    if not pieces:
        return PageInk(text, clean, np.zeros_like(text), ring, seal)
    marks = np.zeros_like(text)
    for xs, ys in pieces.values():  # every pixel of each mark's blob
        marks[ys, xs] = 255
    print_level = None
    for i, (xs, ys) in pieces.items():
        mark_grey = gray[ys, xs]
        level = float(np.median(mark_grey))
        if print_level is None:  # the strokes' cores: the darker tenth of the glyphs' ink
            glyphs = gray[::2, ::2][(text[::2, ::2] > 0) & (marks[::2, ::2] == 0)]
            print_level = float(np.percentile(glyphs, 10)) if glyphs.size >= 50 else 255.0
        if level - print_level >= PALE_MARK_CONTRAST and not seal[ys, xs].any():
            circle = circles[i] if i in circles else fit_circle(xs, ys, scale)
            if circle is not None:
                fade_pale_mark(text, clean, ring, seal, gray, circle, mark_grey, level,
                               print_level, scale)
    return PageInk(text, clean, marks, ring, seal)


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


def read_table_cells(
    index: int,
    table: Table,
    ink: PageInk,
    scale: float,
    chain: tuple[OcrEngine, ...],
    memo: LineMemo[CellReading] | None = None,
) -> Table:
    jobs, preset = cells_to_lines(index, table, ink, scale)
    results = read_lines([j.crop for j in jobs], chain[0] if chain else None)
    lines: dict[int, list[LineJob]] = {}
    first: dict[int, list[OcrResult]] = {}
    for job, res in zip(jobs, results, strict=True):
        lines.setdefault(job.cell[1], []).append(job)
        first.setdefault(job.cell[1], []).append(res)
    cells = []
    for ci, cell in enumerate(table.cells):
        if ci in preset:
            got = preset[ci]
        elif ci in first:
            got = decide([j.crop for j in lines[ci]], first[ci], chain,
                         [j.marked for j in lines[ci]], memo)
        else:
            got = CellReading("", EMPTY_CONFIDENCE)
        cells.append(replace(cell, text=got.text, confidence=got.confidence, flags=got.flags))
    return replace(table, cells=tuple(cells))


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
        x0, y0, x1, y1 = _px(cell.bbox, scale, text_ink.shape)
        x0, y0, x1, y1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        sub = text_ink[y0:y1, x0:x1]
        if np.count_nonzero(sub) < min_ink:
            if np.count_nonzero(ink.seal[y0:y1, x0:x1]) >= min_ink:
                preset[ci] = CellReading("", FADED_EMPTY_CONFIDENCE)
            continue
        near = int(MARK_NEAR_PT * scale)  # a mark the rulings cut off at the cell's border
        mark_rows = marked_rows(ink.marks, text_ink, (x0, y0, x1, y1), near, scale)
        if not len(mark_rows) and (shape := read_shape(sub, clean[y0:y1, x0:x1], scale)):
            preset[ci] = shape
            continue
        bands = text_bands(sub, scale)
        for (ly0, ly1, lx0, lx1), (top, bottom) in zip(bands, _line_rows(bands, sub.shape[0], near),
                                                       strict=True):
            grow = max(0, int(MIN_LINE_PT * scale) - (ly1 - ly0)) // 2
            crop = _crop(clean, x0 + lx0, y0 + ly0 - grow, x0 + lx1, y0 + ly1 + grow,
                         int(PAD_PT * scale))
            marked = bool(((mark_rows >= top) & (mark_rows < bottom)).any())
            jobs.append(LineJob((index, ci), crop, marked))
    return jobs, preset


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
    m = max(1, int(0.5 * scale)) + max(0, band - inset + 1)  # the edge, past the band
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


Blobs = tuple[int, np.ndarray, np.ndarray]  # opencv_lines.components: n, labels, stats


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


def text_bands(ink: np.ndarray, scale: float) -> list[tuple[int, int, int, int]]:
    """The text lines of a cell's ink: (y0, y1, x0, x1) within the cell crop, top to bottom."""
    rows = np.flatnonzero(ink.any(axis=1))
    if len(rows) == 0:
        return []
    gap = max(2, int(LINE_GAP_PT * scale))
    breaks = np.flatnonzero(np.diff(rows) > gap)
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]])) + 1
    out = []
    for a, b in (part for band in zip(starts, ends, strict=True)
                 for part in _split_band(ink, int(band[0]), int(band[1]), scale)):
        cols = np.flatnonzero(ink[a:b].any(axis=0))
        if np.count_nonzero(ink[a:b]) < MIN_BAND_PT2 * scale * scale:
            continue  # too little ink for a line
        if b - a < DOT_PT * scale and cols[-1] - cols[0] < DOT_PT * scale:
            continue  # a speck on a line of its own
        out.append((int(a), int(b), int(cols[0]), int(cols[-1]) + 1))
    return out


def _split_band(ink: np.ndarray, a: int, b: int, scale: float) -> list[tuple[int, int]]:
    """A band taller than one line of text is two lines that a speck between them (or a
    descender meeting an ascender) ran together: cut at the emptiest rows in its middle
    when those are all but empty next to the lines' rows."""
    if b - a <= TWO_LINES_PT * scale:
        return [(a, b)]
    counts = np.count_nonzero(ink[a:b], axis=1)
    lo, hi = int(0.25 * (b - a)), int(0.75 * (b - a))  # each part at least a quarter
    valley = lo + int(np.argmin(counts[lo:hi]))
    if counts[valley] > VALLEY_SHARE * counts.max():
        return [(a, b)]
    top = valley
    while top > 0 and counts[top - 1] <= VALLEY_SHARE * counts.max():
        top -= 1
    bottom = valley
    while bottom < len(counts) - 1 and counts[bottom + 1] <= VALLEY_SHARE * counts.max():
        bottom += 1
    return (_split_band(ink, a, a + max(top, 1), scale)
            + _split_band(ink, a + bottom + 1, b, scale))


def read_lines(crops: list[np.ndarray], engine: OcrEngine | None) -> list[OcrResult]:
    if engine is None:
        return [OcrResult("", 0.0)] * len(crops)
    return engine.recognize_batch(crops, "text") if crops else []


def decide(
    crops: list[np.ndarray],
    first: list[OcrResult],
    chain: tuple[OcrEngine, ...],
    marked: Sequence[bool] = (),
    memo: LineMemo[CellReading] | None = None,
) -> CellReading:
    """One cell's text, confidence and flags from its lines, each decided on its own (a
    cell of five lines asks again about the one unsure line only). A marked line (a seal
    or a signature runs through or near it) is never taken on one engine's word, nor on
    two engines' agreement when the better of them was far from sure (both read a stroke
    as "/")."""
    if not chain:
        return CellReading("", 0.0, ("unreadable",))
    marked = list(marked) or [False] * len(crops)
    letter = _lone_letter("".join(r.text for r in first), crops)
    lines = [decide_line(c, r, chain, not (m or letter), m, memo)
             for c, r, m in zip(crops, first, marked, strict=True)]
    text = "\n".join(x.text for x in lines if x.text)
    flags = tuple(dict.fromkeys(f for x in lines for f in x.flags
                                if text == "" or f != "unreadable"))
    return CellReading(text, min(x.confidence for x in lines), flags)


def decide_line(
    crop: np.ndarray,
    first: OcrResult,
    chain: tuple[OcrEngine, ...],
    alone: bool,
    marked: bool,
    memo: LineMemo[CellReading] | None = None,
) -> CellReading:
    """As `ask_chain`; a line the primary is unsure of takes the decision made on the same
    print before, if `memo` holds one (a label on every form of an annex), else is first
    confirmed, if it can be, from a window round its doubted characters."""
    primary = despeck(first)
    if not (alone and len(chain) > 1) or _sure(chain[0], primary):
        return ask_chain(crop, primary, chain, alone, marked)
    if memo is not None and (known := memo.get(first.text, crop)) is not None:
        return known
    got = confirm_window(crop, primary, chain[0], chain[1]) or ask_chain(
        crop, primary, chain, alone, marked)
    if memo is not None:
        memo.put(first.text, crop, got)
    return got


def confirm_window(
    crop: np.ndarray, res: OcrResult, primary: OcrEngine, second: OcrEngine
) -> CellReading | None:
    """The characters the primary was unsure of, with a neighbour each side, cut out and
    read by the second engine: the same text there confirms the line (a long line of
    goal text, one character in doubt, costs the second engine a few characters, not the
    line). None where that is not settled: the caller asks about the whole line."""
    glyphs = res.glyphs
    unsure = [i for i, g in enumerate(glyphs) if g.confidence < _accept(primary)]
    if res.partial or not unsure:
        return None
    lo, hi = max(0, unsure[0] - 1), min(len(glyphs) - 1, unsure[-1] + 1)
    x0 = 0 if lo == 0 else int((glyphs[lo - 1].x + glyphs[lo].x) / 2)
    x1 = crop.shape[1] if hi == len(glyphs) - 1 else int((glyphs[hi].x + glyphs[hi + 1].x) / 2) + 1
    if x1 - x0 > WINDOW_MAX_SHARE * crop.shape[1]:
        return None
    said = "".join(g.text for g in glyphs[lo:hi + 1])
    kind = "amount" if _numeric(said) else "text"
    other = despeck(second.recognize_batch([crop[:, x0:x1]], kind)[0])
    if other.partial or not other.text or normalize_text(other.text) != normalize_text(said):
        return None
    weakest = min(glyphs[i].confidence for i in unsure)
    kin = FAMILY.get(primary.name, primary.name) == FAMILY.get(second.name, second.name)
    if kin and max(weakest, other.confidence) < KIN_AGREE_FLOOR:
        return None
    return CellReading(res.text, max(AGREE_CONFIDENCE, other.confidence))


def ask_chain(
    crop: np.ndarray, first: OcrResult, chain: tuple[OcrEngine, ...], alone: bool, marked: bool
) -> CellReading:
    """Taken on the word of an engine sure of it (the primary, or a later one that reads
    better than those before it); else on two engines' agreement; else flagged, with the
    best engine's text. `first`: the primary's reading, despecked."""
    seen: list[tuple[int, str, OcrResult]] = []  # (rank by accuracy, family, reading)
    for i, engine in enumerate(chain):
        rank, family = _rank(engine.name), FAMILY.get(engine.name, engine.name)
        if i == 0:
            res = first
        else:
            kind = "amount" if any(_numeric(r.text) for _, _, r in seen) else "text"
            res = despeck(engine.recognize_batch([crop], kind)[0])
            for r, fam, prev in seen:  # a partial reading agrees with nothing: both may
                if not prev.text or prev.partial or res.partial:  # miss one broken glyph
                    continue
                if normalize_text(prev.text) != normalize_text(res.text):
                    continue
                if fam == family and max(prev.confidence, res.confidence) < KIN_AGREE_FLOOR:
                    continue
                better = prev if r < rank else res
                if marked and better.confidence < MARKED_AGREE_FLOOR:
                    return CellReading(res.text, min(better.confidence, FLAGGED_CEILING),
                                       ("low_confidence",))
                return CellReading(better.text, max(AGREE_CONFIDENCE, better.confidence))
        trusted = all(rank < r for r, _, _ in seen)
        if alone and trusted and _sure(engine, res):
            return CellReading(res.text, res.confidence)
        seen.append((rank, family, res))
    if not any(res.text for _, _, res in seen):
        return CellReading("", 0.0, ("unreadable", "low_confidence"))
    # the best engine's reading, even if it saw nothing there (a speck others read as "m")
    best = min(seen, key=lambda s: s[0])[2]
    flags = ("engines_disagree", "low_confidence") if len(chain) > 1 else ("low_confidence",)
    return CellReading(best.text, min(best.confidence, FLAGGED_CEILING), flags)


def despeck(res: OcrResult) -> OcrResult:
    """A line of CJK text does not begin with a period, comma, colon or semicolon, nor
    end with a dot (line-breaking rules; its full stop is 。): such a character is a
    speck read as text. Dropped; the reading is then partial (what was read as a speck
    may be a broken glyph)."""
    text = res.text.lstrip(LINE_START_SPECKS).rstrip(LINE_END_SPECKS).strip()
    if text == res.text:
        return res
    return OcrResult(text, min(res.confidence, SPECK_CONFIDENCE) if text else 0.0, partial=True)


def _accept(engine: OcrEngine) -> float:
    return ACCEPT.get(engine.name, 0.95)


def _sure(engine: OcrEngine, res: OcrResult) -> bool:
    """The engine's reading can be taken on its word alone (where nothing else forbids)."""
    return bool(res.text) and res.confidence >= _accept(engine)


def _rank(name: str) -> int:
    return BY_ACCURACY.index(name) if name in BY_ACCURACY else len(BY_ACCURACY)


def _lone_letter(text: str, crops: list[np.ndarray]) -> bool:
    """A lone glyph (one line, its ink about as wide as tall) read as one alphabetic
    non-CJK letter (N, M, И): on these forms more likely a symbol the recogniser does not
    know alone (≥ read as N) than a letter; never taken on the primary's word alone."""
    t = normalize_text(text)
    if len(crops) != 1 or len(t) != 1 or not t.isalpha() or ord(t) >= 0x2E80:
        return False
    ys, xs = np.nonzero(crops[0] < 128)
    return bool(len(xs) > 0 and np.ptp(xs) <= 1.5 * (np.ptp(ys) + 1))


def _numeric(text: str) -> bool:
    t = normalize_text(text)
    return bool(t) and all(ch in "0123456789.%-" for ch in t)


def outside_lines(
    tables: list[Table], text_ink: np.ndarray, clean: np.ndarray, scale: float,
    engine: OcrEngine | None,
) -> list[TextLine]:
    """Text lines outside every table (title, year line), read with the primary engine."""
    ink = text_ink.copy()
    for t in tables:
        x0, y0, x1, y1 = _px(t.bbox, scale, ink.shape)
        ink[max(0, y0 - 4):y1 + 4, max(0, x0 - 4):x1 + 4] = 0
    ink = _drop_big_blobs(ink, scale)
    boxes = []
    for y0, y1, _, _ in text_bands(ink, scale):
        for x0, x1 in _runs(np.asarray(ink[y0:y1].any(axis=0)), int(24 * scale)):
            if np.count_nonzero(ink[y0:y1, x0:x1]) >= MIN_INK_PT2 * scale * scale:
                boxes.append((x0, y0, x1, y1))
    if engine is None or not boxes:
        return []
    crops = [_crop(clean, *b, int(PAD_PT * scale)) for b in boxes]
    results = engine.recognize_batch(crops, "text")
    return [
        TextLine(r.text, tuple(v / scale for v in b), r.confidence)  # type: ignore[arg-type]
        for b, r in zip(boxes, results, strict=True)
        if r.text
    ]


def _drop_big_blobs(ink: np.ndarray, scale: float) -> np.ndarray:
    """Remove blobs larger than any glyph (a scanner's dark edge, a seal ring, a signature)."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    out = ink.copy()
    if not len(rows):
        return out
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1  # only where ink is
    _n, labels, stats = components(ink[y0:y1, x0:x1])
    big = (stats[:, cv2.CC_STAT_WIDTH] > 40 * scale) | (stats[:, cv2.CC_STAT_HEIGHT] > 30 * scale)
    big[0] = False
    out[y0:y1, x0:x1][big[labels]] = 0
    return out


def _runs(mask: np.ndarray, max_gap: int) -> list[tuple[int, int]]:
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > max_gap)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    ends = np.concatenate((idx[breaks], [idx[-1]])) + 1
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _px(bbox: BBox, scale: float, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    h, w = shape[:2]
    x0, y0, x1, y1 = (round(v * scale) for v in bbox)
    return max(0, x0), max(0, y0), min(w, x1), min(h, y1)


def _crop(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, pad: int) -> np.ndarray:
    h, w = image.shape[:2]
    crop = image[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]
    return cv2.copyMakeBorder(crop, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
