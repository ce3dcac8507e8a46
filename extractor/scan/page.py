"""A scanned page -> PageReading: the steps of the scan path, top to bottom.

    to_work_scale     a page finer than WORK_DPI reduced to it
    prepare_page      deskew, seal suppression, binarisation   (preprocess.py)
    find_tables       rulings -> tables of merged cells         (lines.py)
    strip_rulings     rulings and specks out of the ink and the grey image; marks
                      (seals, signatures) found, a grey seal faded out (ink.py, seals.py)
    cells_to_lines    each non-empty cell cut into its text lines (cells.py, text_lines.py);
                      a lone dash, slash or sign read from its shape (shapes.py, signs.py)
    read_lines        the primary engine reads every line of a table in one batch
    decide            per line: accept, ask the next engine of the chain, flag (chain.py)
    outside_lines     title, year line and notes outside the tables, decided as a cell's lines

All geometry leaves this package in PDF points, origin top-left, in the frame
of the deskewed page (a rotation of at most 3° about the page centre).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import cv2
import numpy as np

from extractor.compare import normalize_text
from extractor.config import Settings
from extractor.models import Page, PageReading, Table, TextLine
from extractor.ocr import OPINIONS, OcrEngine, OcrEngineError, OcrResult, get_engine
from extractor.scan.cells import MIN_INK_PT2, PAD_PT, LineJob, cells_to_lines, padded_crop, px_box
from extractor.scan.chain import decide
from extractor.scan.ink import PageInk, strip_rulings
from extractor.scan.line_memo import LineMemo
from extractor.scan.lines import components, crossing_seal, find_tables
from extractor.scan.preprocess import prepare_page
from extractor.scan.reading import CellReading
from extractor.scan.script import simplify
from extractor.scan.text_lines import text_bands
from extractor.scan.thresholds import EMPTY_CONFIDENCE, FLAGGED_CEILING, UNREAD_CONFIDENCE

WORK_DPI = 200  # pages are read at this resolution (finer ones are reduced)
MIN_REDUCTION = 0.9  # ... by a factor under this only (a page within ~10% is left as it is)
TABLE_MARGIN_PX = 4  # ink this near a table is the table's, not a line outside it
OUTSIDE_GAP_PT = 24.0  # outside the tables, ink farther apart than this on a row: two lines
BIG_BLOB_W_PT = 40.0  # outside the tables, ink blobs wider than this are no glyph
BIG_BLOB_H_PT = 30.0  # ... nor taller than this (a scanner's dark edge, a seal, a signature)
_LEFT_OUT: set[str] = set()  # engines left out of the chain (warned about once)
log = logging.getLogger(__name__)


def read_image_page(image: np.ndarray, scale: float, page: Page, settings: Settings) -> PageReading:
    return scan_page(image, scale, page, settings)[0]


def scan_page(
    image: np.ndarray, scale: float, page: Page, settings: Settings,
    memo: LineMemo[CellReading] | None = None,
) -> tuple[PageReading, dict[str, float]]:
    """The page reading and seconds per stage (preprocess, grid, ocr).

    `memo`: the decisions on line prints to reuse and add to; by default a fresh one, so
    the memo lives for this page's reading only and a page reads the same, byte for byte,
    whatever the process read before (a worker reads one page per task, in any order:
    a memo outliving the page would make records depend on the worker schedule).
    """
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
        tables, rulings = find_tables(line_ink, scale, page.number, prep.gray, ink.ring,
                                      crossing_seal(rulings, ink.seal, prep.gray, scale))
        ink = strip_rulings(prep.ink, prep.gray, rulings, scale)
    timings["grid"] = time.perf_counter() - t
    t = time.perf_counter()
    chain = engines(settings)
    memo = LineMemo() if memo is None else memo
    tables = [read_table_cells(ti, tb, ink, scale, chain, memo) for ti, tb in enumerate(tables)]
    lines = outside_lines(tables, ink.text, ink.clean, scale, chain, memo)
    timings["ocr"] = time.perf_counter() - t
    name = "+".join(e.name for e in chain) or "none"
    return PageReading(page, tuple(tables), tuple(lines), 0, name), timings


def to_work_scale(image: np.ndarray, scale: float) -> tuple[np.ndarray, float]:
    """Pages finer than WORK_DPI are reduced to it: the recogniser sees every line at a
    fixed height anyway, and preprocessing and grid cost grow with the pixel count."""
    f = WORK_DPI / 72.0 / scale
    if f >= MIN_REDUCTION:
        return image, scale
    small = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    return small, scale * small.shape[1] / image.shape[1]


def engines(settings: Settings) -> tuple[OcrEngine, ...]:
    """The primary engine, then those asked in turn where the one before is unsure.
    The primary must load; a later engine that cannot (Tesseract or its chi_sim data not
    installed) is left out: a line it would have been asked about ends the chain unsure
    and is flagged (chain.ask_chain), and the page reading names the engines that ran."""
    if settings.ocr_engine == "none":
        return ()
    primary = get_engine(settings.ocr_engine)
    others = OPINIONS.get(primary.name, ()) if settings.ocr_second_opinion else ()
    return (primary, *(e for e in map(_opinion, others) if e is not None))


def _opinion(name: str) -> OcrEngine | None:
    try:
        return get_engine(name)
    except OcrEngineError as e:
        if name not in _LEFT_OUT:
            _LEFT_OUT.add(name)
            log.warning("OCR engine %s left out of the chain, its lines flagged instead: %s",
                        name, e)
        return None


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
                         [j.marked for j in lines[ci]], memo, scale)
            if (shape := lines[ci][0].shape) and normalize_text(got.text) != normalize_text(shape):
                got = got.unsure()  # its ink is a lone mark the reading is not
        else:
            got = CellReading("", EMPTY_CONFIDENCE)
        cells.append(replace(cell, text=got.text, confidence=got.confidence, flags=got.flags))
    return replace(table, cells=tuple(cells))


def read_lines(crops: list[np.ndarray], engine: OcrEngine | None) -> list[OcrResult]:
    if engine is None:
        return [OcrResult("", UNREAD_CONFIDENCE)] * len(crops)
    return engine.recognize_batch(crops, "text") if crops else []


def outside_lines(
    tables: list[Table], text_ink: np.ndarray, clean: np.ndarray, scale: float,
    chain: tuple[OcrEngine, ...], memo: LineMemo[CellReading] | None = None,
) -> list[TextLine]:
    """Text lines outside every table (title, year line), each decided by the chain as a
    cell's line is (a field such as the year line is read from them)."""
    ink = text_ink.copy()
    for t in tables:
        x0, y0, x1, y1 = px_box(t.bbox, scale, ink.shape)
        m = TABLE_MARGIN_PX
        ink[max(0, y0 - m):y1 + m, max(0, x0 - m):x1 + m] = 0
    ink = _drop_big_blobs(ink, scale)
    boxes = []
    for y0, y1, _, _ in text_bands(ink, scale, cell=False):
        for x0, x1 in _runs(np.asarray(ink[y0:y1].any(axis=0)), int(OUTSIDE_GAP_PT * scale)):
            if np.count_nonzero(ink[y0:y1, x0:x1]) >= MIN_INK_PT2 * scale * scale:
                boxes.append((x0, y0, x1, y1))
    if not chain or not boxes:
        return []
    crops = [padded_crop(clean, *b, int(PAD_PT * scale)) for b in boxes]
    results = chain[0].recognize_batch(crops, "text")
    out = []
    for b, crop, r in zip(boxes, crops, results, strict=True):
        if r.text:  # in simplified glyphs (script.py), unsure where converted
            got = decide([crop], [r], chain, (), memo, scale)
            if not got.text:  # the primary's line all the same (a title the others missed)
                got = simplify(CellReading(r.text, min(r.confidence, FLAGGED_CEILING)))
            out.append(TextLine(got.text, tuple(v / scale for v in b), got.confidence))  # type: ignore[arg-type]
    return out


def _drop_big_blobs(ink: np.ndarray, scale: float) -> np.ndarray:
    """Remove blobs larger than any glyph (a scanner's dark edge, a seal ring, a signature)."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    out = ink.copy()
    if not len(rows):
        return out
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1  # only where ink is
    _n, labels, stats = components(ink[y0:y1, x0:x1])
    big = ((stats[:, cv2.CC_STAT_WIDTH] > BIG_BLOB_W_PT * scale)
           | (stats[:, cv2.CC_STAT_HEIGHT] > BIG_BLOB_H_PT * scale))
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
