"""What a PDF page will cost PDFium, read from the file's dictionaries before PDFium loads
or renders the page (issue 14: a page of normal size can still be a memory bomb).

PDFium streams most image decoding, but not all of it: an image's soft mask (/SMask) and a
stencil /Mask are decoded whole when the page is rendered (a 2 KB PDF of an A4 page drawing
a 30000 x 30000 soft mask peaks at 1 GB), and when a page is *loaded* it decodes its content
streams and the inline images in them whole (a 2 KB page with a 30000 x 30000 inline image:
1.7 GB before anything is rendered). So each page's content streams, the forms it draws
(counted as often as they are drawn, nested forms multiplied), its annotations' appearances,
its patterns and Type 3 glyphs are decoded here with a byte cap, and every image they draw,
with its masks, is measured by its /Width and /Height (masks and inline images against
the page budget, images against four times it: see image_limit); nothing is ever decoded
past the cap.

A page over the budget is refused with `page_too_large` (ingest.page_image); one whose
content or inline images are over it is never loaded by PDFium at all (`at_load`).
pdfminer reads the dictionaries (no image is decoded); a file it cannot read is checked by
PDFium's own image sizes instead, when the page is rendered (ingest.check_drawn_images).
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# a page's drawing instructions (its content streams and everything they draw, decoded) may
# take max_page_pixels / CONTENT_SHARE bytes: 10 MB at the default 40 M pixels, where a form
# page takes 0.1-1 MB; PDFium holds a few hundred bytes per drawn object on top
CONTENT_SHARE = 4
STREAMED_IMAGE_SHARE = 4  # an image (not a mask, not inline) may have this many times max_page_pixels
MAX_DEPTH = 12  # forms inside forms: deeper nesting is counted as over the budget
# what each form drawn costs on top of its instructions (PDFium parses a form at every draw):
# also bounds the walk over forms that draw many distinct forms to budget / FORM_COST visits
FORM_COST = 1024
_DELIM = rb"\s/\[\]<>(){}%"
DO = re.compile(rb"/([^" + _DELIM + rb"]+)\s*Do(?![^" + _DELIM + rb"])")
INLINE = re.compile(rb"(?<![^" + _DELIM + rb"])BI(?=[" + _DELIM + rb"])(.{0,2000}?)"
                    rb"(?<=[" + _DELIM + rb"])ID(?=\s)", re.S)
FLATE = ("FlateDecode", "Fl")
# the most one input byte of a content filter can decode to (LZW: a 12-bit code, 4096 bytes)
EXPANSION = {"LZWDecode": 2731, "LZW": 2731, "RunLengthDecode": 128, "RL": 128,
             "ASCII85Decode": 1, "A85": 1, "ASCIIHexDecode": 1, "AHx": 1}


@dataclass(frozen=True)
class Oversize:
    message: str
    at_load: bool  # True: PDFium must not even load the page (its content or inline images)


class _OverBudget(Exception):
    pass


@dataclass
class _Walk:
    max_pixels: int
    budget: int  # bytes of drawing instructions still allowed
    images: list[tuple[str, int, int]]  # (what, width, height) of every image drawn
    inline: list[tuple[int, int]]


def oversized_pages(path: Path, max_pixels: int) -> dict[int, Oversize]:
    """Page number -> why it is over the budget, for every page that is; {} when pdfminer
    cannot read the file (PDFium's image sizes are checked when the page is rendered)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    found: dict[int, Oversize] = {}
    try:
        with Path(path).open("rb") as f:
            doc = PDFDocument(PDFParser(f))
            for number, page in enumerate(PDFPage.create_pages(doc), 1):
                over = page_oversize(page, number, max_pixels)
                if over is not None:
                    found[number] = over
    except Exception as e:  # pdfminer is stricter than PDFium on some damaged files
        log.info("%s: page costs not read (%s: %s); PDFium's image sizes are checked instead",
                 Path(path).name, type(e).__name__, e)
        return {}
    return found


def page_oversize(page: Any, number: int, max_pixels: int) -> Oversize | None:
    """Why a pdfminer PDFPage is over the budget, or None."""
    cap = max_pixels // CONTENT_SHARE
    walk = _Walk(max_pixels, cap, [], [])
    try:
        content = b"".join(_decoded(s, walk) for s in _streams(page.contents))
        _draws(content, page.resources, walk, 1, 0)
        for stream, resources in _extras(page):
            _draws(_decoded(stream, walk), resources, walk, 1, 0)
    except _OverBudget:
        return Oversize(f"page {number}: its drawing instructions take more than {cap:,} bytes"
                        " decoded (EXTRACTOR_MAX_PAGE_PIXELS / 4), more than any form", True)
    for w, h in walk.inline:
        if w * h > max_pixels:
            return Oversize(_image_message(number, "an inline image", w, h, max_pixels), True)
    for what, w, h in walk.images:
        limit = max_pixels if what.startswith("the ") else image_limit(max_pixels)
        if w * h > limit:
            return Oversize(_image_message(number, what, w, h, limit), False)
    return None


def image_limit(max_pixels: int) -> int:
    """The pixels an image itself (not a mask) may have: PDFium decodes it a band at a time
    while rendering (a 40000 x 40000 image peaked at 141 MB), so a scan finer than the
    page budget (A3 at 600 dpi, 70 M pixels) is read, while one that no scanner makes,
    whose whole decode could still be asked for, is not."""
    return STREAMED_IMAGE_SHARE * max_pixels


def _image_message(number: int, what: str, w: int, h: int, max_pixels: int) -> str:
    return (f"page {number} draws {what} of {w} x {h} pixels, over {max_pixels:,}"
            " (EXTRACTOR_MAX_PAGE_PIXELS): it is not decoded")


def _draws(content: bytes, resources: Any, walk: _Walk, times: int, depth: int) -> None:
    """The images and forms that `content` draws (`times` over), measured into `walk`."""
    from pdfminer.pdftypes import PDFStream, resolve1

    walk.inline += [_inline_size(m.group(1)) for m in INLINE.finditer(content)]
    xobjects = resolve1((resolve1(resources) or {}).get("XObject")) or {}
    counts: dict[bytes, int] = {}
    for m in DO.finditer(content):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    for raw_name, n in counts.items():
        xobject = resolve1(xobjects.get(_name(raw_name)))
        if not isinstance(xobject, PDFStream):
            continue
        subtype = _literal(xobject.get("Subtype"))
        if subtype == "Image":
            walk.images += list(_image_sizes(xobject, "/" + _name(raw_name)))
        elif subtype == "Form":
            walk.budget -= FORM_COST * times * n
            if depth >= MAX_DEPTH or walk.budget < 0:
                raise _OverBudget
            inner = _decoded(xobject, walk, times * n)
            _draws(inner, xobject.get("Resources") or resources, walk, times * n, depth + 1)


def _image_sizes(image: Any, what: str) -> Iterator[tuple[str, int, int]]:
    from pdfminer.pdftypes import PDFStream, resolve1

    yield what, _int(image.get("Width")), _int(image.get("Height"))
    for key in ("SMask", "Mask"):
        mask = resolve1(image.get(key))
        if isinstance(mask, PDFStream):  # (a /Mask array is a colour range, no image)
            yield f"the {key} of {what}", _int(mask.get("Width")), _int(mask.get("Height"))


def _extras(page: Any) -> Iterator[tuple[Any, Any]]:
    """Other streams PDFium draws with the page: annotation appearances, tiling patterns,
    Type 3 glyph procedures; each (stream, its resources)."""
    from pdfminer.pdftypes import PDFStream, resolve1

    for annot in resolve1(page.annots) or []:
        appearance = resolve1((resolve1(annot) or {}).get("AP")) or {}
        normal = resolve1(appearance.get("N"))
        states = [normal] if isinstance(normal, PDFStream) else list((normal or {}).values())
        for state in map(resolve1, states):
            if isinstance(state, PDFStream):
                yield state, state.get("Resources")
    resources = resolve1(page.resources) or {}
    for pattern in map(resolve1, (resolve1(resources.get("Pattern")) or {}).values()):
        if isinstance(pattern, PDFStream):
            yield pattern, pattern.get("Resources")
    for font in map(resolve1, (resolve1(resources.get("Font")) or {}).values()):
        if isinstance(font, dict) and _literal(font.get("Subtype")) == "Type3":
            for proc in map(resolve1, (resolve1(font.get("CharProcs")) or {}).values()):
                if isinstance(proc, PDFStream):
                    yield proc, font.get("Resources") or resources


def _decoded(stream: Any, walk: _Walk, times: int = 1) -> bytes:
    """A content stream decoded, its bytes (times `times`) taken from the walk's budget;
    _OverBudget as soon as they would not fit. Flate (all a form page uses) is decoded
    here, stopping at the cap; the other filters by pdfminer, once their raw bytes times the
    most they can expand fit; a filter that is no content filter decodes to nothing."""
    from pdfminer.pdftypes import PDFStream, resolve1

    stream = resolve1(stream)
    if not isinstance(stream, PDFStream):
        return b""
    limit = walk.budget // max(1, times)
    if stream.rawdata is None:  # pdfminer decoded it already
        data = stream.data or b""
    else:
        data = stream.rawdata
        if stream.decipher and stream.objid is not None and stream.genno is not None:
            data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
        for name, _params in stream.get_filters():
            data = _decode_one(_literal(name), data, limit)
    if len(data) > limit:
        raise _OverBudget
    walk.budget -= len(data) * times
    return bytes(data)


def _decode_one(name: str, data: bytes, limit: int) -> bytes:
    """One filter's output, or `limit` + 1 bytes when it would be over the limit."""
    if name in FLATE:
        return _inflate(data, limit)
    if name not in EXPANSION:
        return b""
    if len(data) * EXPANSION[name] > limit:
        return b"\0" * (limit + 1)
    from pdfminer import ascii85, lzw, runlength

    decode = {"LZWDecode": lzw.lzwdecode, "LZW": lzw.lzwdecode, "RunLengthDecode": runlength.rldecode,
              "RL": runlength.rldecode, "ASCII85Decode": a85decode, "A85": a85decode,
              "ASCIIHexDecode": ascii85.asciihexdecode, "AHx": ascii85.asciihexdecode}[name]
    return bytes(decode(data))


A85_SPACE = re.compile(rb"\s+")


def a85decode(data: bytes) -> bytes:
    """ASCII85 (as PDF writes it: `z` for four zero bytes, `~>` at the end) decoded by
    numpy, a group of five characters at a time: pdfminer's decoder, Python's
    base64.a85decode, loops over every character in Python, and reportlab writes every
    content stream so (it was most of the cost of measuring a born-digital annex)."""
    import numpy as np
    from pdfminer import ascii85

    body = A85_SPACE.sub(b"", data)
    end = body.find(b"~>")
    body = (body if end < 0 else body[:end]).replace(b"z", b"!!!!!")
    if body.startswith(b"<~"):
        body = body[2:]
    tail = len(body) % 5
    padded = body + b"u" * ((5 - tail) % 5)
    digits = np.frombuffer(padded, np.uint8).astype(np.int64) - 33
    if digits.size == 0 or digits.min() < 0 or digits.max() > 84:
        return bytes(ascii85.ascii85decode(data))  # not clean ASCII85: pdfminer's leniency
    groups = digits.reshape(-1, 5) @ np.array([85**4, 85**3, 85**2, 85, 1], np.int64)
    out = (groups & 0xFFFFFFFF).astype(">u4").tobytes()
    return out[: len(out) - (5 - tail) % 5] if tail else out


def _inflate(data: bytes, limit: int) -> bytes:
    """Flate data decoded up to `limit` + 1 bytes (more is never produced); of damaged data,
    what decodes before the damage (as PDFium keeps it)."""
    inflate, out = zlib.decompressobj(), bytearray()
    for start in range(0, len(data), 1 << 16):
        try:
            out += inflate.decompress(inflate.unconsumed_tail + data[start:start + (1 << 16)],
                                      limit + 1 - len(out))
        except zlib.error:
            break
        if len(out) > limit or inflate.eof:
            break
    return bytes(out)


def _inline_size(head: bytes) -> tuple[int, int]:
    width = re.search(rb"/(?:W|Width)\s+(\d+)", head)
    height = re.search(rb"/(?:H|Height)\s+(\d+)", head)
    return (int(width.group(1)) if width else 0, int(height.group(1)) if height else 0)


def _streams(contents: Any) -> list[Any]:
    from pdfminer.pdftypes import resolve1

    contents = resolve1(contents)
    return list(contents) if isinstance(contents, list) else [contents] if contents else []


def _name(raw: bytes) -> str:
    """A PDF name's text, #xx escapes decoded (pdfminer's resource keys are decoded)."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode(
        "latin-1")


def _literal(value: Any) -> str:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    return str(getattr(value, "name", value))


def _int(value: Any) -> int:
    from pdfminer.pdftypes import resolve1

    value = resolve1(value)
    return int(value) if isinstance(value, int | float) else 0
