"""Open documents kept per worker process, keyed by the stored file (named by its sha256 and
never modified): the pages of a few annexes arrive interleaved, and opening one (hashing
it, finding each page's kind) costs more than reading a text page of it. At most
OPEN_DOCUMENTS, the least recently used closed first, all closed when the process ends.

A page reads the same from a document opened for it and from one that other pages were
read from before, in any order (tests/test_service_pages.py), so what a worker read before
never changes a record.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from pathlib import Path

from extractor import ingest
from extractor.config import Settings

log = logging.getLogger(__name__)

OPEN_DOCUMENTS = 4
_open_docs: OrderedDict[str, ingest.Document] = OrderedDict()


def open_stored(store_path: str, settings: Settings) -> ingest.Document:
    doc = _open_docs.get(store_path)
    if doc is not None:
        _open_docs.move_to_end(store_path)
        return doc
    doc = ingest.open_document(Path(store_path), settings)
    _open_docs[store_path] = doc
    while len(_open_docs) > OPEN_DOCUMENTS:
        _close(_open_docs.popitem(last=False)[1])
    return doc


def close_all() -> None:
    while _open_docs:
        _close(_open_docs.popitem()[1])


def _close(doc: ingest.Document) -> None:
    try:
        doc.close()
    except Exception:
        log.debug("closing a cached document", exc_info=True)
