"""The text path, read through PDFium: ruling segments and chars of a born-digital page.

pdfplumber (pdfminer) interprets a page in Python; PDFium does it in C++.
On the sample annex this reader does the same page in a fraction of the
time (see bench/bench_digital.py), so it is the default text reader and
pdf_rulings.py (pdfplumber) is kept as the reference it is tested against.
Coordinates leave here in PDF points, origin top-left, like pdfplumber's.
"""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as R

from extractor.grid.build import Segment, segments_to_tables
from extractor.grid.pdf_rulings import MIN_EDGE, fill_tables
from extractor.models import Page, PageReading

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
AXIS_SLOP = 0.5  # points a ruling may lean and still be horizontal/vertical
PDFIUM_LINE_END_HYPHEN = 0x02  # PDFium reports a hyphen that ends a line as U+0002
SCAN_COVERAGE = 0.5  # a page this much covered by one image is a scan
MAX_FORM_DEPTH = 8  # form XObjects nested deeper than this are not searched for rulings


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)  # fmt: skip


def _matrix(raw: Any) -> Matrix:
    m = R.FS_MATRIX()
    if not R.FPDFPageObj_GetMatrix(raw, m):
        return IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _path_points(raw: Any) -> list[tuple[int, float, float, bool]]:
    x, y = ctypes.c_float(), ctypes.c_float()
    out = []
    for k in range(R.FPDFPath_CountSegments(raw)):
        seg = R.FPDFPath_GetPathSegment(raw, k)
        R.FPDFPathSegment_GetPoint(seg, x, y)
        kind, closes = R.FPDFPathSegment_GetType(seg), bool(R.FPDFPathSegment_GetClose(seg))
        out.append((kind, x.value, y.value, closes))
    return out


def _segments_of_path(raw: Any, m: Matrix, height: float) -> list[Segment]:
    """The straight, axis-aligned pieces of one path, in top-left page coordinates."""
    a, b, c, d, e, f = m

    def to_page(px: float, py: float) -> tuple[float, float]:
        return a * px + c * py + e, height - (b * px + d * py + f)

    out: list[Segment] = []
    start = cur = None
    for kind, px, py, close in _path_points(raw):
        pt = to_page(px, py)
        if kind == R.FPDF_SEGMENT_MOVETO:
            start = cur = pt
        elif kind == R.FPDF_SEGMENT_LINETO and cur is not None:
            out += _axis_segment(cur, pt)
            cur = pt
        else:  # a curve: not a ruling
            cur = pt
        if close and start is not None and cur is not None:
            out += _axis_segment(cur, start)
            cur = start
    return out


def _axis_segment(p: tuple[float, float], q: tuple[float, float]) -> list[Segment]:
    (x0, y0), (x1, y1) = p, q
    if abs(y1 - y0) <= AXIS_SLOP and abs(x1 - x0) >= MIN_EDGE:
        return [Segment(True, (y0 + y1) / 2, min(x0, x1), max(x0, x1))]
    if abs(x1 - x0) <= AXIS_SLOP and abs(y1 - y0) >= MIN_EDGE:
        return [Segment(False, (x0 + x1) / 2, min(y0, y1), max(y0, y1))]
    return []


def page_segments(page: Any, height: float) -> list[Segment]:
    """Every straight axis-aligned piece of every path, form XObjects included. Raw
    calls throughout: a ruled page holds hundreds of path objects."""
    segments: list[Segment] = []
    count = R.FPDFPage_CountObjects(page.raw)
    todo = [(R.FPDFPage_GetObject(page.raw, i), IDENTITY, 0) for i in range(count)]
    while todo:
        obj, outer, depth = todo.pop()
        kind = R.FPDFPageObj_GetType(obj)
        if kind == R.FPDF_PAGEOBJ_PATH:
            segments += _segments_of_path(obj, _compose(_matrix(obj), outer), height)
        elif kind == R.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
            inner = _compose(_matrix(obj), outer)
            children = range(R.FPDFFormObj_CountObjects(obj))
            todo += [(R.FPDFFormObj_GetObject(obj, k), inner, depth + 1) for k in children]
    return segments


def page_chars(page: Any, height: float) -> list[dict[str, Any]]:
    """Chars as pdfplumber-style dicts (text, x0, x1, top, bottom, size)."""
    textpage = page.get_textpage()
    try:
        chars = []
        for i in range(textpage.count_chars()):
            if R.FPDFText_IsGenerated(textpage.raw, i):
                continue
            code = R.FPDFText_GetUnicode(textpage.raw, i)
            if code == PDFIUM_LINE_END_HYPHEN:
                code = ord("-")
            text = "\ufffd" if code in (0, 0xFFFE, 0xFFFF) else chr(code)
            if not text.strip():
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            chars.append(
                {"text": text, "x0": left, "x1": right, "top": height - top,
                 "bottom": height - bottom, "size": top - bottom}
            )  # fmt: skip
        return chars
    finally:
        textpage.close()


def has_text(page: Any) -> bool:
    """Any char drawn as text (stops at the first: this runs on every page at open)."""
    textpage = page.get_textpage()
    try:
        for i in range(textpage.count_chars()):
            if R.FPDFText_IsGenerated(textpage.raw, i):
                continue
            if chr(R.FPDFText_GetUnicode(textpage.raw, i) or 32).strip():
                return True
        return False
    finally:
        textpage.close()


def image_coverage(page: Any) -> float:
    """Share of the page covered by its largest image (a scan is one page-sized image,
    sometimes wrapped in a form XObject). Raw calls: a ruled page has hundreds of path
    objects to skip, and wrapping each in a PdfObject costs more than the check."""
    width, height = page.get_size()
    box = [ctypes.c_float() for _ in range(4)]
    best = 0.0
    todo = [(R.FPDFPage_GetObject(page.raw, i), 0) for i in range(R.FPDFPage_CountObjects(page.raw))]
    while todo:
        obj, depth = todo.pop()
        kind = R.FPDFPageObj_GetType(obj)
        if kind == R.FPDF_PAGEOBJ_IMAGE and R.FPDFPageObj_GetBounds(obj, *box):
            left, bottom, right, top = (v.value for v in box)
            best = max(best, (right - left) * (top - bottom) / (width * height))
        elif kind == R.FPDF_PAGEOBJ_FORM and depth < 4:
            children = range(R.FPDFFormObj_CountObjects(obj))
            todo += [(R.FPDFFormObj_GetObject(obj, k), depth + 1) for k in children]
    return best


def is_text_page(page: Any) -> bool:
    """Born-digital: text drawn as text, and no page-sized image. A scan that carries
    an OCR layer is read from its image like any scan; a page without text (blank,
    or text drawn as outlines) goes to the image path too."""
    if image_coverage(page) >= SCAN_COVERAGE:
        return False
    return has_text(page)


def read_pdfium_page(pdf: pdfium.PdfDocument, page: Page) -> PageReading:
    pdf_page = pdf[page.number - 1]
    try:
        height = pdf_page.get_height()
        tables = segments_to_tables(page_segments(pdf_page, height), page.number)
        chars = page_chars(pdf_page, height)
    finally:
        pdf_page.close()
    return fill_tables(page, tables, chars, "pdfium")
