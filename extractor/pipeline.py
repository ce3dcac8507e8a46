"""The pipeline, top to bottom.

    open_document  -> pages (text layer or image)
    read_page      -> tables of cells with text (PDF rulings + chars, or OpenCV + OCR)
    split_forms    -> form instances (a form starts at its first table; continuations join it)
    map_form       -> a record of typed fields on the matching layout
    validate       -> the layout's cross-field rules as flags

read_page and assemble are separate so that a batch service can fan pages
out to workers and assemble the records from their PageReadings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from extractor import ingest
from extractor.config import Settings, load_settings
from extractor.errors import ErrorCode, ExtractError, error_from_exception
from extractor.grid.pdf_rulings import read_text_page
from extractor.grid.pdfium_page import read_pdfium_page
from extractor.layout.choose import map_form, rank_layouts
from extractor.layout.rules import validate
from extractor.layout.spec import LayoutSpec, load_layouts
from extractor.layout.view import FormView
from extractor.models import DocumentError, DocumentResult, PageReading, Record, Source
from extractor.split import split_forms


def extract_document(
    path: Path, settings: Settings | None = None, layouts: list[LayoutSpec] | None = None
) -> DocumentResult:
    settings = settings or load_settings()
    layouts = layouts if layouts is not None else load_layouts(settings.layouts_dir)
    t0 = time.perf_counter()
    source, readings, errors = read_document(Path(path), settings)
    if not source.pages:
        return DocumentResult(source, errors=tuple(errors))
    timings = {"read": time.perf_counter() - t0}
    t0 = time.perf_counter()
    result = assemble(source, readings, layouts, errors, settings)
    timings["assemble"] = time.perf_counter() - t0
    return DocumentResult(result.source, result.records, result.errors, timings)


def read_document(path: Path, settings: Settings) -> tuple[Source, list[PageReading], list[DocumentError]]:
    """Open the document and read every page; a document that cannot be opened is a Source
    of no pages and its one error, a page that cannot be read is that page's error."""
    try:
        doc = ingest.open_document(path, settings)
    except ExtractError as e:
        return Source(str(path), _sha_or_empty(path), 0, "born_digital"), [], [error_from_exception(e)]
    readings, errors = [], []
    try:
        for page in doc.pages:
            try:
                readings.append(read_page(doc, page.number, settings))
            except Exception as e:  # a page that breaks a reader must not sink the document
                errors.append(error_from_exception(e, page.number))
        return Source(str(path), doc.sha256, len(doc.pages), doc.kind), readings, errors
    finally:
        doc.close()


@dataclass(frozen=True)
class FormFit:
    """One form of a document and the layouts ranked by how well it fits them, best first."""

    pages: tuple[int, ...]
    ranked: tuple[tuple[float, LayoutSpec], ...]


def check_document(
    path: Path, settings: Settings, layouts: list[LayoutSpec]
) -> tuple[list[FormFit], list[DocumentError]]:
    """`layouts --check`: the same reading and splitting as extract_document, then the
    layouts ranked for each form instead of the best one mapped."""
    source, readings, errors = read_document(Path(path), settings)
    if not source.pages:
        return [], errors
    forms, split_errors = split_forms(readings, layouts)
    fits = [FormFit(tuple(f.pages), tuple(rank_layouts(FormView.of(f), layouts))) for f in forms]
    return fits, errors + split_errors


def read_page(doc: ingest.Document, number: int, settings: Settings) -> PageReading:
    page = doc.pages[number - 1]
    if page.kind == "text":
        if settings.text_reader == "pdfplumber":
            return read_text_page(doc.plumber().pages[number - 1], page)
        return read_pdfium_page(doc.pdf, page)
    from extractor.scan import read_image_page  # the scan path loads OpenCV and OCR engines

    image, scale = ingest.page_image(doc, number, settings.render_dpi, settings.max_page_pixels)
    return read_image_page(image, scale, page, settings)


def assemble(
    source: Source,
    readings: list[PageReading],
    layouts: list[LayoutSpec],
    errors: list[DocumentError] | None = None,
    settings: Settings | None = None,
) -> DocumentResult:
    settings = settings or load_settings()
    errors = list(errors or [])
    forms, split_errors = split_forms(readings, layouts)
    errors.extend(split_errors)
    records: list[Record] = []
    for form in forms:
        mapped = map_form(form, layouts, settings.min_layout_score)
        if isinstance(mapped, DocumentError):
            errors.append(mapped)
            continue
        spec, record = mapped
        records.append(validate(record, spec))
    if not records and not any(e.code == ErrorCode.NO_FORM_FOUND.value for e in errors):
        errors.insert(0, DocumentError(ErrorCode.NO_FORM_FOUND.value, "no form found in the document"))
    errors.sort(key=lambda e: (e.page or 0))
    return DocumentResult(source, tuple(records), tuple(errors))


def _sha_or_empty(path: Path) -> str:
    try:
        return ingest.sha256_file(path)
    except OSError:
        return ""
