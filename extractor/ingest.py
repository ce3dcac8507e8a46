"""Bytes in, pages out: open a PDF (text layer or image pages) or an image file.

Every way a file can be unreadable ends here as a DocumentOpenError with a
stable code, so the rest of the pipeline only sees documents it can read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from extractor import pdf_cost
from extractor.config import Settings
from extractor.errors import DocumentOpenError, ErrorCode, PermanentError
from extractor.models import DocumentKind, Page, PageKind

PDF_MAGIC = b"%PDF-"
# a page that fits EXTRACTOR_MAX_PAGE_PIXELS only below this dpi is larger than any form
# (at 40 M pixels: about 4550 x 4550 pt, five times A0's area): it is refused, not rendered
MIN_RENDER_DPI = 100
DEFAULT_MAX_PAGE_PIXELS = 40_000_000  # Settings.max_page_pixels
IMAGE_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "png",
    b"\xff\xd8\xff": "jpeg",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
}


@dataclass
class Document:
    path: Path
    sha256: str
    format: str  # "pdf" | "png" | "jpeg" | "tiff"
    pages: list[Page]
    pdf: Any = None  # pypdfium2.PdfDocument for PDFs
    images: list[Any] = field(default_factory=list)  # PIL images for image files
    # page number -> why it is over the page budget (extractor/pdf_cost.py): page_too_large
    oversized: dict[int, str] = field(default_factory=dict)
    _plumber: Any = None

    def plumber(self) -> Any:
        """The same PDF through pdfplumber, opened on first use (the reference reader)."""
        if self._plumber is None:
            import pdfplumber

            self._plumber = pdfplumber.open(self.path)
        return self._plumber

    @property
    def kind(self) -> DocumentKind:
        kinds = {p.kind for p in self.pages}
        if kinds == {"text"}:
            return "born_digital"
        if kinds == {"image"}:
            return "scanned"
        return "mixed" if kinds else "born_digital"

    def close(self) -> None:
        if self.pdf is not None:
            self.pdf.close()
        if self._plumber is not None:
            self._plumber.close()
        for im in self.images:
            im.close()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sniff_format(path: Path) -> str:
    try:
        size = path.stat().st_size
    except FileNotFoundError as e:
        raise DocumentOpenError(f"{path}: no such file", code=ErrorCode.FILE_NOT_FOUND) from e
    if size == 0:
        raise DocumentOpenError(f"{path.name}: the file is empty", code=ErrorCode.EMPTY_FILE)
    with path.open("rb") as f:
        head = f.read(1024)
    if PDF_MAGIC in head:
        return "pdf"
    for magic, fmt in IMAGE_MAGIC.items():
        if head.startswith(magic):
            return fmt
    raise DocumentOpenError(
        f"{path.name}: not a PDF, TIFF, PNG or JPEG file", code=ErrorCode.NOT_A_DOCUMENT
    )


def open_document(path: Path, settings: Settings) -> Document:
    path = Path(path)
    fmt = sniff_format(path)
    if path.stat().st_size > settings.max_file_mb * 1024 * 1024:
        raise DocumentOpenError(
            f"{path.name}: larger than {settings.max_file_mb} MB", code=ErrorCode.NOT_A_DOCUMENT
        )
    digest = sha256_file(path)
    if fmt == "pdf":
        return _open_pdf(path, digest, settings)
    return _open_image(path, digest, fmt, settings)


def _open_pdf(path: Path, digest: str, settings: Settings) -> Document:
    import pypdfium2 as pdfium

    from extractor.grid.pdfium_page import is_text_page

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise DocumentOpenError(
                f"{path.name}: the PDF is encrypted with a password", code=ErrorCode.ENCRYPTED_PDF
            ) from e
        truncated = "" if _has_eof_marker(path) else " (truncated: no %%EOF at the end)"
        raise DocumentOpenError(
            f"{path.name}: the PDF cannot be parsed{truncated} ({e})", code=ErrorCode.CORRUPT_PDF
        ) from e
    n = len(pdf)
    if n == 0:
        pdf.close()
        raise DocumentOpenError(f"{path.name}: the PDF has no pages", code=ErrorCode.CORRUPT_PDF)
    if n > settings.max_pages:
        pdf.close()
        raise DocumentOpenError(
            f"{path.name}: {n} pages, more than the limit of {settings.max_pages}"
            " (EXTRACTOR_MAX_PAGES)",
            code=ErrorCode.TOO_MANY_PAGES,
        )
    oversized = pdf_cost.oversized_pages(path, settings.max_page_pixels)
    pages = []
    for i in range(n):
        over = oversized.get(i + 1)
        if over is not None and over.at_load:  # PDFium would decode it whole just to load it
            w, h = pdf.get_page_size(i)
            pages.append(Page(i + 1, float(w), float(h), "image"))
            continue
        page = pdf[i]
        try:
            w, h = page.get_size()
            kind: PageKind = "text" if is_text_page(page) else "image"
        finally:
            page.close()
        pages.append(Page(i + 1, float(w), float(h), kind))
    return Document(path, digest, "pdf", pages, pdf=pdf,
                    oversized={k: v.message for k, v in oversized.items()})


def _has_eof_marker(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 2048))
        return b"%%EOF" in f.read()


def _open_image(path: Path, digest: str, fmt: str, settings: Settings) -> Document:
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
    try:
        im = Image.open(path)
        frames = getattr(im, "n_frames", 1)
    except Image.DecompressionBombError as e:
        raise DocumentOpenError(f"{path.name}: {e}", code=ErrorCode.IMAGE_TOO_LARGE) from e
    except Exception as e:
        raise DocumentOpenError(
            f"{path.name}: the image cannot be read ({e})", code=ErrorCode.NOT_A_DOCUMENT
        ) from e
    if frames > settings.max_pages:
        raise DocumentOpenError(
            f"{path.name}: {frames} pages, more than {settings.max_pages}",
            code=ErrorCode.TOO_MANY_PAGES,
        )
    pages = []
    for i in range(frames):
        im.seek(i)
        w, h = im.size
        if w * h > settings.max_image_pixels:
            raise DocumentOpenError(
                f"{path.name}: page {i + 1} is {w}x{h} pixels, over the limit",
                code=ErrorCode.IMAGE_TOO_LARGE,
            )
        dpi = _image_dpi(im)
        pages.append(Page(i + 1, w * 72.0 / dpi, h * 72.0 / dpi, "image"))
    return Document(path, digest, fmt, pages, images=[im])


def _image_dpi(im: Any) -> float:
    dpi = im.info.get("dpi")
    if dpi and dpi[0] and float(dpi[0]) > 30:
        return float(dpi[0])
    return 300.0


def render_dpi(page: Page, dpi: int, max_pixels: int) -> int:
    """The dpi a PDF page is rendered at: `dpi`, or lower so that the page takes at most
    `max_pixels`, known from its size before anything is allocated; page_too_large when
    that would be below MIN_RENDER_DPI."""
    pixels = page.width * page.height * (dpi / 72.0) ** 2
    if pixels <= max_pixels:
        return dpi
    fitted = int(dpi * (max_pixels / pixels) ** 0.5)
    if fitted < MIN_RENDER_DPI:
        raise PermanentError(
            f"page {page.number} is {page.width:.0f} x {page.height:.0f} pt: over"
            f" {max_pixels:,} pixels even at {MIN_RENDER_DPI} dpi (EXTRACTOR_MAX_PAGE_PIXELS),"
            " larger than any form", code=ErrorCode.PAGE_TOO_LARGE, page=page.number)
    return fitted


def check_image_page(number: int, width: int, height: int, max_pixels: int) -> None:
    """An image page is decoded at its own size: over `max_pixels` it is refused unread."""
    if width * height > max_pixels:
        raise PermanentError(
            f"page {number} is {width} x {height} pixels, over {max_pixels:,}"
            " (EXTRACTOR_MAX_PAGE_PIXELS): scan it at 300 dpi", code=ErrorCode.PAGE_TOO_LARGE,
            page=number)


def page_image(doc: Document, number: int, dpi: int,
               max_pixels: int = DEFAULT_MAX_PAGE_PIXELS) -> tuple[np.ndarray, float]:
    """The page as an RGB array and its scale in pixels per PDF point, never more than
    `max_pixels` (a larger PDF page at a lower dpi, or page_too_large)."""
    if doc.format == "pdf":
        dpi = render_dpi(doc.pages[number - 1], dpi, max_pixels)
        if number in doc.oversized:
            raise PermanentError(doc.oversized[number], code=ErrorCode.PAGE_TOO_LARGE, page=number)
        page = doc.pdf[number - 1]
        try:
            check_drawn_images(page, number, max_pixels)
            native = scanned_image(page, dpi)
            if native is not None:
                return native
            arr = _bitmap_rgb(page.render(scale=dpi / 72.0))
        finally:
            page.close()
        return arr, dpi / 72.0
    im = doc.images[0]
    im.seek(number - 1)
    check_image_page(number, im.size[0], im.size[1], max_pixels)
    src_dpi = _image_dpi(im)
    return np.asarray(im.convert("RGB")), src_dpi / 72.0


def check_drawn_images(page: Any, number: int, max_pixels: int) -> None:
    """PDFium's own sizes of the images the page draws (forms opened), each within
    pdf_cost.image_limit: the net under pdf_cost's reading, which also sees masks."""
    import pypdfium2.raw as pdfium_c

    limit = pdf_cost.image_limit(max_pixels)
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=8):
        width, height = image.get_px_size()
        if width * height > limit:
            raise PermanentError(
                f"page {number} draws an image of {width} x {height} pixels, over"
                f" {limit:,} (4 x EXTRACTOR_MAX_PAGE_PIXELS): it is not decoded",
                code=ErrorCode.PAGE_TOO_LARGE, page=number)


