"""A normal-size page can still be a memory bomb (issue 14, item 1): what it draws is measured
before PDFium loads or renders it (extractor/pdf_cost.py).

Each hostile PDF is made here and is a few kilobytes: an A4 page drawing a 40000 x 40000
image, a 100 x 100 image whose soft mask is 40000 x 40000 (PDFium decodes a soft mask whole:
1.6 GB), a 30000 x 30000 inline image (decoded whole when PDFium loads the page: 1.7 GB, then
SIGABRT under a 2 GB limit), 400 MB of drawing instructions, and forms drawing forms (40^5
rectangles: SIGABRT). Before the budget, under a 2 GB address space, two of these killed the
batch and the soft mask peaked at 1.6 GB; now each is `page_too_large` within ~100 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from extractor import ingest, pdf_cost
from extractor.config import load_settings
from extractor.errors import ErrorCode, PermanentError

from . import hostile_files as hostile

REPO = Path(__file__).resolve().parent.parent
GOOD = REPO / "samples" / "digital" / "variant-standard.pdf"
ADDRESS_SPACE = 2 * 1024**3
PEAK_MB = 400  # each hostile PDF with a good annex, `extractor extract`; was 1620 MB or killed
MAX_PIXELS = 40_000_000

MAKERS: dict[str, tuple[Callable[[Path], Path], bool]] = {  # name -> (maker, refused at load)
    "image": (hostile.huge_image_pdf, False),
    "soft-mask": (hostile.huge_soft_mask_pdf, False),
    "inline": (hostile.huge_inline_image_pdf, True),
    "content": (hostile.huge_content_pdf, True),
    "forms": (hostile.nested_forms_pdf, True),
    "annotation": (hostile.soft_mask_in_an_annotation_pdf, False),
}


@pytest.fixture(scope="module")
def hostile_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    made = {name: make(folder / f"{name}.pdf") for name, (make, _) in MAKERS.items()}
    assert all(p.stat().st_size < 64_000 for p in made.values())
    return made


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_each_hostile_page_is_found_without_decoding_it(name: str, hostile_pdfs: dict[str, Path]) -> None:
    found = pdf_cost.oversized_pages(hostile_pdfs[name], MAX_PIXELS)
    assert list(found) == [1]
    assert found[1].at_load is MAKERS[name][1], found[1]


@pytest.mark.parametrize("path", sorted((REPO / "samples").rglob("*.pdf")), ids=lambda p: p.name)
def test_no_sample_page_is_over_the_budget(path: Path) -> None:
    assert pdf_cost.oversized_pages(path, MAX_PIXELS) == {}


def test_page_image_refuses_before_pdfium_decodes(hostile_pdfs: dict[str, Path]) -> None:
    settings = load_settings(environ={}, ocr_engine="none")
    for name in MAKERS:
        with ingest.opened(hostile_pdfs[name], settings) as doc:
            assert doc.pages[0].kind == "image"
            with pytest.raises(PermanentError) as e:
                ingest.page_image(doc, 1, settings.render_dpi, settings.max_page_pixels)
            assert e.value.code is ErrorCode.PAGE_TOO_LARGE and e.value.page == 1, name


def test_pdfiums_own_image_sizes_are_the_net_when_pdfminer_cannot_read(
        hostile_pdfs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_cost, "oversized_pages", lambda *_: {})
    settings = load_settings(environ={}, ocr_engine="none")
    with ingest.opened(hostile_pdfs["image"], settings) as doc:
        assert not doc.oversized
        with pytest.raises(PermanentError) as e:
            ingest.page_image(doc, 1, settings.render_dpi, settings.max_page_pixels)
        assert e.value.code is ErrorCode.PAGE_TOO_LARGE and "40000 x 40000" in e.value.message


def test_an_image_finer_than_the_page_budget_is_still_read(tmp_path: Path) -> None:
    """An image (not a mask) is decoded a band at a time: a scan of 70 M pixels (A3 at
    600 dpi) passes; its soft mask of that size would not."""
    fine = hostile.huge_image_pdf(tmp_path / "fine.pdf", side=8400)
    assert pdf_cost.oversized_pages(fine, MAX_PIXELS) == {}
    masked = hostile.huge_soft_mask_pdf(tmp_path / "masked.pdf", side=8400)
    assert list(pdf_cost.oversized_pages(masked, MAX_PIXELS)) == [1]


def test_a_scan_within_the_budget_is_still_read() -> None:
    scan = REPO / "samples" / "scans" / "annex2-2022-direct-typical.pdf"
    settings = load_settings(environ={}, ocr_engine="none")
    with ingest.opened(scan, settings) as doc:
        assert not doc.oversized
        pixels, scale = ingest.page_image(doc, 1, settings.render_dpi, settings.max_page_pixels)
        assert pixels.shape[0] > 2000 and scale > 2  # its own pixels, at its own dpi


def _extract_peak(files: list[Path], out: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """`extractor extract` in a child under a 2 GB address space; its peak RSS in MB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    env.update(PYTHONPATH=str(REPO), EXTRACTOR_OCR_ENGINE="none")
    script = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], preexec_fn=lambda:"
              f" resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE})));"
              " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    res = subprocess.run(
        [sys.executable, "-c", script, sys.executable, "-m", "extractor.cli", "extract",
         *map(str, files), "-o", str(out)],
        env=env, capture_output=True, text=True, timeout=300)
    return res, int(res.stdout.split()[-1]) / 1024


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_batch_with_a_hostile_page_under_2gb(name: str, hostile_pdfs: dict[str, Path],
                                               tmp_path: Path) -> None:
    res, peak_mb = _extract_peak([hostile_pdfs[name], GOOD], tmp_path / "out")
    assert res.returncode == 1, res.stderr  # a document failed; the batch was not killed
    good = json.loads((tmp_path / "out" / f"{GOOD.stem}.json").read_text(encoding="utf-8"))
    assert len(good["records"]) == 2 and not good["errors"]
    doc = json.loads((tmp_path / "out" / f"{name}.json").read_text(encoding="utf-8"))
    assert ("page_too_large", 1) in [(e["code"], e["page"]) for e in doc["errors"]]
    assert peak_mb < PEAK_MB, f"{name}: peak RSS {peak_mb:.0f} MB"
