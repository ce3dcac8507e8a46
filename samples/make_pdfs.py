"""Make the born-digital sample annexes and their ground truth from the seed.

    python -m samples.make_pdfs [--only direct|word] [--seed PATH]

Writes samples/truth/annex2-2022.json (the parsed seed), the PDFs under
samples/digital/ (direct: reportlab; word: python-docx + LibreOffice, the
.docx kept beside it) and samples/truth/page-map.json (each form's 1-based
pages in each PDF).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import pdfplumber

from samples.render_docx import render_word
from samples.render_pdf import render_pdf
from samples.seed import SEED, Annex, parse_seed

SAMPLES = Path(__file__).resolve().parent
DIGITAL = SAMPLES / "digital"
TRUTH = SAMPLES / "truth"
STEM = "annex2-2022"
MAX_BYTES = 3 * 1024 * 1024


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(pdf_path: Path) -> list[str]:
    with pdfplumber.open(pdf_path) as pdf:
        return [squash(page.extract_text() or "") for page in pdf.pages]


def pages_by_search(texts: list[str], names: list[str]) -> list[list[int]]:
    """Each form's pages: from the page that names its project (searched in order)
    up to the page before the next form's."""
    starts: list[int] = []
    for name in names:
        key = squash(name)
        begin = starts[-1] + 1 if starts else 0
        hit = next((i for i in range(begin, len(texts)) if key in texts[i]), None)
        if hit is None:
            raise RuntimeError(f"project name {name!r} not found from page {begin + 1} on")
        starts.append(hit)
    ends = [*starts[1:], len(texts)]
    return [list(range(s + 1, e + 1)) for s, e in zip(starts, ends, strict=True)]


def check_pdf(pdf_path: Path) -> dict[str, int]:
    """Pages whose text can be extracted, and pages where pdfplumber finds a table."""
    size = pdf_path.stat().st_size
    if size > MAX_BYTES:
        raise RuntimeError(f"{pdf_path} is {size} bytes, over {MAX_BYTES}")
    with pdfplumber.open(pdf_path) as pdf:
        with_text = sum(1 for p in pdf.pages if (p.extract_text() or "").strip())
        with_table = sum(1 for p in pdf.pages if p.find_tables())
        return {"pages": len(pdf.pages), "with_text": with_text, "with_table": with_table, "bytes": size}


def page_map_entry(pdf_path: Path, annex: Annex, form_pages: list[list[int]]) -> dict[str, Any]:
    names = [f.fields["project_name"] for f in annex.forms]
    return {
        "pdf": str(pdf_path.relative_to(SAMPLES)),
        "pages": len(page_texts(pdf_path)),
        "forms": [
            {"form": i + 1, "project_name": name, "pages": pages}
            for i, (name, pages) in enumerate(zip(names, form_pages, strict=True))
        ],
    }


def make_direct(annex: Annex) -> dict[str, Any]:
    pdf = DIGITAL / f"{STEM}-direct.pdf"
    rendered = render_pdf(annex, pdf)
    searched = pages_by_search(page_texts(pdf), [f.fields["project_name"] for f in annex.forms])
    if searched != rendered.form_pages:
        raise RuntimeError("direct PDF: page search disagrees with the renderer's bookkeeping")
    return page_map_entry(pdf, annex, rendered.form_pages)


def make_word(annex: Annex) -> dict[str, Any]:
    pdf = render_word(annex, DIGITAL / f"{STEM}-word.docx")
    searched = pages_by_search(page_texts(pdf), [f.fields["project_name"] for f in annex.forms])
    return page_map_entry(pdf, annex, searched)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def report(name: str, entry: dict[str, Any]) -> None:
    stats = check_pdf(SAMPLES / entry["pdf"])
    multi = [(f["form"], f["project_name"], f["pages"]) for f in entry["forms"] if len(f["pages"]) > 1]
    print(f"{name}: {entry['pdf']} {stats}")
    print(f"  {len(multi)} forms span more than one page:")
    for form, project, pages in multi:
        print(f"    form {form} pages {pages}: {project}")
    if len(multi) < 2:
        print("  WARNING: fewer than two forms overflow; tighten the layout", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("direct", "word"))
    parser.add_argument("--seed", type=Path, default=SEED)
    args = parser.parse_args(argv)
    annex = parse_seed(args.seed)
    write_json(TRUTH / f"{STEM}.json", annex.to_dict())
    map_path = TRUTH / "page-map.json"
    page_map = json.loads(map_path.read_text(encoding="utf-8")) if map_path.is_file() else {}
    makers = {"direct": make_direct, "word": make_word}
    for name, make in makers.items():
        if args.only in (None, name):
            page_map[name] = make(annex)
            report(name, page_map[name])
    write_json(map_path, {k: page_map[k] for k in makers if k in page_map})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
