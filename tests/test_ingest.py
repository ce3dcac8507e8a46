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


def page_image(path, number=1, dpi=300):
    doc = ingest.open_document(path, load_settings({}))
    try:
        return ingest.page_image(doc, number, dpi)
    finally:
        doc.close()


def test_a_scanned_page_gives_its_own_pixels_not_a_resampled_render(tmp_path):
    src = pdfium.PdfDocument(str(SCAN))
    embedded = next(iter(src[0].get_objects(filter=[R.FPDF_PAGEOBJ_IMAGE])))
    own = embedded.get_bitmap(render=False).to_numpy()[:, :, ::-1]  # BGR -> RGB
    image, scale = page_image(SCAN)
    assert image.shape == own.shape and (image == own).all()
    assert abs(scale - own.shape[1] / src[0].get_size()[0]) < 1e-6
    # asked for fewer dots per inch than the scan has: rendered at what was asked
    coarse, scale = page_image(SCAN, dpi=100)
    assert scale == 100 / 72 and coarse.shape[1] == round(src[0].get_size()[0] * 100 / 72)
    # something drawn over the scan (a stamp added later): the page is rendered
    stamped = pdfium.PdfDocument(str(SCAN))
    page = stamped[0]
    path = R.FPDFPageObj_CreateNewRect(50, 50, 100, 40)
    R.FPDFPath_SetDrawMode(path, R.FPDF_FILLMODE_ALTERNATE, False)
    R.FPDFPage_InsertObject(page.raw, path)
    assert R.FPDFPage_GenerateContent(page.raw)
    page.close()
    out = tmp_path / "stamped.pdf"
    stamped.save(str(out))
    image, scale = page_image(out)
    assert scale == 300 / 72
