"""Open documents kept per worker process, keyed by the stored file (named by its sha256 and
never modified): the pages of a few annexes arrive interleaved, and opening one costs more
than reading a text page of it. At most OPEN_DOCUMENTS of each kind below, the least
recently used closed first, all closed when the process ends.

Two ways to open a stored file:

- `open_stored`: extractor.ingest.open_document, every check of ingest (each page's kind,
  the page budget of pdf_cost: about 100 ms for the 50-page sample annex, half of it the
  budget). The start step, image pages and anything not known to be a text page.
- `open_for_text`: the stored PDF through PDFium with the pages as the start step recorded
  them from ingest (kind, width, height: store migration 0005), for reading text pages
  only (about 1 ms). A text page reads from PDFium and its size alone
  (extractor.pipeline.read_page); every page ingest would not load as text (a page the
  budget refuses to load, a scan) is an image page and always takes `open_stored`.

A page reads the same from either, and from a document that other pages were read from
before, in any order (tests/test_service_pages.py), so what a worker read before never
changes a record.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from extractor import ingest
from extractor.config import Settings
from extractor.models import Page

log = logging.getLogger(__name__)

OPEN_DOCUMENTS = 4
_open_docs: OrderedDict[str, ingest.Document] = OrderedDict()
_text_docs: OrderedDict[str, ingest.Document] = OrderedDict()  # open_for_text's

# (page, kind, width, height) of every page of a stored document, as its start step recorded
PageSizes = Callable[[], list[tuple[int, str, float | None, float | None]]]


def open_stored(store_path: str, settings: Settings) -> ingest.Document:
    doc = _cached(_open_docs, store_path)
    if doc is None:
        doc = _keep(_open_docs, store_path, ingest.open_document(Path(store_path), settings))
    return doc


def open_for_text(store_path: str, sha256: str, number: int, sizes: PageSizes,
                  settings: Settings) -> ingest.Document:
    """A document to read page `number` from: this process's full open if it has one, else
    the light one when `number` is a text page with its size recorded, else the full open."""
    doc = _cached(_open_docs, store_path) or _cached(_text_docs, store_path)
    if doc is None:
        doc = _light(store_path, sha256, sizes)
    if doc is not None and doc.pages[number - 1].kind == "text":
        return doc
    return open_stored(store_path, settings)


def _light(store_path: str, sha256: str, sizes: PageSizes) -> ingest.Document | None:
    pages: list[Page] = []
    for n, kind, width, height in sizes():
        if width is None or height is None or n != len(pages) + 1:
            return None  # recorded before their sizes were (or not every page)
        pages.append(Page(n, width, height, "text" if kind == "text" else "image"))
    if not any(p.kind == "text" for p in pages):
        return None  # nothing to read this way (a scan, an image file)
    try:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(store_path)
    except Exception:  # gone or unreadable: the full open says so with its error code
        log.debug("%s: no light open", store_path, exc_info=True)
        return None
    return _keep(_text_docs, store_path, ingest.Document(Path(store_path), sha256, "pdf", pages, pdf=pdf))


def _cached(cache: OrderedDict[str, ingest.Document], key: str) -> ingest.Document | None:
    doc = cache.get(key)
    if doc is not None:
        cache.move_to_end(key)
    return doc


def _keep(cache: OrderedDict[str, ingest.Document], key: str, doc: ingest.Document) -> ingest.Document:
    cache[key] = doc
    while len(cache) > OPEN_DOCUMENTS:
        _close(cache.popitem(last=False)[1])
    return doc


def close_all() -> None:
    for cache in (_open_docs, _text_docs):
        while cache:
            _close(cache.popitem()[1])


def _close(doc: ingest.Document) -> None:
    try:
        doc.close()
    except Exception:
        log.debug("closing a cached document", exc_info=True)
