"""A comparison sign leading a line's reading held against its ink's shape
(extractor.scan.leading): ⩾ read as > becomes ≥, a real > stays, a sign the shape cannot
tell leaves the line flagged."""

from __future__ import annotations

import cv2
import numpy as np

from extractor.ocr import OcrResult
from extractor.ocr.base import Glyph
from extractor.record import Flag
from extractor.scan.leading import check_leading_sign
from extractor.scan.reading import CellReading

SCALE = 200 / 72


def _line(draw_sign) -> np.ndarray:
    """A line crop: a sign in its first 25 pixels, then two blobs standing for digits."""
    crop = np.full((40, 90), 245, np.uint8)
    draw_sign(crop)
    cv2.rectangle(crop, (40, 10), (52, 30), 20, 2)
    cv2.rectangle(crop, (60, 10), (72, 30), 20, 2)
    return crop


def _read(crop: np.ndarray, text: str) -> CellReading:
    res = OcrResult(text, 0.98, glyphs=(Glyph(text[0], 0.98, 12), Glyph(text[1], 0.98, 46),
                                        Glyph(text[2], 0.98, 66)))
    return check_leading_sign(CellReading(text, 0.98), crop, res, SCALE)


def _slanted(crop: np.ndarray) -> None:  # ⩾: the bar slanted under the lower arm
    for a, b in (((4, 8), (22, 16)), ((22, 16), (4, 24)), ((22, 22), (4, 30))):
        cv2.line(crop, a, b, 20, 3)


def _chevron(crop: np.ndarray) -> None:
    for a, b in (((4, 10), (22, 20)), ((22, 20), (4, 30))):
        cv2.line(crop, a, b, 20, 3)


def _blot(crop: np.ndarray) -> None:  # a mark no sign is made of
    cv2.circle(crop, (12, 20), 8, 20, -1)


def test_a_slanted_greater_or_equal_read_as_greater_becomes_ge() -> None:
    got = _read(_line(_slanted), ">95")
    assert got.text == "≥95" and not got.flags


def test_a_greater_than_stays() -> None:
    got = _read(_line(_chevron), ">95")
    assert got.text == ">95" and not got.flags and got.confidence == 0.98


def test_a_sign_the_shape_cannot_tell_is_flagged() -> None:
    got = _read(_line(_blot), ">95")
    assert got.text == ">95" and Flag.LOW_CONFIDENCE in got.flags and got.confidence <= 0.6


def test_other_readings_are_left_alone() -> None:
    got = _read(_line(_blot), "195")
    assert got == CellReading("195", 0.98)
