"""Hostile page sizes: a memory budget per page known before rendering (issue 14, item 1).

The hostile files are made here: a 1 KB PDF of one blank 20000 x 20000 pt page (at 300 dpi
it would be an 83,333-pixel square, 27 GB as RGBA) and a 14000 x 14000 PNG of a few
kilobytes. In one batch with a good annex, under a 2 GB address-space limit, the good
document is written and the hostile ones end as `page_too_large`.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from extractor import ingest
from extractor.errors import ErrorCode, PermanentError
from extractor.models import Page

from .hostile_files import huge_page_pdf, huge_png

REPO = Path(__file__).resolve().parent.parent
GOOD = REPO / "samples" / "digital" / "variant-standard.pdf"
ADDRESS_SPACE = 2 * 1024**3


def _limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def test_render_dpi_is_lowered_or_the_page_refused_before_rendering() -> None:
    a4 = Page(1, 595.0, 842.0, "image")
    assert ingest.render_dpi(a4, 300, 40_000_000) == 300
    a0 = Page(2, 2384.0, 3370.0, "image")
    lowered = ingest.render_dpi(a0, 300, 40_000_000)
    assert ingest.MIN_RENDER_DPI <= lowered < 300
    assert a0.width * a0.height * (lowered / 72) ** 2 <= 40_000_000
    with pytest.raises(PermanentError) as e:
        ingest.render_dpi(Page(3, 20000.0, 20000.0, "image"), 300, 40_000_000)
    assert e.value.code is ErrorCode.PAGE_TOO_LARGE and e.value.page == 3


def test_hostile_pages_in_a_batch_under_a_2gb_address_space(tmp_path: Path) -> None:
    pdf = huge_page_pdf(tmp_path / "huge-page.pdf")
    png = huge_png(tmp_path / "huge.png")
    assert pdf.stat().st_size < 4096 and png.stat().st_size < 100_000
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    env.update(PYTHONPATH=str(REPO), EXTRACTOR_OCR_ENGINE="none")
    out = tmp_path / "out"
    res = subprocess.run(
        [sys.executable, "-m", "extractor.cli", "extract", str(pdf), str(GOOD), str(png),
         "-o", str(out)],
        env=env, capture_output=True, text=True, timeout=300, preexec_fn=_limit_address_space,
    )
    assert res.returncode == 1, res.stderr  # some documents failed; none killed the batch
    good = json.loads((out / f"{GOOD.stem}.json").read_text(encoding="utf-8"))
    assert len(good["records"]) == 2 and not good["errors"]
    for name in ("huge-page", "huge"):
        doc = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        codes = [(e["code"], e["page"]) for e in doc["errors"]]
        assert ("page_too_large", 1) in codes, codes
