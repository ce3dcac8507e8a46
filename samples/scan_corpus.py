"""A scan corpus for measuring, in two splits: one to tune on, one nobody tunes on.

    python -m samples.scan_corpus [--out samples/corpus] [--pages 50]
        [--levels clean,typical,hard] [--splits tuning,untuned]

For each split and level, scanned documents are made until `--pages` pages:
a form of the seed annex or a template variant, printed as committed
(samples/digital/) or re-typeset in another Song, Ming, Kai or Hei face with
another Latin face for the digits, other sizes, padding and ruling widths
(samples/corpus_typeset.py), then every page copied and scanned on its own
(samples/corpus_degrade.py: seals in red, blue and black anywhere on the
table, ticks and pen marks, bleed-through, photocopy darkening or fading,
rotation up to 5°, scale 0.95-1.05, offset, 150-400 dpi, uneven light, blur,
moiré, noise, JPEG quality down to 30), saved as an image-only PDF, a
multi-page TIFF, a PNG or a JPEG. Everything is seeded: the same command writes
the same files. Nothing here is committed: the corpus is made into a cache
directory (samples/corpus/, ignored by git) at bench or test time and made
again only when the generator's code or the arguments change.

<out>/<split>-<level>/manifest.json lists each file with its source, typeset,
the expected records (samples/expected/...: "form" is the 1-based record
number) and each form's pages in the file: the manifest format of
samples/scans/manifest.json, so bench/bench_scan.py reads it too.

The split: the untuned split's figures are reported (README, issue notes), but
no threshold, table, prior or rule is ever fitted on it, nor on a failure
first seen in it. Tune on "tuning"; read "untuned" once a change is done.
SPLIT_SEED (samples/corpus_plan.py) may change only to make the untuned split
harder, never because its figures look bad. The rule itself, by form, template,
face and seed, is in samples/corpus_plan.py's docstring.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from samples import corpus_degrade, corpus_plan, corpus_typeset
from samples.corpus_plan import LEVELS, ORIGINAL, SAMPLES, SPLITS, Source
from samples.corpus_typeset import Typeset

CACHE = SAMPLES / "corpus"
Page = tuple[np.ndarray, int]  # image (2-D grey/binary or RGB), dpi


def generator_stamp(pages: int) -> str:
    """Changes when the generator's code or the corpus size does: the cache is then remade."""
    h = hashlib.sha256(str(pages).encode())
    for mod in (corpus_degrade, corpus_plan, corpus_typeset):
        h.update(Path(str(mod.__file__)).read_bytes())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()[:16]


# --- born-digital renders -------------------------------------------------------------------


def original_render(src: Source, edition: str) -> tuple[Path, list[list[int]], str]:
    if src.kind == "annex":
        page_map = json.loads((SAMPLES / "truth/page-map.json").read_text(encoding="utf-8"))
        forms = [f["pages"] for f in page_map[edition]["forms"]]
        return SAMPLES / page_map[edition]["pdf"], forms, f"expected/annex2-2022-{edition}.json"
    doc = json.loads((SAMPLES / src.expected).read_text(encoding="utf-8"))
    return SAMPLES / f"digital/variant-{src.name}.pdf", [r["pages"] for r in doc["records"]], src.expected


def typeset_render(src: Source, ts: Typeset, cache: Path) -> tuple[Path, list[list[int]], str]:
    pdf = cache / "renders" / f"{src.name}-{ts.key}.pdf"
    pages_file = pdf.with_suffix(".json")
    if not pages_file.is_file():
        pdf.parent.mkdir(parents=True, exist_ok=True)
        if src.kind == "annex":
            pages = corpus_typeset.typeset_annex(ts, pdf)
        else:
            pages = corpus_typeset.typeset_variant(src.name, ts, pdf)
        pages_file.write_text(json.dumps(pages), encoding="utf-8")
    return pdf, json.loads(pages_file.read_text(encoding="utf-8")), src.expected


