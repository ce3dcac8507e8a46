"""Lone marks read from their shape (extractor.scan.shapes): a slash whatever its
rounded tips, and not a 1 or a 7; a bold dash however a blurred scan thickens its box,
and not 十; another sheet's print showing through left out; a lone stroke at a cell's top
or bottom edge is a mark from outside."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from extractor.scan.reading import CellReading
from extractor.scan.shapes import edge_stroke, is_lone_dash, is_lone_slash, read_shape
from extractor.scan.thresholds import DASH_CONFIDENCE

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


@pytest.mark.parametrize("thick", [6, 8])
def test_a_steep_slash_a_dark_copy_thickened_is_a_slash(thick: int) -> None:
    """Its rows span more than SLASH_SPAN_SHARE of its narrow box, all alike."""
    ink = _cell(lambda m: cv2.line(m, (32, 18), (26, 40), 255, thick, cv2.LINE_AA))
    assert is_lone_slash(np.where(ink > 100, 255, 0).astype(np.uint8), SCALE)


@pytest.mark.parametrize("thick", [3, 6])
def test_a_seven_a_z_and_a_four_are_not_slashes_however_thick(thick: int) -> None:
    seven = _cell(lambda m: (cv2.line(m, (22, 14), (36, 14), 255, thick), cv2.line(m, (36, 14), (28, 40), 255, thick)))
    zed = _cell(lambda m: (cv2.line(m, (22, 14), (36, 14), 255, thick), cv2.line(m, (36, 14), (22, 40), 255, thick),
                           cv2.line(m, (22, 40), (36, 40), 255, thick)))
    four = _cell(lambda m: (cv2.line(m, (34, 14), (22, 32), 255, thick), cv2.line(m, (22, 32), (40, 32), 255, thick),
                            cv2.line(m, (34, 14), (34, 42), 255, thick)))
    assert not any(is_lone_slash(ink, SCALE) for ink in (seven, zed, four))


def test_a_one_and_a_seven_are_not_slashes() -> None:
    one = _cell(lambda m: (cv2.line(m, (30, 14), (30, 42), 255, 3), cv2.line(m, (30, 14), (25, 19), 255, 3)))
    seven = _cell(lambda m: (cv2.line(m, (22, 14), (38, 14), 255, 3), cv2.line(m, (38, 14), (27, 42), 255, 3)))
    assert not is_lone_slash(one, SCALE) and not is_lone_slash(seven, SCALE)


def _blurred_dash(tilt: int) -> np.ndarray:
    """A bold dash (2 pt) as a blurred scan binarises it: its box a row or two taller than
    its stroke, more when it is slightly tilted."""
    ink = np.zeros((60, 80), np.uint8)
    cv2.line(ink, (24, 30), (54, 30 + tilt), 255, 4, cv2.LINE_AA)
    return np.where(cv2.GaussianBlur(ink, (5, 5), 0) > 60, 255, 0).astype(np.uint8)


@pytest.mark.parametrize("tilt", [0, 2])
def test_a_bold_dash_on_a_blurred_scan_is_a_dash(tilt: int) -> None:
    ink = _blurred_dash(tilt)
    _, _, stats = cv2.connectedComponentsWithStats(ink)[:3]
    assert stats[1][cv2.CC_STAT_HEIGHT] > 2.5 * SCALE  # its box: taller than a dash's stroke
    assert is_lone_dash(ink, SCALE)


def test_a_cross_is_no_dash() -> None:
    ink = _blurred_dash(0)
    cv2.line(ink, (39, 20), (39, 40), 255, 4)  # 十
    assert not is_lone_dash(ink, SCALE)


def test_print_showing_through_from_another_sheet_does_not_count() -> None:
    """A dash beside a much lighter glyph (bleed-through): the dash is read; the same
    glyph printed as dark as the dash makes the cell text."""
    ink = _blurred_dash(0)
    cv2.rectangle(ink, (4, 4), (16, 20), 255, 2)  # 口, another sheet's
    gray = np.where(ink > 0, 20, 225).astype(np.uint8)
    gray[2:23, 2:19] = np.where(ink[2:23, 2:19] > 0, 185, 225)
    assert read_shape(ink, gray, SCALE) == CellReading("—", DASH_CONFIDENCE)
    assert read_shape(ink, np.where(ink > 0, 20, 225).astype(np.uint8), SCALE) is None


def test_a_cell_holding_only_another_sheets_print_is_known_by_the_pages_print() -> None:
    """Bleed-through alone in a cell (a ruling of the back page showing through, read as a
    dash): nothing in the cell is darker to compare it with, but the page's print is."""
    from extractor.scan.lines import components
    from extractor.scan.shapes import front_ink

    ink = _blurred_dash(0)  # the ghost's shape
    gray = np.where(ink > 0, 185, 225).astype(np.uint8)  # as pale as print showing through
    kept, _ = front_ink(ink, gray, components(ink))
    assert np.count_nonzero(kept) == np.count_nonzero(ink)  # alone: nothing to compare with
    kept, _ = front_ink(ink, gray, components(ink), print_grey=20.0)  # the page prints at 20
    assert np.count_nonzero(kept) == 0
    dark = np.where(ink > 0, 30, 225).astype(np.uint8)  # printed on this side
    kept, _ = front_ink(ink, dark, components(ink), print_grey=20.0)
    assert np.count_nonzero(kept) == np.count_nonzero(ink)


