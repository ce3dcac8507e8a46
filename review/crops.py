"""Page images and cell crops, rendered from the stored document and cached on disk.

Paths are made here from what the store holds (the document's sha256, a
page number, a bbox in points), never from a request: the API looks a crop
up by record id + cell key. The cache lives under the store:

    <store>/review-cache/<sha[:2]>/<sha>/p<page>.png           the page at PAGE_DPI
    <store>/review-cache/<sha[:2]>/<sha>/p<page>-<x0>_<y0>_<x1>_<y1>.png   a cell
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from extractor import ingest
from extractor.config import Settings
from extractor.errors import ExtractError

PAGE_DPI = 150
MARGIN_PT = 4.0
MAX_CROP_PT = 1200.0
_SHA = re.compile(r"^[0-9a-f]{64}$")
_render_lock = threading.Lock()  # PDFium is not thread-safe; uvicorn runs handlers in threads


class CropError(Exception):
    pass


class Crops:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.store) / "review-cache"

    def _dir(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise CropError("bad document hash")
        return self.root / sha256[:2] / sha256

    def page_png(self, store_path: str, sha256: str, page: int) -> Path:
        """The page as a PNG at PAGE_DPI (rendered once)."""
        path = self._dir(sha256) / f"p{int(page)}.png"
        if path.exists():
            return path
        with _render_lock:
            if path.exists():
                return path
            try:
                with ingest.opened(Path(store_path), self.settings) as doc:
                    if not 1 <= page <= len(doc.pages):
                        raise CropError(f"no page {page}")
                    arr, scale = ingest.page_image(doc, page, PAGE_DPI, self.settings.max_page_pixels)
            except ExtractError as e:  # a page over the memory budget, a file gone bad
                raise CropError(f"page {page} cannot be shown: {e.code.value}: {e}") from e
            image = Image.fromarray(arr)
            if doc.format != "pdf":  # scans keep their own resolution: bring them to PAGE_DPI
                factor = (PAGE_DPI / 72.0) / scale
                image = image.resize((round(image.width * factor), round(image.height * factor)))
            _save_png(image, path)
        return path

    def crop_png(self, store_path: str, sha256: str, page: int, bbox: Sequence[float]) -> Path:
        """The cell at `bbox` (points, origin top-left) with a small margin."""
        x0, y0, x1, y1 = (float(v) for v in bbox)
        if not (x1 > x0 and y1 > y0) or max(x1 - x0, y1 - y0) > MAX_CROP_PT:
            raise CropError("bad bbox")
        name = f"p{int(page)}-{x0:.1f}_{y0:.1f}_{x1:.1f}_{y1:.1f}.png"
        path = self._dir(sha256) / name
        if path.exists():
            return path
        page_path = self.page_png(store_path, sha256, page)
        s = PAGE_DPI / 72.0
        with Image.open(page_path) as im:
            box = (
                max(0, round((x0 - MARGIN_PT) * s)), max(0, round((y0 - MARGIN_PT) * s)),
                min(im.width, round((x1 + MARGIN_PT) * s)), min(im.height, round((y1 + MARGIN_PT) * s)),
            )
            if box[2] <= box[0] or box[3] <= box[1]:
                raise CropError("the bbox is outside the page")
            _save_png(im.crop(box), path)
        return path

    def page_size_pt(self, page_path: Path) -> tuple[float, float]:
        with Image.open(page_path) as im:
            return im.width * 72.0 / PAGE_DPI, im.height * 72.0 / PAGE_DPI


def _save_png(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".png-")
    os.close(fd)
    try:
        image.save(tmp, format="PNG", optimize=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
