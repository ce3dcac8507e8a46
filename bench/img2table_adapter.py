"""img2table (bordered tables) + Tesseract (chi_sim) as a PageReading, for the
side-by-side benchmark: its cells become our Cell/Table model so the same layout
mapping and scorer judge both.

img2table's own OCR step (`extract_tables(ocr=TesseractOCR(lang="chi_sim"))`) returns
no table at all on these pages with img2table 2.0.0 here (the tables are found without
OCR and dropped after it), so its grid is read cell by cell with Tesseract (psm 6,
chi_sim) instead, the crop inset by 2 pt from the rulings."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from extractor.models import Cell, Page, PageReading, Table

_OCR: Any = None


def _ocr() -> Any:
    global _OCR
    if _OCR is None:
        from extractor.ocr.tesseract import TesseractEngine

        _OCR = TesseractEngine()
    return _OCR


def read_page_img2table(image: np.ndarray, scale: float, page: Page) -> PageReading:
    from img2table.document import Image

    _ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    doc = Image(src=png.tobytes(), detect_rotation=True)  # its deskew; without it no table
    found = doc.extract_tables(implicit_rows=False, borderless_tables=False)
    grey = cv2.cvtColor(doc.images[0], cv2.COLOR_RGB2GRAY)  # in img2table's deskewed frame
    tables = tuple(t for t in (_table(x, scale, page.number, grey) for x in found)
                   if t is not None)
    return PageReading(page, tables, (), 0, "img2table+tesseract")


def _read(grey: np.ndarray, box: tuple[int, int, int, int], scale: float) -> str:
    inset = int(2 * scale)
    x1, y1, x2, y2 = box
    crop = grey[y1 + inset:y2 - inset, x1 + inset:x2 - inset]
    if crop.size == 0 or (crop < 128).mean() < 0.002:
        return ""
    return str(_ocr().recognize(crop, "multiline").text)


def _table(extracted: Any, scale: float, page: int, grey: np.ndarray) -> Table | None:
    unique: dict[tuple[int, int, int, int], str] = {}
    for row in extracted.content.values():
        for cell in row:
            b = cell.bbox
            key = (b.x1, b.y1, b.x2, b.y2)
            if key not in unique:
                unique[key] = _read(grey, key, scale)
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