def scanned_image(page: Any, dpi: int) -> tuple[np.ndarray, float] | None:
    """A scanned page's own pixels, where the page is one upright image covering it, no
    finer than `dpi`, with nothing drawn over it: rendering would only resample them.
    None otherwise (the page is rendered)."""
    import pypdfium2.raw as pdfium_c

    if page.get_rotation() % 360:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    image = objects[0]
    width, height = page.get_size()
    m = image.get_matrix()
    if m.b or m.c or abs(m.e) > 1 or abs(m.f) > 1 or abs(m.a - width) > 1 or abs(m.d - height) > 1:
        return None  # placed rotated, flipped or not over the whole page
    px_w, px_h = image.get_px_size()
    scale = px_w / width
    if scale > dpi / 72.0 * 1.02 or abs(px_h / height - scale) > 0.01 * scale:
        return None
    try:
        bitmap = image.get_bitmap(render=False)
    except Exception:  # a filter PDFium does not decode alone: the page is rendered
        return None
    arr = _as_rgb(bitmap)
    return None if arr is None else (arr, scale)


def _bitmap_rgb(bitmap: Any) -> np.ndarray:
    """A rendered page as an RGB array (through PIL only for a mode OpenCV is not given)."""
    arr = _as_rgb(bitmap)
    return np.asarray(bitmap.to_pil().convert("RGB")) if arr is None else arr


def _as_rgb(bitmap: Any) -> np.ndarray | None:
    """A PDFium bitmap as an RGB array, converted by OpenCV (the same pixels as through
    PIL, without its two copies); None for other modes."""
    import cv2

    codes = {"BGR": cv2.COLOR_BGR2RGB, "BGRA": cv2.COLOR_BGRA2RGB, "BGRX": cv2.COLOR_BGRA2RGB,
             "L": cv2.COLOR_GRAY2RGB}
    if bitmap.mode not in codes:
        return None
    return cv2.cvtColor(bitmap.to_numpy(), codes[bitmap.mode])


@contextmanager
def opened(path: Path, settings: Settings) -> Iterator[Document]:
    doc = open_document(path, settings)
    try:
        yield doc
    finally:
        doc.close()
