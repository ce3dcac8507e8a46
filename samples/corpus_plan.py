"""What goes into the scan corpus: the forms, the split, the typesets, each page's degradation.

The split rule (samples/scan_corpus.py's docstring says it for people):

- a form of the seed annex belongs to the untuned split when
  sha256(f"{SPLIT_SEED}|annex|{project name}") read as an integer is 0 to 3
  modulo 10 (about 40%); the same project in the reportlab and the Word annex
  lands in the same split;
- a template variant (samples/truth/variants/<name>.json, the `mixed` file
  excepted: its forms are those of the others) belongs to the untuned split,
  whole, by the same test on sha256(f"{SPLIT_SEED}|variant|{name}"): untuned
  templates are never seen while tuning;
- the two CJK faces with the smallest sha256(f"{SPLIT_SEED}|face|{face}") are
  used only in the untuned split;
- every page's degradation is drawn from a generator seeded with the split,
  the level and the document's number, so no page of one split is a page of
  the other.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from samples.corpus_degrade import PageDegrade
from samples.corpus_typeset import CJK_FACES, Typeset

SAMPLES = Path(__file__).resolve().parent
SPLIT_SEED = "scan-corpus-1"  # change only to make the untuned split harder, never to tune
SPLITS = ("tuning", "untuned")
LEVELS = ("clean", "typical", "hard")
ORIGINAL = "original"  # the committed born-digital PDF, not re-typeset

TYPESETS = (
    Typeset("sungti", "liberation-serif", 10.0, 3.0, 19.0, 0.5),
    Typeset("uming", "dejavu-serif", 9.5, 2.5, 18.0, 0.35),
    Typeset("kaiti", "liberation-sans", 10.5, 3.0, 20.0, 1.0),
    Typeset("ukai", "liberation-serif", 10.0, 4.0, 21.0, 0.8),
    Typeset("wenkai", "dejavu-sans", 9.5, 3.0, 19.0, 0.6),
    Typeset("microhei", "liberation-sans", 10.0, 2.0, 18.0, 1.2),
    Typeset("uming", "liberation-mono", 10.5, 3.5, 20.0, 0.4),
    Typeset("zenhei", "liberation-serif", 10.0, 3.0, 20.0, 0.9),
)


def _h(*parts: str) -> int:
    return int(hashlib.sha256("|".join((SPLIT_SEED, *parts)).encode()).hexdigest(), 16)


def untuned(kind: str, name: str) -> bool:
    """The split rule for one annex form (kind "annex", its project name) or one variant."""
    return _h(kind, name) % 10 < 4


def held_out_faces() -> set[str]:
    return set(sorted(CJK_FACES, key=lambda f: _h("face", f))[:2])


def typesets_for(split: str) -> list[Typeset]:
    held = held_out_faces()
    return [t for t in TYPESETS if split == "untuned" or t.cjk not in held]


@dataclass(frozen=True)
class Source:
    """A document the corpus draws forms from: the annex or one template variant."""

    name: str  # "annex" or the variant's name
    expected: str  # relative to samples/
    forms: tuple[str, ...]  # project names, in record order

    @property
    def kind(self) -> str:
        return "annex" if self.name == "annex" else "variant"


# variants whose forms repeat another source's projects: in the corpus they would put one
# project in both splits (mixed repeats the others; sichuan2023 is the sichuan forms reworded)
REPEATS = frozenset({"mixed", "sichuan2023"})


def sources() -> list[Source]:
    out = []
    annex = json.loads((SAMPLES / "expected/annex2-2022-direct.json").read_text(encoding="utf-8"))
    out.append(Source("annex", "expected/annex2-2022-direct.json",
                      tuple(r["fields"]["project_name"]["text"] for r in annex["records"])))
    for path in sorted((SAMPLES / "expected/variants").glob("variant-*.json")):
        name = path.stem.removeprefix("variant-")
        if name in REPEATS:
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        out.append(Source(name, f"expected/variants/{path.name}",
                          tuple(r["fields"]["project_name"]["text"] for r in doc["records"])))
    return out


def split_pool(split: str) -> list[tuple[Source, int]]:
    """(source, 0-based form) pairs of one split; variants only by their first form
    (a document of a variant holds every form its pages touch)."""
    pool = []
    for src in sources():
        if src.kind == "annex":
            pool += [(src, i) for i, name in enumerate(src.forms)
                     if untuned("annex", name) == (split == "untuned")]
        elif untuned("variant", src.name) == (split == "untuned"):
            pool += [(src, i) for i in range(len(src.forms))]
    return pool


def closure(form_pages: list[list[int]], start: int) -> tuple[list[int], list[int]]:
    """The pages from form `start` on until no form on them runs past them, and the forms
    whole on those pages (0-based)."""
    pages = set(form_pages[start])
    while True:
        more = {p for fp in form_pages if pages & set(fp) for p in fp} - pages
        if not more:
            break
        pages |= more
    span = list(range(min(pages), max(pages) + 1))
    forms = [i for i, fp in enumerate(form_pages) if set(fp) <= set(span)]
    return span, forms


# --- per level ----------------------------------------------------------------------------


def rng_for(*parts: object) -> np.random.Generator:
    return np.random.default_rng(_h(*(str(p) for p in parts)) % 2**63)


def document_choices(level: str, rng: np.random.Generator) -> dict[str, Any]:
    """What is constant over one scanned file: resolution, colour, quality, lid."""
    if level == "clean":
        dpi, colour, jpeg = rng.choice([300, 400]), rng.choice(["rgb", "grey"]), rng.integers(80, 96)
    elif level == "typical":
        dpi = rng.choice([200, 240, 300])
        colour = rng.choice(["rgb", "grey", "binary"], p=[0.45, 0.45, 0.1])
        jpeg = rng.integers(45, 81)
    else:
        dpi = rng.choice([150, 200, 240, 300])
        colour = rng.choice(["rgb", "grey", "binary"], p=[0.4, 0.4, 0.2])
        jpeg = rng.integers(30, 51)
    lid = int(rng.choice([255, 255, 210, 160]))
    return {"dpi": int(dpi), "colour": str(colour), "jpeg": int(jpeg), "lid": lid,
            "bed": float(rng.uniform(0, 14))}


def _on_table(rng: np.random.Generator, box: tuple[float, float, float, float]) -> tuple[float, float]:
    return float(rng.uniform(box[0], box[2])), float(rng.uniform(box[1], box[3]))


def page_degrade(level: str, doc: dict[str, Any], box: tuple[float, float, float, float],
                 rng: np.random.Generator) -> PageDegrade:
    """One page's degradation; `box` is the page's ink extent in points (x0, y0, x1, y1)."""
    u = rng.uniform
    hard, typ = level == "hard", level == "typical"
    rot, scale, off = (5.0, 0.05, 14.0) if hard else (2.0, 0.025, 12.0) if typ else (0.6, 0.01, 6.0)
    n_seals = int(rng.choice([1, 1, 2, 3])) if hard else int(rng.choice([0, 1, 1, 2])) if typ else 0
    seals = tuple((str(rng.choice(["red", "blue", "black"], p=[0.6, 0.25, 0.15])),
                   *_on_table(rng, box), float(u(85, 135))) for _ in range(n_seals))
    n_marks = int(rng.integers(1, 6)) if hard else int(rng.integers(0, 4)) if typ else 0
    kinds = ["tick", "circle", "scribble", "strike"] if hard else ["tick", "circle", "scribble"]
    marks = tuple((str(rng.choice(kinds)), *_on_table(rng, box)) for _ in range(n_marks))
    copier = str(rng.choice(["", "dark", "faded"], p=[0.2, 0.4, 0.4] if hard else [0.5, 0.25, 0.25]))
    return PageDegrade(
        dpi=doc["dpi"], colour=doc["colour"], rotate=float(u(-rot, rot)),
        scale=float(u(1 - scale, 1 + scale)), offset=(float(u(-off, off)), float(u(-off, off))),
        seals=seals, marks=marks,
        bleed=float(u(0.15, 0.35)) if hard and rng.random() < 0.5
        else float(u(0.08, 0.2)) if typ and rng.random() < 0.3 else 0.0,
        copier=copier if level != "clean" else "",
        copier_strength=float(u(0.4, 1.0) if hard else u(0.2, 0.6)),
        moire=float(u(6, 16)) if hard and rng.random() < 0.4
        else float(u(4, 10)) if typ and rng.random() < 0.2 else 0.0,
        light=float(u(0.2, 0.6) if hard else u(0, 0.3) if typ else u(0, 0.1)),
        blur=float(u(0.8, 1.5) if hard else u(0.5, 1.0) if typ else u(0.3, 0.6)),
        noise=float(u(4, 10) if hard else u(2, 6) if typ else u(1, 3)),
        jpeg=doc["jpeg"], lid=doc["lid"],
    )


def file_format(n_pages: int, rng: np.random.Generator) -> str:
    if n_pages == 1:
        return str(rng.choice(["pdf", "tiff", "png", "jpg"], p=[0.4, 0.2, 0.2, 0.2]))
    return str(rng.choice(["pdf", "tiff"], p=[0.7, 0.3]))
