"""`extractor layouts show`: the page with every mapped cell outlined and named (issue 13).

A golden image with a tolerance: the picture may differ by font hinting or a renderer's
antialiasing, not by a box moved or missing. Regenerate after a deliberate change with
UPDATE_GOLDEN_IMAGES=1 (read by this test only).
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from extractor.cli import main as cli_main
from extractor.layout.show import Marks, find_layout, record_marks, show_page

from .conftest import ROOT, SAMPLES

GOLDEN = ROOT / "tests" / "data" / "layout_show" / "variant-sichuan-p1.png"
MAX_MEAN_DIFF = 0.5  # per channel, of 255
MAX_CHANGED = 0.0002  # share of pixels off by > 64: one box of a cell (~300 px) is more


def _differs(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    x, y = np.asarray(a.convert("RGB"), dtype=np.int16), np.asarray(b.convert("RGB"), dtype=np.int16)
    assert x.shape == y.shape
    d = np.abs(x - y)
    return float(d.mean()), float((d.max(axis=2) > 64).mean())


def test_show_matches_the_golden_image(settings):
    spec = find_layout("sichuan-dept", settings)
    image = show_page(SAMPLES / "digital" / "variant-sichuan.pdf", 1, spec, settings)
    if os.environ.get("UPDATE_GOLDEN_IMAGES"):
        image.save(GOLDEN)
    mean, changed = _differs(image, Image.open(GOLDEN))
    assert mean <= MAX_MEAN_DIFF and changed <= MAX_CHANGED, (mean, changed)


def test_show_marks_values_labels_and_unread_cells(settings):
    from extractor.layout.mapping import FormView, form_to_record
    from extractor.pipeline import read_document
    from extractor.split import split_forms

    spec = find_layout("sichuan-dept", settings)
    _, readings, _ = read_document(SAMPLES / "digital" / "variant-sichuan.pdf", settings)
    form = split_forms(readings, [spec])[0][0]
    marks: Marks = record_marks(form, form_to_record(FormView.of(form), spec, 1.0), spec, 1)
    captions = [c for _, c, _ in marks.values]
    assert "project_name" in captions and "funds.total.budget_initial=320" in captions
    assert "year=2022" in captions
    assert len(marks.labels) >= 25  # 项目名称, 年初预算, 一级指标 …
    assert len(marks.unmapped) == 3  # the leads 项目资金（万元）, 年度总体目标, 绩效指标


def test_show_cli_writes_a_png(tmp_path):
    out = tmp_path / "page.png"
    pdf = SAMPLES / "digital" / "variant-sichuan.pdf"
    assert cli_main(["layouts", "show", str(pdf), "--layout", "sichuan-dept", "-o", str(out)]) == 0
    assert Image.open(out).size[0] > 500
    assert cli_main(["layouts", "show", str(pdf), "-o", str(out)]) == 2  # --layout is needed
