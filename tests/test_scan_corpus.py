"""The scan corpus generator (samples/scan_corpus.py): a few pages, made twice.

Checks its invariants, not the extractor: image-only files (no text layer), a
manifest naming expected records that exist and pages that exist, the same
bytes from the same seed, and a split assignment that does not move.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image

from samples import corpus_plan
from samples.scan_corpus import make_split_level

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    a = make_split_level("untuned", "typical", 2, tmp_path_factory.mktemp("a"))
    b = make_split_level("untuned", "typical", 2, tmp_path_factory.mktemp("b"))
    return a, b


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _page_count(path: Path) -> int:
    if path.suffix == ".pdf":
        return len(pdfium.PdfDocument(str(path)))
    with Image.open(path) as im:
        return getattr(im, "n_frames", 1)


def test_manifest_names_existing_records_and_pages(made: tuple[Path, Path]) -> None:
    folder = made[0]
    m = _manifest(folder)
    assert m["split"] == "untuned" and m["level"] == "typical" and m["files"]
    for entry in m["files"]:
        records = json.loads((SAMPLES / entry["expected"]).read_text(encoding="utf-8"))["records"]
        n = _page_count(folder / entry["file"])
        assert n == entry["n_pages"]
        for form in entry["forms"]:
            assert 1 <= form["form"] <= len(records)
            assert records[form["form"] - 1]["fields"]["project_name"]["text"] == form["project_name"]
            assert all(1 <= p <= n for p in form["pages"])


def test_no_text_layer(made: tuple[Path, Path]) -> None:
    for entry in _manifest(made[0])["files"]:
        path = made[0] / entry["file"]
        if path.suffix == ".pdf":
            doc = pdfium.PdfDocument(str(path))
            assert all(not page.get_textpage().get_text_range().strip() for page in doc)


def test_same_seed_same_bytes(made: tuple[Path, Path]) -> None:
    a, b = made
    files = [e["file"] for e in _manifest(a)["files"]]
    assert files == [e["file"] for e in _manifest(b)["files"]]
    for name in files:
        assert hashlib.sha256((a / name).read_bytes()).digest() == \
            hashlib.sha256((b / name).read_bytes()).digest(), name


def test_split_is_stable_and_disjoint() -> None:
    # pinned: a change here moves forms between the splits (SPLIT_SEED's docstring)
    assert corpus_plan.SPLIT_SEED == "scan-corpus-1"
    assert corpus_plan.held_out_faces() == {"kaiti", "microhei"}
    assert not corpus_plan.untuned("annex", "行政应诉工作经费")
    assert corpus_plan.untuned("annex", "朝阳区司法局内部办公平台运维项目")
    assert [s.name for s in corpus_plan.sources() if corpus_plan.untuned("variant", s.name)] == \
        ["anhui", "standard"]
    tuning = {(s.name, i) for s, i in corpus_plan.split_pool("tuning")}
    untuned = {(s.name, i) for s, i in corpus_plan.split_pool("untuned")}
    assert tuning and untuned and not tuning & untuned
    names = {"tuning": set(), "untuned": set()}  # type: dict[str, set[str]]
    for split in names:
        names[split] = {s.forms[i] for s, i in corpus_plan.split_pool(split)}
    assert not names["tuning"] & names["untuned"]  # no project in both
    assert all(t.cjk not in corpus_plan.held_out_faces() for t in corpus_plan.typesets_for("tuning"))
