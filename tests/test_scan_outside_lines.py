"""Lines outside the tables (title, year line: the year field is read from one) are
decided by the chain as a cell's lines are (extractor.scan.page.outside_lines)."""

from __future__ import annotations

import cv2
import numpy as np

from devkit.fake_ocr import FakeEngine
from extractor.models import Cell, Table
from extractor.scan.page import outside_lines
from extractor.scan.thresholds import FLAGGED_CEILING

SCALE = 200 / 72


def _page() -> tuple[list[Table], np.ndarray, np.ndarray]:
    """A year line above a one-cell table: its ink and the grey page."""
    gray = np.full((600, 600), 255, np.uint8)
    cv2.putText(gray, "(2021)", (220, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    table = Table(1, (50, 60, 170, 200), (Cell((50, 60, 170, 200), 0, 0),), (60, 200), (50, 170))
    return [table], np.where(gray < 128, 255, 0).astype(np.uint8), gray


def test_a_line_the_primary_doubts_is_settled_by_a_second_engine() -> None:
    tables, ink, gray = _page()
    primary = FakeEngine("(2021年度)", 0.7, name="tiny")
    second = FakeEngine("(2021年度)", 0.97, name="tesseract")
    (line,) = outside_lines(tables, ink, gray, SCALE, (primary, second))
    assert line.text == "(2021年度)" and line.confidence >= 0.95
    assert second.calls == 1


def test_a_line_no_engine_settles_stays_unsure() -> None:
    tables, ink, gray = _page()
    primary = FakeEngine("(2021年度)", 0.7, name="tiny")
    second = FakeEngine("(2024年度)", 0.7, name="tesseract")
    (line,) = outside_lines(tables, ink, gray, SCALE, (primary, second))
    assert line.confidence <= FLAGGED_CEILING
