"""Printed-and-scanned copies of the born-digital samples, at three levels.

    python -m samples.scan_sim [--forms 8] [--out samples/scans]

For each level (clean, typical, hard) the pages of the first N forms of each
source PDF (plus its first two-page form if none is among them) are rendered,
degraded as a scanner and a desk would (dpi, grey or colour, skew, scale and
offset, blur, noise, JPEG artefacts, low contrast, a red round seal over the
实施单位 value or the 总分 row, a signature stroke, speckles, a dark scanner
edge; a fax-like binarised variant) and written as image-only PDFs, one
multi-page TIFF and a few PNG/JPEG pages. Everything is seeded: the same
command writes the same files. samples/scans/manifest.json says which source
forms and pages each file holds; the expected records are those of the
source forms in samples/expected/<source stem>.json.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

SAMPLES = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
LEVELS = ("clean", "typical", "hard")
SOURCES = {"direct": "digital/annex2-2022-direct.pdf", "word": "digital/annex2-2022-word.pdf"}


@dataclass(frozen=True)
class Degrade:
    dpi: int
    colour: bool
    skew: float  # degrees
    scale: float
    offset: tuple[int, int]  # pixels
    blur: float  # gaussian sigma, pixels at 300 dpi
    noise: float  # gaussian sigma, grey levels
    jpeg: int  # quality
    contrast: float  # 1 = full; ink and paper pulled together below 1
    seal: str  # "" | "unit" | "total"
    signature: bool
    speckles: int
    edge: int  # dark scanner edge width in pixels, 0 = none
    fax: bool  # binarised, fax-like


def params(level: str, key: str) -> Degrade:
    """The degradation of one page, drawn from a seed made of the level and the page key."""
    rng = np.random.default_rng(zlib.crc32(f"{level}:{key}".encode()))
    u = rng.uniform
    if level == "clean":
        return Degrade(300, bool(rng.random() < 0.3), u(-0.3, 0.3), 1.0, (0, 0), 0.3, 1.5,
                       60, 1.0, "", False, 0, 0, False)
    if level == "typical":
        return Degrade(
            int(rng.choice([200, 300])), bool(rng.random() < 0.6), u(-1.5, 1.5), u(0.985, 1.015),
            (int(u(-12, 12)), int(u(-12, 12))), u(0.4, 0.8), u(2, 5), int(u(55, 72)),
            u(0.8, 0.95), str(rng.choice(["", "unit", "total"], p=[0.5, 0.25, 0.25])),
            bool(rng.random() < 0.5), int(u(0, 60)), 0, False,
        )
    return Degrade(
        int(rng.choice([200, 300])), bool(rng.random() < 0.7), u(-3, 3), u(0.97, 1.03),
        (int(u(-25, 25)), int(u(-25, 25))), u(0.7, 1.2), u(4, 9), int(u(35, 50)),
        u(0.6, 0.8), str(rng.choice(["unit", "total"])), True, int(u(50, 250)),
        int(rng.choice([0, 20, 40])), bool(rng.random() < 0.2),
    )


# --- drawing the marks -------------------------------------------------------------


def seal_layer(size: int, text: str, rng: np.random.Generator) -> Image.Image:
    """A red round 公章: ring, five-pointed star, the unit's name along the upper arc (L mask)."""
    im = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(im)
    c, r = size / 2, size / 2 - 2
    d.ellipse((c - r, c - r, c + r, c + r), outline=255, width=max(3, size // 28))
    star = [(c + r * 0.3 * math.cos(math.radians(-90 + i * 144)),
             c + r * 0.3 * math.sin(math.radians(-90 + i * 144))) for i in range(5)]
    d.polygon(star, fill=255)
    font = ImageFont.truetype(FONT, max(8, size // 9))
    n = len(text)
    for i, ch in enumerate(text):
        ang = math.radians(-150 + 120 * (i + 0.5) / n)
        glyph = Image.new("L", (size // 7, size // 7), 0)
        ImageDraw.Draw(glyph).text((0, 0), ch, fill=255, font=font)
        glyph = glyph.rotate(-math.degrees(ang) - 90, expand=True)
        x = c + r * 0.72 * math.cos(ang) - glyph.width / 2
        y = c + r * 0.72 * math.sin(ang) - glyph.height / 2
        im.paste(255, (int(x), int(y)), glyph)
    mottle = rng.uniform(0.55, 1.0, (size, size))  # uneven ink
    return Image.fromarray((np.asarray(im) * mottle).astype(np.uint8))


def stamp(page: np.ndarray, centre: tuple[int, int], size: int, rng: np.random.Generator) -> None:
    mask = np.asarray(seal_layer(size, "北京市朝阳区司法局", rng)).astype(np.float32) / 255
    x0, y0 = centre[0] - size // 2, centre[1] - size // 2
    h, w = page.shape[:2]
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(w, x0 + size), min(h, y0 + size)
    m = mask[ya - y0:yb - y0, xa - x0:xb - x0, None] * 0.85
    red = np.array([205, 35, 45], np.float32)
    region = page[ya:yb, xa:xb].astype(np.float32)
    page[ya:yb, xa:xb] = (region * (1 - m) + np.minimum(region, red) * m).astype(np.uint8)


def signature(page: np.ndarray, origin: tuple[int, int], px: float, rng: np.random.Generator) -> None:
    """A handwritten-looking stroke: a sum of sines along a slanted baseline."""
    n = 400
    t = np.linspace(0, 1, n)
    length = px * rng.uniform(60, 110)
    xs = origin[0] + t * length
    ys = origin[1] + px * (6 * np.sin(t * rng.uniform(12, 20)) + 3 * np.sin(t * 41) - 8 * t)
    pts = np.stack([xs, ys], axis=1).astype(np.int32)
    colour = (25, 30, 90) if rng.random() < 0.7 else (20, 20, 20)
    cv2.polylines(page, [pts], False, colour, max(2, int(px * 0.9)), cv2.LINE_AA)


def speckle(page: np.ndarray, count: int, rng: np.random.Generator) -> None:
    h, w = page.shape[:2]
    for _ in range(count):
        cv2.circle(page, (int(rng.uniform(0, w)), int(rng.uniform(0, h))),
                   int(rng.integers(1, 3)), (40, 40, 40), -1)


def dark_edge(page: np.ndarray, width: int, rng: np.random.Generator) -> None:
    ramp = np.linspace(30, 200, width)[None, :, None]
    if rng.random() < 0.5:
        page[:, :width] = np.minimum(page[:, :width], ramp.astype(np.uint8))
    else:
        page[:width, :] = np.minimum(page[:width, :], ramp.transpose(1, 0, 2).astype(np.uint8))


# --- one page ------------------------------------------------------------------------


def anchors(pdf_page: Any) -> dict[str, tuple[float, float]]:
    """Where a seal goes, in points: right of 实施单位, and on the 总分 row's score cells."""
    out = {}
    for label, key, dx in (("实施单位", "unit", 95.0), ("总分", "total", 150.0)):
        hits = pdf_page.search(label)
        if hits:
            h = hits[-1]
            out[key] = (float(h["x1"]) + dx, (float(h["top"]) + float(h["bottom"])) / 2)
    return out


def degrade_page(rgb: np.ndarray, p: Degrade, anchor: dict[str, tuple[float, float]],
                 rng: np.random.Generator) -> Image.Image:
    px = p.dpi / 72.0
    page = rgb.copy()
    if p.seal and p.seal in anchor:
        x, y = anchor[p.seal]
        stamp(page, (int(x * px), int(y * px)), int(110 * px), rng)
    if p.signature:
        where = anchor.get("total", (300.0, 700.0))
        signature(page, (int((where[0] - 200) * px), int((where[1] + 30) * px)), px, rng)
    speckle(page, p.speckles, rng)
    page = _geometry(page, p)
    if p.edge:
        dark_edge(page, p.edge, rng)
    page = _photometry(page, p, rng)
    if p.fax:
        g = cv2.cvtColor(page, cv2.COLOR_RGB2GRAY)
        return Image.fromarray(np.where(g > 150, 255, 0).astype(np.uint8)).convert("1")
    return Image.fromarray(page) if p.colour else Image.fromarray(page).convert("L")


def _geometry(page: np.ndarray, p: Degrade) -> np.ndarray:
    h, w = page.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), p.skew, p.scale)
    m[:, 2] += p.offset
    return cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def _photometry(page: np.ndarray, p: Degrade, rng: np.random.Generator) -> np.ndarray:
    sigma = p.blur * p.dpi / 300
    f = page.astype(np.float32)
    if sigma > 0.2:
        f = cv2.GaussianBlur(f, (0, 0), sigma)
    paper = 245.0
    f = paper - (paper - f * (paper / 255)) * p.contrast
    f += rng.normal(0, p.noise, f.shape[:2])[:, :, None]
    return np.clip(f, 0, 255).astype(np.uint8)


def jpeg_bytes(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


# --- files ---------------------------------------------------------------------------


def render(src: Path, page_no: int, dpi: int) -> tuple[np.ndarray, Any]:
    import pdfplumber
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(src))
    try:
        rgb = np.asarray(doc[page_no - 1].render(scale=dpi / 72).to_pil().convert("RGB"))
    finally:
        doc.close()
    with pdfplumber.open(src) as pdf:
        pg = pdf.pages[page_no - 1]
        return rgb, (anchors(pg), float(pg.width), float(pg.height))


def scanned_pages(
    src: Path, pages: list[int], level: str, tag: str, dpi: int = 0
) -> list[tuple[Image.Image, Degrade, float, float]]:
    out = []
    for n in pages:
        p = params(level, f"{tag}:{n}")
        p = replace(p, dpi=dpi) if dpi else p
        rgb, (anchor, w, h) = render(src, n, p.dpi)
        rng = np.random.default_rng(zlib.crc32(f"marks:{level}:{tag}:{n}".encode()))
        out.append((degrade_page(rgb, p, anchor, rng), p, w, h))
    return out


def write_pdf(path: Path, pages: list[tuple[Image.Image, Degrade, float, float]]) -> None:
    """Image-only PDF: each page one JPEG (or, for fax pages, a 1-bit PNG) at the page size."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pageCompression=1, invariant=1)  # same bytes every run
    for im, p, w, h in pages:
        c.setPageSize((w, h))
        data = _png_bytes(im) if p.fax else jpeg_bytes(im, p.jpeg)
        c.drawImage(ImageReader(io.BytesIO(data)), 0, 0, w, h)
        c.showPage()
    c.save()


def _png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def form_subset(forms: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    chosen = forms[:n]
    if not any(len(f["pages"]) > 1 for f in chosen):
        two = next((f for f in forms if len(f["pages"]) > 1), None)
        if two is not None:
            chosen = [*chosen[: n - 1], two]
    return chosen


def entry(file: Path, source: str, level: str, forms: list[dict[str, Any]],
          pages: list[tuple[Image.Image, Degrade, float, float]]) -> dict[str, Any]:
    scan_page = 1
    out_forms = []
    for f in forms:
        out_forms.append({"form": f["form"], "project_name": f.get("project_name", ""),
                          "source_pages": f["pages"],
                          "pages": list(range(scan_page, scan_page + len(f["pages"])))})
        scan_page += len(f["pages"])
    return {"file": file.name, "source": source, "level": level,
            "expected": f"expected/{Path(source).stem}.json", "forms": out_forms,
            "degradation": [asdict(p) for _, p, _, _ in pages]}


def make_all(out: Path, n_forms: int) -> dict[str, Any]:
    page_map = json.loads((SAMPLES / "truth" / "page-map.json").read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for tag, source in SOURCES.items():
        src = SAMPLES / source
        forms = form_subset(page_map[tag]["forms"], n_forms)
        for level in LEVELS if tag == "direct" else ("typical",):
            pages = scanned_pages(src, [p for f in forms for p in f["pages"]], level, tag)
            name = out / f"{Path(source).stem}-{level}.pdf"
            write_pdf(name, pages)
            files.append(entry(name, source, level, forms, pages))
    files += extra_formats(out, page_map)
    return {"files": files}


def extra_formats(out: Path, page_map: dict[str, Any]) -> list[dict[str, Any]]:
    """A multi-page fax-like TIFF (G4) and single pages as PNG and JPEG."""
    src, files = SAMPLES / SOURCES["word"], []
    forms = form_subset(page_map["word"]["forms"], 3)
    pages = scanned_pages(src, [p for f in forms for p in f["pages"]], "typical", "tiff", dpi=300)
    fax = [(im.convert("L").point(lambda v: 255 if v > 140 else 0).convert("1"), p, w, h)
           for im, p, w, h in pages]
    tiff = out / "annex2-2022-word-fax.tiff"
    fax[0][0].save(tiff, save_all=True, append_images=[f[0] for f in fax[1:]],
                   compression="group4", dpi=(fax[0][1].dpi, fax[0][1].dpi))
    files.append(entry(tiff, SOURCES["word"], "typical", forms, pages))
    one = [f for f in page_map["direct"]["forms"] if len(f["pages"]) == 1][3:5]
    for f, ext in zip(one, ("png", "jpg"), strict=True):
        pg = scanned_pages(SAMPLES / SOURCES["direct"], f["pages"], "typical", ext)
        im, p = pg[0][0], pg[0][1]
        path = out / f"annex2-2022-direct-form{f['form']}.{ext}"
        if ext == "png":  # a 16-level grey PNG, as document scanners save them
            grey = im.convert("L").point(lambda v: (v >> 4) * 17)
            grey.save(path, dpi=(p.dpi, p.dpi), optimize=True)
        else:
            im.save(path, quality=p.jpeg, dpi=(p.dpi, p.dpi))
        files.append(entry(path, SOURCES["direct"], "typical", [f], pg))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=8, help="forms per source and level")
    parser.add_argument("--out", type=Path, default=SAMPLES / "scans")
    args = parser.parse_args(argv)
    manifest = make_all(args.out, args.forms)
    (args.out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    for f in manifest["files"]:
        size = (args.out / f["file"]).stat().st_size
        print(f"{f['file']}: {sum(len(x['pages']) for x in f['forms'])} pages, {size / 1e6:.2f} MB")
    print(f"total {total / 1e6:.1f} MB under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
