"""The form is simplified Chinese: a traditional glyph an engine is sure of is converted
by OpenCC and the cell flagged (extractor/scan/script.py)."""

from __future__ import annotations

import numpy as np

from devkit.fake_ocr import FakeEngine
from extractor.ocr import OcrResult
from extractor.record import Flag
from extractor.scan.chain import decide
from extractor.scan.script import to_simplified
from extractor.scan.thresholds import FLAGGED_CEILING

CROP = np.full((30, 90), 255, np.uint8)


def test_traditional_reading_is_converted_and_flagged() -> None:
    engine = FakeEngine("數據維護", 0.99)
    got = decide([CROP], [OcrResult("數據維護", 0.99)], (engine,))
    assert got.text == "数据维护"
    assert Flag.LOW_CONFIDENCE in got.flags and got.confidence <= FLAGGED_CEILING


def test_simplified_reading_is_left_alone() -> None:
    engine = FakeEngine("项目支出绩效自评表", 0.99)
    got = decide([CROP], [OcrResult("项目支出绩效自评表", 0.99)], (engine,))
    assert got.text == "项目支出绩效自评表" and got.flags == () and got.confidence == 0.99


def test_ascii_and_units_unchanged() -> None:
    for text in ("99.98%", "元/人", "≥90%", "2023年", "GB/T 1234"):
        assert to_simplified(text) == text
