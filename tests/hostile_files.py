"""Hostile documents made on the fly, each a few kilobytes (nothing large is committed).

Written object by object, so every dictionary is exactly the attack: an A4 page that draws
a 40000 x 40000 image, or a small image with a huge soft mask (PDFium decodes a soft mask
whole), an inline image PDFium decodes whole when it loads the page, drawing instructions
that decode to hundreds of megabytes, forms that draw forms, an annotation's appearance;
and the page-size attacks of issue 14 (a 20000 pt page, a 14000 x 14000 PNG), a truncated
PDF and a non-document.
"""

from __future__ import annotations

import zlib
from pathlib import Path

A4_CONTENT = b"q 595 0 0 842 0 0 cm /Im0 Do Q"


def flate_of_zeros(n_bytes: int, twice: bool = True) -> tuple[bytes, str]:
    """n zero bytes Flate-encoded (twice: a few kilobytes for gigabytes), and the /Filter."""
    packer, parts, chunk = zlib.compressobj(1), [], bytes(1 << 24)
    left = n_bytes
    while left:
        parts.append(packer.compress(chunk[:min(left, len(chunk))]))
        left -= min(left, len(chunk))
    data = b"".join([*parts, packer.flush()])
    if twice:
        return zlib.compress(data, 9), "[/FlateDecode /FlateDecode]"
    return data, "/FlateDecode"


def stream(attrs: str, data: bytes) -> bytes:
    return f"<< {attrs} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def write_pdf(path: Path, page_attrs: str, content: bytes, extra: list[bytes] | None = None) -> Path:
    """One A4 page: objects 1-4 are catalog, pages, page, its content stream (`content`, a
    whole stream object); `extra` are objects 5, 6, ..."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {page_attrs}"
               " /Contents 4 0 R >>".encode(), content, *(extra or [])]
    return _raw_pdf(path, objects)


def image(side: int, bits: int = 8, smask: str = "") -> bytes:
    data, filters = flate_of_zeros(side * ((side * bits + 7) // 8))
    return stream(f"/Type /XObject /Subtype /Image /Width {side} /Height {side} /ColorSpace"
                  f" /DeviceGray /BitsPerComponent {bits} /Filter {filters}{smask}", data)


def huge_image_pdf(path: Path, side: int = 40000, bits: int = 1) -> Path:
    """An A4 page drawing one side x side image (1 bit: 40000^2 is 200 MB decoded)."""
    return write_pdf(path, "/Resources << /XObject << /Im0 5 0 R >> >>", stream("", A4_CONTENT),
                     [image(side, bits)])


def huge_soft_mask_pdf(path: Path, side: int = 40000) -> Path:
    """An A4 page drawing a 100 x 100 image whose soft mask is side x side pixels."""
    small = stream("/Type /XObject /Subtype /Image /Width 100 /Height 100 /ColorSpace /DeviceGray"
                   " /BitsPerComponent 8 /SMask 6 0 R", bytes(100 * 100))
    return write_pdf(path, "/Resources << /XObject << /Im0 5 0 R >> >>", stream("", A4_CONTENT),
                     [small, image(side)])


def soft_mask_in_an_annotation_pdf(path: Path, side: int = 40000) -> Path:
    """An empty A4 page with a stamp annotation whose appearance draws a 10 x 10 image with a
    side x side soft mask (PDFium draws annotations when it renders the page)."""
    appearance = stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100]"
                        " /Resources << /XObject << /I 6 0 R >> >>", b"q 100 0 0 100 0 0 cm /I Do Q")
    small = stream("/Type /XObject /Subtype /Image /Width 10 /Height 10 /ColorSpace /DeviceGray"
                   " /BitsPerComponent 8 /SMask 7 0 R", bytes(100))
    return write_pdf(path, "/Annots [<< /Type /Annot /Subtype /Stamp /Rect [0 0 100 100]"
                     " /AP << /N 5 0 R >> >>]", stream("", b""), [appearance, small, image(side)])


def huge_inline_image_pdf(path: Path, side: int = 30000) -> Path:
    """An A4 page whose content holds a side x side inline image (decoded when loaded)."""
    data, _ = flate_of_zeros(side * side, twice=False)
    content = (f"q 595 0 0 842 0 0 cm BI /W {side} /H {side} /CS /G /BPC 8 /F /Fl ID ".encode()
               + data + b"\nEI Q")
    return write_pdf(path, "", stream("/Filter /FlateDecode", zlib.compress(content, 9)))


def huge_content_pdf(path: Path, megabytes: int = 400) -> Path:
    """An A4 page whose drawing instructions decode to `megabytes` MB (spaces: no object)."""
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(b" " * (1 << 20)) for _ in range(megabytes)) + packer.flush()
    return write_pdf(path, "", stream("/Filter [/FlateDecode /FlateDecode]", zlib.compress(data, 9)))


def nested_forms_pdf(path: Path, levels: int = 6, fan_out: int = 40) -> Path:
    """Forms drawing forms: each of `levels` forms draws the next `fan_out` times; the last
    draws a rectangle. A few hundred bytes; fan_out ** levels rectangles to PDFium."""
    forms = []
    for level in range(levels):
        number = 5 + level
        if level < levels - 1:
            body = b" ".join([b"/F Do"] * fan_out)
            res = f"/Resources << /XObject << /F {number + 1} 0 R >> >>"
        else:
            body, res = b"0 0 1 1 re f", ""
        forms.append(stream(f"/Type /XObject /Subtype /Form /BBox [0 0 595 842] {res}", body))
    return write_pdf(path, "/Resources << /XObject << /F 5 0 R >> >>", stream("", b"/F Do"), forms)


def _raw_pdf(path: Path, objects: list[bytes]) -> Path:
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def huge_page_pdf(path: Path, side_pt: float = 20000.0) -> Path:
    """One blank side_pt x side_pt page (1 KB)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(side_pt, side_pt)
    pdf.save(str(path))
    pdf.close()
    return path


def huge_png(path: Path, side_px: int = 14000) -> Path:
    from PIL import Image

    Image.new("1", (side_px, side_px), 1).save(path, optimize=True)
    return path


def truncated_pdf(path: Path, source: Path) -> Path:
    """The first third of a real PDF: no cross-reference table, no %%EOF."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    return path


def not_a_document(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04 this is a zip archive named .pdf\n" * 64)
    return path