def test_a_dash_sized_piece_of_a_broken_pen_stroke_is_no_dash() -> None:
    """A faint pen stroke broken into a trail of specks, one piece of it a short flat bar:
    the bar does not account for the cell's ink, so it is not read as a dash; a dash with
    a speck beside it still is."""
    gray = np.full((60, 120), 225, np.uint8)
    trail = np.zeros((60, 120), np.uint8)
    cv2.line(trail, (40, 50), (49, 50), 255, 2)  # the piece a dash's size
    for x in range(5, 115, 7):  # the rest of the stroke, in specks along an arc
        if not 36 <= x <= 52:
            y = 50 - int(0.002 * (x - 60) ** 2)
            trail[y:y + 2, x:x + 2] = 255
    gray[trail > 0] = 40
    assert read_shape(trail, gray, SCALE) is None
    dash = np.zeros((60, 120), np.uint8)
    cv2.line(dash, (40, 30), (70, 30), 255, 4)
    dash[36:38, 72:74] = 255  # a speck just beside it
    assert read_shape(dash, np.where(dash > 0, 40, 225).astype(np.uint8), SCALE) == CellReading("—", DASH_CONFIDENCE)


def _arc_at_bottom(m: np.ndarray) -> None:
    """The top of a pen's circle drawn in the cell below, poking over the ruling: a
    shallow arc along the crop's bottom edge."""
    cv2.ellipse(m, (40, 80), (22, 24), 0, 200, 340, 255, 2)


def test_a_lone_stroke_at_a_cells_top_or_bottom_is_a_mark_from_outside() -> None:
    ink = _cell(_arc_at_bottom)
    assert edge_stroke(ink, SCALE)
    assert edge_stroke(np.flipud(ink).copy(), SCALE)  # a seal's arc at the top edge


def test_print_clear_of_the_top_and_bottom_is_no_mark_from_outside() -> None:
    centred = _cell(lambda m: cv2.line(m, (22, 30), (38, 30), 255, 3))
    left = _cell(lambda m: cv2.line(m, (1, 30), (17, 30), 255, 3))  # aligned left, little padding
    tall_one = _cell(lambda m: cv2.line(m, (30, 0), (30, 59), 255, 3))  # a 1 filling a tight row
    assert not any(edge_stroke(ink, SCALE) for ink in (centred, left, tall_one))
