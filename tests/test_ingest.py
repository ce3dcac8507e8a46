"""Page kinds: text layer or image, however a producer wraps the scan."""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as R

from extractor import ingest
from extractor.config import load_settings

from .conftest import SAMPLES

SCAN = SAMPLES / "scans" / "annex2-2022-direct-typical.pdf"
WORD = SAMPLES / "digital" / "annex2-2022-word.pdf"


def kinds(path):
    doc = ingest.open_document(path, load_settings({}))
    try:
        return doc.kind, [p.kind for p in doc.pages]
    finally:
        doc.close()


def test_a_scan_wrapped_in_a_form_xobject_is_still_a_scan(tmp_path):
    src = pdfium.PdfDocument(str(SCAN))
    out = pdfium.PdfDocument.new()
    width, height = src[0].get_size()
    xobject = R.FPDF_NewXObjectFromPage(out.raw, src.raw, 0)
    form = R.FPDF_NewFormObjectFromXObject(xobject)
    page = out.new_page(width, height)
    R.FPDFPage_InsertObject(page.raw, form)
    assert R.FPDFPage_GenerateContent(page.raw)
    R.FPDF_CloseXObject(xobject)
    page.close()
    wrapped = tmp_path / "wrapped.pdf"
    out.save(str(wrapped))
    assert kinds(wrapped) == ("scanned", ["image"])


def test_born_digital_and_mixed(tmp_path):
    assert kinds(WORD)[0] == "born_digital"
    mixed = pdfium.PdfDocument(str(WORD))
    mixed.import_pages(pdfium.PdfDocument(str(SCAN)), pages=[0], index=1)
    path = tmp_path / "mixed.pdf"
    mixed.save(str(path))
    kind, pages = kinds(path)
    assert kind == "mixed" and pages[:3] == ["text", "image", "text"]
