"""A decision on a line crop is reused only for the same print, never for numbers."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from devkit.fake_ocr import FakeEngine
from extractor.ocr import OcrResult
from extractor.scan.chain import decide
from extractor.scan.line_memo import LineMemo, print_of, same_print
from extractor.scan.reading import CellReading
from tests.scan_fixtures import FONT_PATH


def line(text: str, px: int = 30, dx: int = 0, noise: int = 0) -> np.ndarray:
    font = ImageFont.truetype(FONT_PATH, px)
    im = Image.new("L", (int(font.getlength(text)) + 24, px + 16), 255)
    ImageDraw.Draw(im).text((10 + dx, 6), text, fill=25, font=font)
    out = np.asarray(im).astype(np.int16)
    if noise:
        out += np.random.default_rng(noise).integers(-noise, noise + 1, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8)


def test_the_same_print_matches_and_another_text_does_not() -> None:
    a, b = print_of(line("偏差原因分析")), print_of(line("偏差原因分析", dx=2, noise=20))
    assert a is not None and b is not None and same_print(a, b)
    for other in ("偏差原因分折", "偏差原困分析", "质量指标"):
        c = print_of(line(other))
        assert c is not None and not same_print(a, c), other


def test_numbers_specks_and_long_lines_are_never_remembered() -> None:
    memo: LineMemo[str] = LineMemo()
    memo.put("90%", line("90%"), "90%")
    assert memo.get("90%", line("90%")) is None
    long = "提升企业满意度，促进区域产业创新发展"  # a line of goal text: one of a kind
    memo.put(long, line(long), long)
    assert memo.get(long, line(long)) is None
    memo.put("·", line("·"), "·")
    assert memo.get("·", line("·")) is None


def test_an_unsure_label_is_asked_about_once_per_print() -> None:
    memo: LineMemo[CellReading] = LineMemo()
    tiny = FakeEngine("", 0.0, name="tiny")
    rapid = FakeEngine("联系电话", 0.99, name="rapid")
    unsure = OcrResult("联系电话", 0.7)
    for noise in (0, 10, 20):
        got = decide([line("联系电话", noise=noise)], [unsure], (tiny, rapid), (), memo)
        assert got == CellReading("联系电话", 0.99)
    assert rapid.calls == 1 and memo.hits == 2
    decide([line("联系电语")], [unsure], (tiny, rapid), (), memo)  # another print
    assert rapid.calls == 2
