"""img2table (bordered tables + its Tesseract OCR, chi_sim) as a PageReading, for the
side-by-side benchmark: its cells become our Cell/Table model so the same layout
mapping and scorer judge both."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from extractor.models import Cell, Page, PageReading, Table

_OCR: Any = None


def _ocr() -> Any:
    global _OCR
    if _OCR is None:
        from img2table.ocr import TesseractOCR

        _OCR = TesseractOCR(n_threads=1, lang="chi_sim")
    return _OCR


def read_page_img2table(image: np.ndarray, scale: float, page: Page) -> PageReading:
    from img2table.document import Image

    _ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    doc = Image(src=png.tobytes(), detect_rotation=True)  # its deskew; without it no table
    found = doc.extract_tables(ocr=_ocr(), implicit_rows=False, borderless_tables=False,
                               min_confidence=30)
    tables = tuple(t for t in (_table(x, scale, page.number) for x in found) if t is not None)
    return PageReading(page, tables, (), 0, "img2table+tesseract")


def _table(extracted: Any, scale: float, page: int) -> Table | None:
    unique: dict[tuple[int, int, int, int], str] = {}
    for row in extracted.content.values():
        for cell in row:
            b = cell.bbox
            unique[(b.x1, b.y1, b.x2, b.y2)] = (cell.value or "").strip()
    if not unique:
        return None
    xs = sorted({k[0] for k in unique} | {k[2] for k in unique})
    ys = sorted({k[1] for k in unique} | {k[3] for k in unique})
    cells = []
    for (x1, y1, x2, y2), text in unique.items():
        r, c = ys.index(y1), xs.index(x1)
        bbox = (x1 / scale, y1 / scale, x2 / scale, y2 / scale)
        cells.append(Cell(bbox, r, c, ys.index(y2) - r, xs.index(x2) - c, text, 1.0, ()))
    cells.sort(key=lambda c: (c.row, c.col))
    b = extracted.bbox
    return Table(page, (b.x1 / scale, b.y1 / scale, b.x2 / scale, b.y2 / scale), tuple(cells),
                 tuple(y / scale for y in ys), tuple(x / scale for x in xs))
