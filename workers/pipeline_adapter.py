"""The extractor pipeline as the batch service sees it: three functions.

`default_pipeline()` is the real extractor (layouts loaded once per process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractor import ingest
from extractor.config import Settings
from extractor.models import DocumentError, DocumentResult, PageReading, Source

OpenDocument = Callable[[Path, Settings], ingest.Document]
ReadPage = Callable[[ingest.Document, int, Settings], PageReading]
Assemble = Callable[[Source, list[PageReading], list[DocumentError], Settings], DocumentResult]
ToDict = Callable[[DocumentResult], dict[str, Any]]


@dataclass(frozen=True)
class Pipeline:
    open_document: OpenDocument
    read_page: ReadPage
    assemble: Assemble
    to_dict: ToDict  # the record-format JSON of a document (shared/record-format.md)


def _real_read_page(doc: ingest.Document, number: int, settings: Settings) -> PageReading:
    from extractor.pipeline import read_page

    return read_page(doc, number, settings)


def _real_assemble(
    source: Source, readings: list[PageReading], errors: list[DocumentError], settings: Settings
) -> DocumentResult:
    from extractor.pipeline import assemble

    return assemble(source, readings, _layouts(settings.layouts_dir), errors, settings)


def _real_to_dict(result: DocumentResult) -> dict[str, Any]:
    from extractor.emit import document_to_dict

    return document_to_dict(result)


@lru_cache(maxsize=4)
def _layouts(layouts_dir: Path) -> list[Any]:
    from extractor.layout.spec import load_layouts

    return load_layouts(layouts_dir)


def default_pipeline() -> Pipeline:
    return Pipeline(ingest.open_document, _real_read_page, _real_assemble, _real_to_dict)


def warm(settings: Settings) -> None:
    """Load what every task needs once per worker process: layouts and OCR engines."""
    _layouts(settings.layouts_dir)
    if settings.ocr_engine == "none":
        return
    from extractor import ocr

    name = ocr.DEFAULT if settings.ocr_engine == "auto" else settings.ocr_engine
    names = [name]
    if settings.ocr_second_opinion:
        names += ocr.OPINIONS.get(name, ())
    for n in names:
        ocr.get_engine(n)