Box = tuple[float, float, float, float]


def render_pages(pdf: Path, numbers: list[int], dpi: int) -> list[tuple[np.ndarray, Box]]:
    """RGB images of 1-based pages at `dpi`, each with its ink box in points."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        out = []
        for n in numbers:
            rgb = np.asarray(doc[n - 1].render(scale=dpi / 72).to_pil().convert("RGB"))
            out.append((rgb, ink_box(rgb, dpi)))
        return out
    finally:
        doc.close()


def ink_box(rgb: np.ndarray, dpi: int) -> Box:
    dark = rgb.min(axis=2) < 160
    ys, xs = np.nonzero(dark)
    if not len(xs):
        return (60.0, 60.0, 500.0, 700.0)
    px = dpi / 72
    x0, y0, x1, y1 = (float(v) / px for v in (np.percentile(xs, 1), np.percentile(ys, 1),
                                               np.percentile(xs, 99), np.percentile(ys, 99)))
    return x0, y0, x1, y1


# --- one document ---------------------------------------------------------------------------


def plan_document(split: str, level: str, k: int, cache: Path) -> dict[str, Any]:
    """Which source, typeset, forms and pages document k of a split and level holds."""
    rng = corpus_plan.rng_for("doc", split, level, k)
    pool = corpus_plan.split_pool(split)
    src, first = pool[int(rng.integers(len(pool)))]
    typesets = corpus_plan.typesets_for(split)
    if rng.random() < 0.3:
        edition = str(rng.choice(["direct", "word"]))
        pdf, form_pages, expected = original_render(src, edition)
        typeset = f"{ORIGINAL}-{edition}" if src.kind == "annex" else ORIGINAL
    else:
        ts = typesets[int(rng.integers(len(typesets)))]
        pdf, form_pages, expected = typeset_render(src, ts, cache)
        typeset = ts.key
    span, forms = corpus_plan.closure(form_pages, first)
    if src.kind == "annex" and first + 1 < len(form_pages) and rng.random() < 0.2:
        # two forms in one file (annex forms start on a new page: the pages run on)
        span, forms = sorted(set(form_pages[first]) | set(form_pages[first + 1])), [first, first + 1]
    return {"rng": rng, "source": src, "pdf": pdf, "expected": expected, "typeset": typeset,
            "span": span, "forms": forms, "form_pages": form_pages}


def make_document(split: str, level: str, k: int, out: Path, cache: Path) -> dict[str, Any]:
    plan = plan_document(split, level, k, cache)
    rng: np.random.Generator = plan["rng"]
    doc = corpus_plan.document_choices(level, rng)
    rendered = render_pages(plan["pdf"], plan["span"], doc["dpi"])
    pages, degradations = [], []
    for i, (rgb, box) in enumerate(rendered):
        p = corpus_plan.page_degrade(level, doc, box, rng)
        back = rendered[(i + 1) % len(rendered)][0] if len(rendered) > 1 else rgb
        pages.append((corpus_degrade.degrade(pad_bed(rgb, doc), back, p, rng), doc["dpi"]))
        degradations.append(p)
    fmt = corpus_plan.file_format(len(pages), rng)
    name = f"{k:03d}-{plan['source'].name}.{fmt}"
    write_file(out / name, pages, fmt, doc["jpeg"])
    span = plan["span"]
    return {
        "file": name, "level": level, "split": split, "source": str(plan["pdf"].relative_to(SAMPLES))
        if plan["pdf"].is_relative_to(SAMPLES / "digital") else plan["pdf"].name,
        "typeset": plan["typeset"], "expected": plan["expected"], "n_pages": len(span),
        "forms": [{"form": i + 1, "project_name": plan["source"].forms[i],
                   "pages": [span.index(p) + 1 for p in plan["form_pages"][i]]} for i in plan["forms"]],
        "scan": {**doc, "format": fmt},
        "degradation": [{"rotate": round(p.rotate, 2), "scale": round(p.scale, 3),
                         "offset": [round(v, 1) for v in p.offset], "seals": [s[0] for s in p.seals],
                         "marks": [m[0] for m in p.marks], "bleed": round(p.bleed, 2),
                         "copier": p.copier, "moire": round(p.moire, 1)} for p in degradations],
    }


def pad_bed(rgb: np.ndarray, doc: dict[str, Any]) -> np.ndarray:
    """The scanner bed around the sheet: a white border `bed` points wide."""
    pad = int(doc["bed"] * doc["dpi"] / 72)
    return np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), constant_values=255) if pad else rgb


# --- files ----------------------------------------------------------------------------------


def _lossy(im: Image.Image, quality: int) -> Image.Image:
    """The scanner's JPEG compression, kept by every format (binary pages are not JPEG'd)."""
    if im.mode == "1":
        return im
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue()))


def _image(page: np.ndarray) -> Image.Image:
    if page.ndim == 2 and set(np.unique(page[::7, ::7]).tolist()) <= {0, 255}:
        return Image.fromarray(page).convert("1")
    return Image.fromarray(page)


def write_file(path: Path, pages: list[Page], fmt: str, quality: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [_image(p) for p, _ in pages]
    dpi = pages[0][1]
    if fmt == "pdf":
        write_pdf(path, images, dpi, quality)
    elif fmt == "tiff":
        frames = [_lossy(im, quality) for im in images]
        comp = "group4" if all(im.mode == "1" for im in frames) else "tiff_lzw"
        frames = frames if comp == "group4" else [im.convert("L") if im.mode == "1" else im
                                                   for im in frames]
        frames[0].save(path, save_all=True, append_images=frames[1:], compression=comp, dpi=(dpi, dpi))
    elif fmt == "png":
        images[0].save(path, dpi=(dpi, dpi), optimize=False)
    else:
        images[0].convert("L" if images[0].mode == "1" else images[0].mode).save(
            path, quality=quality, dpi=(dpi, dpi))


def write_pdf(path: Path, images: list[Image.Image], dpi: int, quality: int) -> None:
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pageCompression=1, invariant=1)
    for im in images:
        w, h = im.width * 72 / dpi, im.height * 72 / dpi
        c.setPageSize((w, h))
        buf = io.BytesIO()
        im.save(buf, "PNG") if im.mode == "1" else im.save(buf, "JPEG", quality=quality)
        c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, w, h)
        c.showPage()
    c.save()


# --- the corpus -----------------------------------------------------------------------------


def make_split_level(split: str, level: str, pages: int, cache: Path = CACHE) -> Path:
    """Make (or find in the cache) one split and level; returns its folder."""
    out = cache / f"{split}-{level}"
    manifest = out / "manifest.json"
    stamp = generator_stamp(pages)
    if manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8")).get("stamp") == stamp:
        return out
    for old in out.glob("*") if out.is_dir() else ():
        old.unlink()
    files, total, k = [], 0, 0
    while total < pages:
        files.append(make_document(split, level, k, out, cache))
        total += files[-1]["n_pages"]
        k += 1
    manifest.write_text(json.dumps({"stamp": stamp, "split": split, "level": level,
                                    "split_seed": corpus_plan.SPLIT_SEED, "files": files},
                                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CACHE)
    parser.add_argument("--pages", type=int, default=50, help="pages per split and level")
    parser.add_argument("--levels", default=",".join(LEVELS))
    parser.add_argument("--splits", default=",".join(SPLITS))
    args = parser.parse_args(argv)
    for split in args.splits.split(","):
        for level in args.levels.split(","):
            folder = make_split_level(split, level, args.pages, args.out)
            m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            size = sum(p.stat().st_size for p in folder.iterdir())
            print(f"{folder}: {len(m['files'])} files, "
                  f"{sum(e['n_pages'] for e in m['files'])} pages, "
                  f"{size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
