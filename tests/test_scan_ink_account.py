"""A reading must account for the ink (extractor/scan/cells.py unlined, extent.py): a
cell whose only mark is too thin for a text line is read from its shape or flagged,
never confidently empty; a line read with fewer or narrower glyphs than its ink needs is
flagged; a lone mark a seal kept from being read by its shape is read, and held against
it."""

from __future__ import annotations

import cv2
import numpy as np

from devkit.fake_ocr import FakeEngine
from extractor.models import Cell, Table
from extractor.ocr import OcrResult
from extractor.record import Flag
from extractor.scan.cells import cells_to_lines
from extractor.scan.chain import decide
from extractor.scan.extent import accounts_for_ink
from extractor.scan.ink import PageInk
from extractor.scan.thresholds import EMPTY_CONFIDENCE, FLAGGED_CEILING

SCALE = 200 / 72
H, W = 200, 400  # a page of one cell, in pixels


def _page(draw) -> tuple[PageInk, Table]:  # type: ignore[no-untyped-def]
    gray = np.full((H, W), 255, np.uint8)
    draw(gray)
    text = ((gray < 128) * 255).astype(np.uint8)
    none = np.zeros((H, W), bool)
    ink = PageInk(text, gray, np.zeros((H, W), np.uint8), none, none)
    cell = Cell((0.0, 0.0, W / SCALE, H / SCALE), 0, 0)
    return ink, Table(1, cell.bbox, (cell,))


def test_a_thin_dash_is_read_from_its_shape_not_as_an_empty_cell() -> None:
    # 5 pt long, 1 px thick: under a text line's ink (text_lines.MIN_BAND_PT2)
    ink, table = _page(lambda g: cv2.line(g, (190, 100), (204, 100), 0, 1))
    jobs, preset = cells_to_lines(0, table, ink, SCALE)
    assert not jobs and preset[0].text == "—"


def test_an_unshaped_mark_with_no_line_is_flagged_not_empty() -> None:
    # a faint short tick: no dash, slash or sign, no line of text
    ink, table = _page(lambda g: cv2.line(g, (190, 96), (192, 105), 0, 1))
    _jobs, preset = cells_to_lines(0, table, ink, SCALE)
    got = preset[0]
    assert got.text == "" and got.confidence < EMPTY_CONFIDENCE and Flag.UNREADABLE in got.flags


def _under_seal(draw, print_grey: float | None):  # type: ignore[no-untyped-def]
    """A cell whose ink a pale seal's fading took (text ink empty, the seal's mask over
    it); the page as scanned drawn by `draw`."""
    from dataclasses import replace

    page = np.full((H, W), 230, np.uint8)
    draw(page)
    ink, table = _page(lambda g: None)
    seal = np.zeros((H, W), np.uint8)
    seal[20:180, 20:380] = 255
    return replace(ink, seal=seal, print_grey=print_grey, gray=page), table


def test_print_the_fading_of_a_seal_took_is_no_confident_empty_cell() -> None:
    """A printed dash under a seal's ring, faded with it: the page as scanned holds print
    there, so the cell is the dash, flagged, not empty; a cell under the seal with no
    print is empty as before, and so is any cell when the page's print is not known."""
    def dash(g):  # type: ignore[no-untyped-def]
        cv2.line(g, (180, 100), (214, 100), 25, 3)
    ink, table = _under_seal(dash, 20.0)
    _jobs, preset = cells_to_lines(0, table, ink, SCALE)
    assert preset[0].text == "—" and Flag.LOW_CONFIDENCE in preset[0].flags
    ink, table = _under_seal(lambda g: None, 20.0)
    _jobs, preset = cells_to_lines(0, table, ink, SCALE)
    assert preset[0].text == "" and not preset[0].flags
    ink, table = _under_seal(dash, None)
    _jobs, preset = cells_to_lines(0, table, ink, SCALE)
    assert preset[0].text == "" and not preset[0].flags


def _glyphs(n: int, gap: int) -> np.ndarray:
    """A line crop of n solid 'glyphs' 30 px tall and 28 px wide, `gap` px apart."""
    crop = np.full((40, 10 + n * (28 + gap)), 255, np.uint8)
    for i in range(n):
        x = 5 + i * (28 + gap)
        crop[5:35, x:x + 28] = 0
    return crop


def test_a_reading_with_fewer_glyphs_than_separate_marks_is_flagged() -> None:
    crop = _glyphs(3, 26)  # three marks set wide apart
    assert accounts_for_ink("元/人", crop)
    assert not accounts_for_ink("元人", crop)
    got = decide([crop], [OcrResult("元人", 0.99)], (FakeEngine("元人", 0.99),))
    assert Flag.LOW_CONFIDENCE in got.flags and got.confidence <= FLAGGED_CEILING


def test_a_reading_too_narrow_for_its_ink_is_flagged() -> None:
    crop = _glyphs(6, 3)  # six glyphs set solid
    assert accounts_for_ink("项目支出绩效", crop)
    assert not accounts_for_ink("项目", crop)
    assert accounts_for_ink("", crop)  # an empty reading is the chain's to flag


def test_a_flat_mark_says_nothing_about_the_em() -> None:
    crop = np.full((40, 120), 255, np.uint8)
    crop[20:22, 5:115] = 0  # a long rule, grown to a line's height
    assert accounts_for_ink("—", crop)


def _slash_under_a_mark() -> tuple[PageInk, Table]:
    """A lone slash with a seal's stroke near it: not read from its shape alone."""
    ink, table = _page(lambda g: cv2.line(g, (205, 80), (190, 118), 0, 3))
    ink.marks[84:112, 170:176] = 255  # the seal's ink, beside the slash
    return ink, table


def test_a_lone_mark_under_a_seal_is_read_and_held_against_its_shape() -> None:
    from extractor.scan.page import read_table_cells

    ink, table = _slash_under_a_mark()
    jobs, preset = cells_to_lines(0, table, ink, SCALE)
    assert not preset and [j.shape for j in jobs] == ["/"]

    def two(text: str) -> tuple[FakeEngine, FakeEngine]:  # two engines agreeing on `text`
        return FakeEngine(text, 0.99, name="tiny"), FakeEngine(text, 0.99, name="tesseract")

    misread = read_table_cells(0, table, ink, SCALE, two("1")).cells[0]
    assert misread.text == "1" and Flag.LOW_CONFIDENCE in misread.flags
    assert misread.confidence <= FLAGGED_CEILING
    agreed = read_table_cells(0, table, ink, SCALE, two("/")).cells[0]
    assert agreed.text == "/" and not agreed.flags


def test_a_pen_circles_arc_over_the_ruling_is_no_confident_dash() -> None:
    """A pen's circle in the row below pokes over the ruling: its arc, alone at the cell's
    bottom edge, is a flat bar by its box. Read as a dash at 0.97 it was a silent error; it
    is the cell read empty, flagged."""
    ink, table = _page(lambda g: cv2.ellipse(g, (200, 215), (30, 22), 0, 200, 340, 0, 2))
    jobs, preset = cells_to_lines(0, table, ink, SCALE)
    got = preset[0]
    assert not jobs and got.text == "" and Flag.LOW_CONFIDENCE in got.flags
