"""Lone marks read from their shape (extractor.scan.shapes): a slash whatever its
rounded tips, and not a 1 or a 7."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractor.scan.shapes import is_lone_slash

SCALE = 200 / 72


def _cell(draw) -> np.ndarray:
    ink = np.zeros((60, 60), np.uint8)
    draw(ink)
    return ink


@pytest.mark.parametrize("thick", [2, 4, 7])
def test_a_slash_is_a_slash_with_round_tips(thick: int) -> None:
    """A thick stroke's rounded tips put its first and last rows off the stroke's line."""
    ink = _cell(lambda m: cv2.line(m, (38, 16), (25, 42), 255, thick, cv2.LINE_AA))
    ink = np.where(ink > 100, 255, 0).astype(np.uint8)
    assert is_lone_slash(ink, SCALE)


def test_a_one_and_a_seven_are_not_slashes() -> None:
    one = _cell(lambda m: (cv2.line(m, (30, 14), (30, 42), 255, 3), cv2.line(m, (30, 14), (25, 19), 255, 3)))
    seven = _cell(lambda m: (cv2.line(m, (22, 14), (38, 14), 255, 3), cv2.line(m, (38, 14), (27, 42), 255, 3)))
    assert not is_lone_slash(one, SCALE) and not is_lone_slash(seven, SCALE)
