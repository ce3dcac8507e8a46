"""Grid detection on a rendered page: every cell found, spans right; skew up to 6°;
fax-like page; a table of one row."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from extractor.scan.lines import find_tables
from extractor.scan.preprocess import prepare_page, rotate
from tests.scan_fixtures import TruthCell, render_form_pdf, seed_forms

DPI = 200
SCALE = DPI / 72


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, list[TruthCell]]:
    import pypdfium2 as pdfium

    path = tmp_path_factory.mktemp("form") / "form.pdf"
    truth = render_form_pdf(seed_forms()[9], path)  # a form with a 4-row 数量指标 block
    pdf = pdfium.PdfDocument(str(path))
    image = np.asarray(pdf[0].render(scale=SCALE).to_pil().convert("RGB"))
    pdf.close()
    return image, truth


def _match(cells, truth: list[TruthCell], tol: float):
    found = {}
    for t in truth:
        hits = [c for c in cells if all(abs(a - b) <= tol for a, b in zip(c.bbox, t.bbox, strict=True))]
        assert len(hits) == 1, f"cell {t.text!r} at {t.bbox}: {len(hits)} matches"
        found[t] = hits[0]
    return found


def _check_spans(table) -> None:
    for c in table.cells:
        assert abs(table.row_edges[c.row] - c.bbox[1]) < 0.5
        assert abs(table.row_edges[c.row + c.row_span] - c.bbox[3]) < 0.5
        assert abs(table.col_edges[c.col] - c.bbox[0]) < 0.5
        assert abs(table.col_edges[c.col + c.col_span] - c.bbox[2]) < 0.5


def test_every_cell_found_with_spans(form) -> None:
    image, truth = form
    prep = prepare_page(image, SCALE)
    tables, _ = find_tables(prep.ink, SCALE, 1)
    assert len(tables) == 1
    table = tables[0]
    assert len(table.cells) == len(truth)
    found = _match(table.cells, truth, tol=1.5)
    _check_spans(table)
    label = next(t for t in truth if t.text.replace("\n", "") == "绩效指标")
    assert label.row_span == 1 + 12  # header and the form's 12 indicator rows
    assert found[label].row_span >= label.row_span
    level1 = next(t for t in truth if t.text == "产出指标")
    assert found[level1].row_span >= level1.row_span == 7
    name = next(t for t in truth if t.text == seed_forms()[9][0][1])
    assert found[name].col_span > 1  # the project name value spans columns


def test_skew_of_three_degrees(form) -> None:
    image, truth = form
    skewed = np.stack([rotate(image[:, :, i], 3.0, border=255) for i in range(3)], axis=2)
    prep = prepare_page(skewed, SCALE)
    assert prep.angle == pytest.approx(-3.0, abs=0.1)
    tables, _ = find_tables(prep.ink, SCALE, 1)
    assert len(tables) == 1 and len(tables[0].cells) == len(truth)
    _match(tables[0].cells, truth, tol=2.5)


@pytest.mark.parametrize("degrees", [-4.6, 5.5])
def test_a_sheet_fed_crooked_is_levelled(form, degrees: float) -> None:
    """Beyond ±3° the rulings' horizontal runs break up; the search goes on round a
    wider guess on the side where the level search ended."""
    image, truth = form
    skewed = np.stack([rotate(image[:, :, i], degrees, border=255) for i in range(3)], axis=2)
    prep = prepare_page(skewed, SCALE)
    assert prep.angle == pytest.approx(-degrees, abs=0.1)
    tables, _ = find_tables(prep.ink, SCALE, 1)
    assert len(tables) == 1 and len(tables[0].cells) == len(truth)


def test_a_table_of_one_row(form) -> None:
    """A form's closing row alone at the top of a page (总分 | 100 | 98): its walls are
    shorter than a ruling long enough to vouch for others, but run between two that are."""
    image, _ = form
    page = np.full_like(image, 255)
    x0, x1, y0, y1 = (int(v * SCALE) for v in (60, 540, 80, 100))
    for y in (y0, y1):
        cv2.line(page, (x0, y), (x1, y), (0, 0, 0), 2)
    for x in (x0, int(400 * SCALE), int(470 * SCALE), x1):
        cv2.line(page, (x, y0), (x, y1), (0, 0, 0), 2)
    prep = prepare_page(page, SCALE)
    tables, _ = find_tables(prep.line_ink, SCALE, 1)
    assert len(tables) == 1 and len(tables[0].cells) == 3


def test_a_ruling_carried_on_by_a_ghost_does_not_join_two_tables(form) -> None:
    """Another sheet's ruling showing through the paper (bleed-through) may carry a wall
    of one table on across the gap to the next: the faint stretch is cut off."""
    image, _ = form
    page = np.full(image.shape[:2], 252, np.uint8)

    def grid(top: float) -> None:
        x0, x1 = int(60 * SCALE), int(540 * SCALE)
        ys = [int((top + 20 * r) * SCALE) for r in range(4)]
        for y in ys:
            cv2.line(page, (x0, y), (x1, y), 0, 2)
        for x in (x0, int(200 * SCALE), int(400 * SCALE), x1):
            cv2.line(page, (x, ys[0]), (x, ys[-1]), 0, 2)

    grid(100)
    grid(260)
    x = int(540 * SCALE)
    cv2.line(page, (x, int(160 * SCALE)), (x, int(260 * SCALE)), 232, 2)  # the ghost
    prep = prepare_page(page, SCALE)
    tables, _ = find_tables(prep.line_ink, SCALE, 1, prep.gray)
    assert [len(t.cells) for t in tables] == [9, 9]


def test_a_faded_copys_thin_rulings_are_kept_and_a_short_grey_stroke_is_not() -> None:
    """On a faded copy the paper and the ink lie close (here 234 and 190), and a thin
    ruling, blurred, prints much lighter than the thick ones that set the ink's level:
    a long straight piece that light is still a ruling; a short one (a grey seal's bar,
    a pen's stroke) is not."""
    from extractor.grid.build import Segment
    from extractor.scan.lines import drop_faint

    shape = (int(300 * SCALE), int(600 * SCALE))
    gray = np.full(shape, 234, np.uint8)
    thick = [Segment(True, y, 60, 540) for y in (40.0, 260.0)] + [
        Segment(False, x, 40, 260) for x in (60.0, 540.0)]
    thin = [Segment(True, 150.0, 60, 540), Segment(False, 300.0, 40, 260)]
    stroke = Segment(True, 100.0, 350, 395)  # 45 pt, as light as the thin rulings
    for r, level in [*((r, 190) for r in thick), *((r, 214) for r in (*thin, stroke))]:
        a, b, at = int(r.start * SCALE), int(r.end * SCALE), int(r.at * SCALE)
        if r.horizontal:
            gray[at - 1:at + 2, a:b] = level
        else:
            gray[a:b, at - 1:at + 2] = level
    assert drop_faint([*thick, *thin, stroke], gray, SCALE) == [*thick, *thin]


def test_fax_like_binarised_page(form) -> None:
    image, truth = form
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    grey = cv2.GaussianBlur(grey, (0, 0), 0.8)
    fax = np.where(grey > 150, 255, 0).astype(np.uint8)
    rng = np.random.default_rng(1)
    fax[rng.random(fax.shape) < 0.002] = 0  # salt
    prep = prepare_page(fax, SCALE)
    tables, _ = find_tables(prep.ink, SCALE, 1)
    assert len(tables) == 1 and len(tables[0].cells) == len(truth)


def test_broken_and_crossed_lines_are_repaired(form) -> None:
    image, truth = form
    broken = image.copy()
    ys = {v for t in truth for v in (t.bbox[1], t.bbox[3])}
    xs = {v for t in truth for v in (t.bbox[0], t.bbox[2])}
    gap = int(3 * SCALE)  # 3-pt breaks every 40 pt in every ruling, 14 pt from junctions

    def clear(v: float, others: set[float]) -> bool:
        return all(abs(v - o) > 14 and abs(v + 3 - o) > 14 for o in others)

    for y in ys:
        for x in (x for x in range(60, 540, 40) if clear(x, xs)):
            broken[int((y - 2) * SCALE):int((y + 2) * SCALE), int(x * SCALE):int(x * SCALE) + gap] = 255
    for x in xs:
        for y in (y for y in range(100, 780, 40) if clear(y, ys)):
            broken[int(y * SCALE):int(y * SCALE) + gap, int((x - 2) * SCALE):int((x + 2) * SCALE)] = 255
    cv2.line(broken, (int(100 * SCALE), int(300 * SCALE)), (int(500 * SCALE), int(320 * SCALE)),
             (20, 20, 20), 3)  # a stroke crossing several cells
    prep = prepare_page(broken, SCALE)
    tables, _ = find_tables(prep.ink, SCALE, 1)
    assert len(tables) == 1
    _match(tables[0].cells, truth, tol=1.5)


def test_a_ruling_parted_by_a_seal_rings_removal_is_bridged_over_the_ring() -> None:
    """Taking a seal's ring out of the ink takes the stretch of a ruling under it too:
    two pieces of one line, the gap on the ring, are one ruling again; a gap off the
    ring, or too long, stays."""
    from extractor.grid.build import Segment
    from extractor.scan.lines import bridge_marked_gaps

    ring = np.zeros((int(300 * SCALE), int(600 * SCALE)), np.uint8)
    ring[:, int(200 * SCALE):int(212 * SCALE)] = 255  # a ring's stroke crossing the ruling
    pieces = [Segment(True, 100.0, 60, 200), Segment(True, 100.4, 212, 540)]
    assert bridge_marked_gaps(pieces, ring, SCALE) == [Segment(True, 100.2, 60, 540)]
    off = [Segment(True, 100.0, 60, 300), Segment(True, 100.0, 312, 540)]  # no ring there
    assert bridge_marked_gaps(off, ring, SCALE) == off
    apart = [Segment(True, 100.0, 60, 200), Segment(True, 104.0, 212, 540)]  # two lines
    assert bridge_marked_gaps(apart, ring, SCALE) == apart


def test_rulings_crossing_a_seal_are_kept_for_the_grid_found_without_its_ink() -> None:
    """The grid is found again without a seal's ink; the first pass's rulings that lie
    mostly off the seal (a wall crossing it) are kept for it, the seal's own strokes not."""
    from extractor.grid.build import Segment
    from extractor.scan.lines import crossing_seal

    shape = (int(300 * SCALE), int(600 * SCALE))
    seal = np.zeros(shape, np.uint8)
    seal[int(40 * SCALE):int(200 * SCALE), int(60 * SCALE):int(220 * SCALE)] = 255
    gray = np.full(shape, 245, np.uint8)
    wall = Segment(False, 80.0, 120, 290)  # the table's left wall, its top under the seal
    top = Segment(True, 120.0, 80, 540)  # the top ruling, its left end under the seal
    bottom = Segment(True, 290.0, 80, 540)
    stroke = Segment(True, 150.0, 90, 200)  # a stroke of the seal's star
    carried = Segment(True, 180.0, 150, 540)  # a ruling carried on by a pale stroke in line
    for r in (wall, top, bottom, carried):
        a, b, at = int(r.start * SCALE), int(r.end * SCALE), int(r.at * SCALE)
        if r.horizontal:
            gray[at - 1:at + 2, a:b] = 20
        else:
            gray[a:b, at - 1:at + 2] = 20
    gray[int(179 * SCALE):int(182 * SCALE), int(150 * SCALE):int(220 * SCALE)] = 200  # the pale stroke
    glyph = Segment(False, 300.0, 120, 136)  # a glyph's stroke between two rulings: short
    found = crossing_seal([wall, top, bottom, stroke, carried, glyph], seal, gray, SCALE)
    assert found == [wall, top, bottom]
    page = np.zeros((int(300 * SCALE), int(600 * SCALE)), np.uint8)  # no ink at all
    grid = [Segment(True, y, 80, 540) for y in (120.0, 160.0)] + [
        Segment(False, x, 120, 160) for x in (80.0, 300.0, 540.0)]
    tables, _ = find_tables(page, SCALE, 1, also=grid)
    assert [len(t.cells) for t in tables] == [2]


def test_no_table_on_blank_page() -> None:
    blank = np.full((int(842 * SCALE), int(595 * SCALE)), 250, np.uint8)
    prep = prepare_page(blank, SCALE)
    assert prep.angle == 0.0
    assert find_tables(prep.ink, SCALE, 1)[0] == []


def test_fixture_pdf_is_made_in_tmp(tmp_path: Path) -> None:
    truth = render_form_pdf(seed_forms()[0], tmp_path / "f.pdf")
    assert (tmp_path / "f.pdf").stat().st_size > 0 and len(truth) > 100
