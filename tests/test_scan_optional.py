"""Graceful without Tesseract: a scan is still read, by the two PP-OCR engines, and the
only cells and lines outside the tables that change are those Tesseract would have
settled, each unsure.

Tesseract's absence is simulated: the engine loader raises OcrEngineError for it, as
TesseractEngine does when Tesseract or its chi_sim data is not installed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from extractor import ingest
from extractor.config import load_settings
from extractor.models import Page, PageReading
from extractor.ocr import OcrEngine, OcrEngineError, OcrResult, get_engine
from extractor.scan import page
from extractor.scan.reading import CellReading
from extractor.scan.thresholds import FLAGGED_CEILING

ROOT = Path(__file__).resolve().parent.parent
TYPICAL = ROOT / "samples" / "scans" / "annex2-2022-direct-typical.pdf"
PHOTO = ROOT / "samples" / "scans" / "annex2-2022-direct-form4.png"
PAGE_NO = 2  # Tesseract is asked about two of this page's lines (2026-11-29)


def _no_tesseract(name: str) -> OcrEngine:
    if name == "tesseract":
        raise OcrEngineError("no chi_sim.traineddata (simulated)")
    return get_engine(name)


class _Asked:
    """Tesseract, noting that it was asked."""

    def __init__(self, engine: OcrEngine, asked: list[bool]):
        self.name, self._engine, self._asked = engine.name, engine, asked

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        return self.recognize_batch([image], kind)[0]

    def recognize_batch(self, images: Sequence[np.ndarray], kind: str = "text") -> list[OcrResult]:
        self._asked[0] = True
        return self._engine.recognize_batch(images, kind)


def _flagged(c: CellReading) -> bool:
    return "low_confidence" in c.flags and c.confidence <= FLAGGED_CEILING


@pytest.fixture(scope="module")
def typical_page() -> tuple[np.ndarray, float, Page]:
    if not TYPICAL.is_file():
        pytest.skip("samples/scans not present")
    settings = load_settings({})
    doc = ingest.open_document(TYPICAL, settings)
    try:
        image, scale = ingest.page_image(doc, PAGE_NO, settings.render_dpi)
        return image, scale, doc.pages[PAGE_NO - 1]
    finally:
        doc.close()


def _read(
    monkeypatch: pytest.MonkeyPatch, typical_page: tuple[np.ndarray, float, Page], tesseract: bool
) -> tuple[PageReading, list[tuple[bool, CellReading]]]:
    """The page read with or without Tesseract, and each cell decided by the chain:
    (Tesseract asked, the decision). Without the line memo, so that every line is asked."""
    asked = [False]
    decided: list[tuple[bool, CellReading]] = []
    real_decide = page.decide

    def spy(crops: list[np.ndarray], first: list[OcrResult], chain: tuple[OcrEngine, ...],
            marked: Sequence[bool] = (), memo: object = None, scale: float = 0.0) -> CellReading:
        asked[0] = False
        got = real_decide(crops, first, chain, marked, None, scale)
        decided.append((asked[0], got))
        return got

    def loader(name: str) -> OcrEngine:
        return _Asked(get_engine(name), asked) if name == "tesseract" else get_engine(name)

    monkeypatch.setattr(page, "decide", spy)
    monkeypatch.setattr(page, "get_engine", loader if tesseract else _no_tesseract)
    image, scale, pg = typical_page
    reading = page.read_image_page(image, scale, pg, load_settings({}))
    monkeypatch.undo()
    return reading, decided


def test_without_tesseract_only_its_lines_change_and_are_flagged(monkeypatch, typical_page) -> None:
    try:
        get_engine("tesseract")
    except OcrEngineError:
        pytest.skip("Tesseract is not installed here: nothing to compare with")
    full, with_tess = _read(monkeypatch, typical_page, tesseract=True)
    bare, without = _read(monkeypatch, typical_page, tesseract=False)
    assert full.engine == "tiny+ppocrv5+tesseract" and bare.engine == "tiny+ppocrv5"
    assert sum(a for a, _ in with_tess) >= 1  # the page does ask Tesseract
    assert len(with_tess) == len(without)
    for (asked, a), (_, b) in zip(with_tess, without, strict=True):
        if asked:
            assert _flagged(b), (a, b)
        else:
            assert a == b
    # the whole page: every other cell unchanged; a line outside the tables (decided by the
    # chain too: the year line) changes only where Tesseract settled it, and is then unsure
    changed = [(a, b) for ta, tb in zip(full.tables, bare.tables, strict=True)
               for a, b in zip(ta.cells, tb.cells, strict=True) if a != b]
    lines = [(a, b) for a, b in zip(full.lines, bare.lines, strict=True) if a != b]
    assert len(changed) + len(lines) <= sum(a for a, _ in with_tess)
    assert all("low_confidence" in b.flags and b.confidence <= FLAGGED_CEILING for _, b in changed)
    assert len(full.lines) == len(bare.lines)
    assert all(b.confidence <= FLAGGED_CEILING for _, b in lines)


def test_a_scan_without_tesseract_is_read_not_failed(monkeypatch) -> None:
    from extractor.pipeline import extract_document

    if not PHOTO.is_file():
        pytest.skip("samples/scans not present")
    monkeypatch.setattr(page, "get_engine", _no_tesseract)
    result = extract_document(PHOTO, load_settings({}))
    assert not result.errors and len(result.records) == 1
