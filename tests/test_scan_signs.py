"""The lone comparison-sign rule (extractor.scan.signs.lone_sign) on glyphs drawn with
cv2.line at the working resolution: =, ≥, ≤, ＞ and ＜ are read from their shape, crisp
and blurred until their parts run together; letters, digits and other marks are left to
the recogniser."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from extractor.scan.signs import lone_sign

SCALE = 200 / 72
Draw = Callable[[np.ndarray], None]


def _lines(*segments: tuple[int, int, int, int], thick: int = 4) -> Draw:
    def draw(page: np.ndarray) -> None:
        for x0, y0, x1, y1 in segments:
            cv2.line(page, (x0, y0), (x1, y1), 0, thick)
    return draw


def _cell(draw: Draw, blur: bool) -> tuple[np.ndarray, np.ndarray]:
    """A cell's grey image (paper 240) and its ink; blurred, the ink's threshold is loose
    (as on the typical scans) and a sign's parts run together."""
    gray = np.full((60, 90), 255, np.uint8)
    draw(gray)
    gray = np.clip(gray.astype(int) - 15, 0, 255).astype(np.uint8)
    if blur:
        gray = cv2.GaussianBlur(gray, (0, 0), 1.6)
    ink = ((gray < (200 if blur else 128)) * 255).astype(np.uint8)
    return ink, gray


EQUALS = _lines((35, 25, 53, 25), (35, 33, 53, 33))
GE = _lines((35, 14, 53, 22), (53, 22, 35, 30), (35, 38, 53, 38))
LE = _lines((53, 14, 35, 22), (35, 22, 53, 30), (35, 38, 53, 38))
GT = _lines((35, 16, 53, 26), (53, 26, 35, 36))
LT = _lines((53, 16, 35, 26), (35, 26, 53, 36))
# ⩾ and ⩽, as CJK faces draw ≥ and ≤: the bar slanted under the lower arm, along it
GE_SLANTED = _lines((35, 12, 53, 20), (53, 20, 35, 28), (53, 26, 35, 34), thick=3)
LE_SLANTED = _lines((53, 12, 35, 20), (35, 20, 53, 28), (35, 26, 53, 34), thick=3)
SIGNS = {"=": EQUALS, "≥": GE, "≤": LE, "＞": GT, "＜": LT}
SLANTED = {"≥": GE_SLANTED, "≤": LE_SLANTED}

NOT_SIGNS = {
    "N": _lines((36, 14, 36, 38), (36, 14, 52, 38), (52, 14, 52, 38)),
    "M": _lines((34, 38, 34, 14), (34, 14, 44, 30), (44, 30, 54, 14), (54, 14, 54, 38)),
    "И": _lines((36, 14, 36, 38), (36, 38, 52, 14), (52, 14, 52, 38)),
    "Z": _lines((35, 14, 53, 14), (53, 14, 35, 38), (35, 38, 53, 38)),
    "7": _lines((35, 14, 53, 14), (53, 14, 41, 38)),
    "2": _lines((37, 17, 44, 13), (44, 13, 51, 16), (51, 16, 52, 22), (52, 22, 35, 38),
                (35, 38, 53, 38)),
    "二": _lines((39, 22, 49, 22), (34, 34, 54, 34)),
    "三": _lines((37, 16, 51, 16), (38, 26, 50, 26), (34, 36, 54, 36)),
    "一": _lines((34, 26, 54, 26)),
    "V": _lines((35, 14, 44, 38), (44, 38, 53, 14)),
    "/": _lines((50, 12, 38, 40)),
    "口": _lines((36, 14, 52, 14), (52, 14, 52, 38), (52, 38, 36, 38), (36, 38, 36, 14)),
    "■": lambda page: cv2.rectangle(page, (35, 20), (53, 34), 0, -1),
    "20": lambda page: (  # small digits side by side: flat-ish rows top and bottom
        _lines((32, 22, 36, 20), (36, 20, 40, 22), (40, 22, 32, 31), (32, 31, 41, 31),
               thick=2)(page),
        cv2.ellipse(page, (48, 25), (4, 6), 0, 0, 360, 0, 2)),
}


@pytest.mark.parametrize("blur", [False, True], ids=["crisp", "blurred"])
@pytest.mark.parametrize("sign", list(SIGNS))
def test_a_lone_sign_is_read_from_its_shape(sign: str, blur: bool) -> None:
    ink, gray = _cell(SIGNS[sign], blur)
    assert lone_sign(ink, gray, SCALE) == sign


@pytest.mark.parametrize("blur", [False, True], ids=["crisp", "blurred"])
@pytest.mark.parametrize("sign", list(SLANTED))
def test_a_sign_with_its_bar_slanted_is_not_taken_for_the_chevron_alone(sign: str, blur: bool) -> None:
    ink, gray = _cell(SLANTED[sign], blur)
    assert lone_sign(ink, gray, SCALE) == (None if blur else sign)  # never ＞ or ＜


@pytest.mark.parametrize("lower", [4, 5])
def test_a_chevron_whose_arms_do_not_balance_is_left_to_the_recogniser(lower: int) -> None:
    """A lower arm thicker than the upper (a slanted bar run into it, or a pen stroke
    across): neither ＞ nor ≥ can be told from the shape."""
    def lopsided(page: np.ndarray) -> None:
        _lines((35, 14, 53, 24), thick=3)(page)
        _lines((53, 24, 35, 34), thick=lower + 3)(page)

    ink, gray = _cell(lopsided, blur=False)
    assert lone_sign(ink, gray, SCALE) in ("≥", None)


@pytest.mark.parametrize("blur", [False, True], ids=["crisp", "blurred"])
@pytest.mark.parametrize("glyph", list(NOT_SIGNS))
def test_other_glyphs_are_left_to_the_recogniser(glyph: str, blur: bool) -> None:
    ink, gray = _cell(NOT_SIGNS[glyph], blur)
    assert lone_sign(ink, gray, SCALE) is None


def test_a_sign_beside_other_ink_is_left_to_the_recogniser() -> None:
    def two(page: np.ndarray) -> None:
        GE(page)
        _lines((62, 14, 62, 38))(page)  # a 1 after it: ≥1 is text, not a lone sign

    ink, gray = _cell(two, blur=False)
    assert lone_sign(ink, gray, SCALE) is None
