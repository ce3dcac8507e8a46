"""The scan path end to end on a synthetic form: engines via fakes, a seal over a
value cell, the confidence rule, a crashing engine, no text layer in scans."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from devkit.fake_ocr import CrashingEngine, FakeEngine
from extractor.compare import normalize_text
from extractor.config import Settings, load_settings
from extractor.models import Page, Table
from extractor.ocr import Glyph, OcrResult, register
from extractor.scan import read_image_page, seals
from extractor.scan.cells import INSET_PT, crossing_rows
from extractor.scan.chain import decide, despeck
from extractor.scan.ink import strip_rulings
from extractor.scan.lines import RULING_BAND_PT
from extractor.scan.reading import CellReading
from extractor.scan.text_lines import text_bands
from samples import scan_sim
from tests.scan_fixtures import PAGE_H, PAGE_W, TruthCell, render_form_pdf, seed_forms

DPI = 200
SCALE = DPI / 72
PAGE = Page(1, PAGE_W, PAGE_H, "image")
FORM = 3  # 安置帮教对象帮教经费


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, list[TruthCell], Path]:
    import pypdfium2 as pdfium

    path = tmp_path_factory.mktemp("form") / "form.pdf"
    truth = render_form_pdf(seed_forms()[FORM], path)
    pdf = pdfium.PdfDocument(str(path))
    image = np.asarray(pdf[0].render(scale=SCALE).to_pil().convert("RGB"))
    pdf.close()
    return image, truth, path


def cell_at(table: Table, bbox: tuple[float, float, float, float]):
    return next(c for c in table.cells if all(abs(a - b) < 2 for a, b in zip(c.bbox, bbox, strict=True)))


def settings_for(engine: str, second: bool = False) -> Settings:
    return load_settings({}, ocr_engine=engine, ocr_second_opinion=second)


def test_fake_engine_fills_every_inked_cell(form) -> None:
    image, truth, _ = form
    # a CJK answer: a lone glyph read as a Latin letter is flagged (chain._lone_letter)
    # as many glyphs as the line's ink is ems wide: a reading must account for the ink
    register("fake-x", lambda: FakeEngine(answer=_glyph_per_em, name="fake-x"))
    reading = read_image_page(image, SCALE, PAGE, settings_for("fake-x"))
    assert reading.engine == "fake-x" and len(reading.tables) == 1
    table = reading.tables[0]
    for t in truth:
        c = cell_at(table, t.bbox)
        if not t.text.strip():
            assert c.text == "" and c.confidence >= 0.9 and not c.flags
        elif t.text.strip() == "—":
            assert c.text == "—"
        else:
            assert set(c.text.replace("\n", "")) == {"字"} and not c.flags
        assert c.bbox[0] >= 0 and c.bbox[2] <= PAGE_W  # points, not pixels
    assert any("字" in ln.text for ln in reading.lines)  # title and year line were read


def _glyph_per_em(crop: np.ndarray, _kind: str) -> OcrResult:
    ys, xs = np.nonzero(crop < 128)
    n = 1 if len(xs) == 0 else max(1, round((np.ptp(xs) + 1) / (np.ptp(ys) + 1)))
    return OcrResult("字" * n, 0.99)


def _decide(first: list[OcrResult], second: list[OcrResult] | None) -> CellReading:
    crops = [np.full((20, 40), 255, np.uint8)] * len(first)
    primary = FakeEngine("unused", name="p")
    answers = iter(second or [])
    other = FakeEngine(answer=lambda _im, _k: next(answers))
    return decide(crops, first, (primary,) if second is None else (primary, other))


def test_a_cell_read_as_a_lone_tick_is_flagged() -> None:
    for tick in ("√", "V", "x"):
        got = _decide([OcrResult(tick, 0.99)], None)
        assert got.text == tick and "low_confidence" in got.flags and got.confidence <= 0.6
    assert not _decide([OcrResult("V2", 0.99)], None).flags  # not alone: text


def test_a_pen_marks_line_beside_printed_lines_is_dropped_and_flagged() -> None:
    got = _decide([OcrResult("▲", 0.99), OcrResult("215人次", 0.99)], None)
    assert got.text == "215人次" and "low_confidence" in got.flags
    got = _decide([OcrResult("10", 0.99), OcrResult("V", 0.98)], None)
    assert got.text == "10" and "low_confidence" in got.flags
    for stroke in ("-", "—", "_"):  # a pen's stroke read as a dash
        got = _decide([OcrResult("15", 0.99), OcrResult(stroke, 0.9)], None)
        assert got.text == "15" and "low_confidence" in got.flags
    dashes = _decide([OcrResult("-", 0.9), OcrResult("—", 0.9)], None)  # nothing printed beside
    assert dashes.text == "-\n—"
    wrapped = _decide([OcrResult("800", 0.99), OcrResult("1", 0.99)], None)  # a digit: kept
    assert wrapped.text == "800\n1" and "low_confidence" in wrapped.flags
    unit = _decide([OcrResult("99.98", 0.99), OcrResult("%", 0.99)], None)
    assert unit == CellReading("99.98\n%", 0.99)


def test_confidence_rule() -> None:
    sure = _decide([OcrResult("60.00", 0.99)], None)
    assert sure == CellReading("60.00", 0.99)
    agree = _decide([OcrResult("60.00", 0.7)], [OcrResult("60.00", 0.8)])
    assert agree.confidence >= 0.9 and not agree.flags
    disagree = _decide([OcrResult("60.00", 0.7)], [OcrResult("80.00", 0.9)])
    assert disagree.text == "60.00" and "engines_disagree" in disagree.flags
    assert disagree.confidence < 0.9
    alone = _decide([OcrResult("60.00", 0.7)], None)
    assert alone.flags == ("low_confidence",) and alone.confidence < 0.9
    nothing = _decide([OcrResult("", 0.0)], [OcrResult("", 0.0)])
    assert "unreadable" in nothing.flags
    lines = _decide([OcrResult("第一行", 0.99), OcrResult("第二行", 0.99)], None)
    assert lines.text == "第一行\n第二行"


def _chain(*answers: tuple[str, str, float]) -> tuple[FakeEngine, ...]:
    """Engines by registry name (rank, family), each answering one text and score."""
    return tuple(FakeEngine(text, conf, name=name) for name, text, conf in answers)


def test_chain_asks_on_only_while_unsure() -> None:
    crop = [np.full((20, 40), 255, np.uint8)]
    tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", "北京", 0.97), ("tesseract", "北京", 0.9))
    got = decide(crop, [OcrResult("北京", 0.99)], (tiny, rapid, tess))
    assert got == CellReading("北京", 0.99) and rapid.calls == tess.calls == 0
    # the primary unsure: a better engine sure of itself is taken on its word alone
    got = decide(crop, [OcrResult("北泉", 0.6)], (tiny, rapid, tess))
    assert got.text == "北京" and not got.flags and rapid.calls == 1 and tess.calls == 0
    # a weaker engine is never taken alone: tesseract sure, the two before it unsure
    tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", "北泉", 0.5), ("tesseract", "北京", 0.99))
    got = decide(crop, [OcrResult("北亰", 0.6)], (tiny, rapid, tess))
    assert got.text == "北泉" and "engines_disagree" in got.flags and got.confidence <= 0.6


def test_kin_engines_agreeing_unsure_ask_an_engine_of_another_family() -> None:
    crop = [np.full((20, 40), 255, np.uint8)]
    tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", "不适用", 0.7), ("tesseract", "不适用", 0.8))
    got = decide(crop, [OcrResult("不适用", 0.6)], (tiny, rapid, tess))
    assert tess.calls == 1 and got.text == "不适用" and not got.flags
    tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", "不适用", 0.7), ("tesseract", "不适", 0.8))
    got = decide(crop, [OcrResult("不适用", 0.6)], (tiny, rapid, tess))
    assert "engines_disagree" in got.flags  # two PP-OCR models agreeing unsure is not enough


def test_a_sure_reading_that_drops_a_sign_another_engine_read_is_not_taken_alone() -> None:
    crop = [np.full((20, 40), 255, np.uint8)]
    for said, dropped in (("12.31", "1231"), ("元/人", "元人"), ("≥95%", "95%")):
        tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", dropped, 0.99), ("tesseract", "", 0.0))
        got = decide(crop, [OcrResult(said, 0.9)], (tiny, rapid, tess))
        assert tess.calls == 1 and "engines_disagree" in got.flags, said
        tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", dropped, 0.99), ("tesseract", said, 0.9))
        got = decide(crop, [OcrResult(said, 0.9)], (tiny, rapid, tess))
        assert got.text == said and not got.flags  # the third engine saw the sign too
    # a glyph changed, not a sign dropped: the better engine is taken on its word
    tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", "12.34", 0.99), ("tesseract", "", 0.0))
    got = decide(crop, [OcrResult("12.31", 0.9)], (tiny, rapid, tess))
    assert got == CellReading("12.34", 0.99) and tess.calls == 0


def test_a_lone_letter_or_digit_no_engine_is_half_sure_of_is_no_reading() -> None:
    """A pen's tick over an empty cell read as 1 by one engine and V by another: the cell
    is reported unreadable, with no text, not as either guess."""
    crop = [np.full((20, 40), 255, np.uint8)]
    tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", "V", 0.3), ("tesseract", "7", 0.2))
    got = decide(crop, [OcrResult("1", 0.4)], (tiny, rapid, tess))
    assert got == CellReading("", 0.5, ("unreadable", "low_confidence"))
    # one engine half sure, a sign, a CJK grade, a longer reading: kept as read, flagged
    for better in ("5", 0.7), ("%", 0.3), ("优", 0.3), ("16", 0.3):  # the better engine's
        tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", *better), ("tesseract", "", 0.0))
        got = decide(crop, [OcrResult("X", 0.4)], (tiny, rapid, tess))
        assert got.text == better[0] and "engines_disagree" in got.flags, better


def test_a_lone_guess_beside_printed_lines_is_dropped_and_flagged() -> None:
    crops = [np.full((20, 40), 255, np.uint8)] * 2
    tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", "7", 0.2), ("tesseract", "", 0.0))
    got = decide(crops, [OcrResult("经费支出", 0.99), OcrResult("1", 0.3)], (tiny, rapid, tess))
    assert got.text == "经费支出" and "low_confidence" in got.flags
    tiny, rapid, tess = _chain(("tiny", "", 0), ("rapid", "4", 0.9), ("tesseract", "", 0.0))
    got = decide(crops, [OcrResult("97", 0.99), OcrResult("1", 0.3)], (tiny, rapid, tess))
    assert got.text == "97\n4"  # a better engine half sure of it: kept


def test_a_multi_line_cell_asks_again_about_its_unsure_line_only() -> None:
    crops = [np.full((20, 40), 255, np.uint8)] * 3
    primary, second = _chain(("tiny", "", 0), ("rapid", "第二行", 0.99))
    first = [OcrResult("第一行", 0.99), OcrResult("第二行", 0.5), OcrResult("第三行", 0.99)]
    got = decide(crops, first, (primary, second))
    assert got.text == "第一行\n第二行\n第三行" and not got.flags and second.calls == 1
    # a mark near one line: that line is not taken on one engine's word
    got = decide(crops, [OcrResult("第一行", 0.99)] * 3, (primary, second), [False, True, False])
    assert second.calls == 2 and "engines_disagree" in got.flags


def test_a_speck_read_as_line_initial_punctuation_is_dropped_and_doubted() -> None:
    assert despeck(OcrResult("·8小时", 0.99)) == OcrResult("8小时", 0.9, partial=True)
    assert despeck(OcrResult("不适用·", 0.99)).text == "不适用"
    assert despeck(OcrResult("工作。", 0.99)) == OcrResult("工作。", 0.99)
    crop = [np.full((20, 40), 255, np.uint8)]
    tiny, rapid = _chain(("tiny", "", 0), ("rapid", ".8小时", 0.99))
    got = decide(crop, [OcrResult(".8小时", 0.99)], (tiny, rapid))
    assert got.text == "8小时" and got.flags  # both read the speck: neither is believed


def test_print_at_a_cells_edge_is_not_a_stroke_across_its_ruling() -> None:
    page = np.zeros((200, 400), np.uint8)
    inset, band = int(INSET_PT * SCALE), round(RULING_BAND_PT * SCALE)
    ruling = 100
    box = (ruling + inset, 50, 300, 150)  # the cell's crop, inset from its left ruling
    cv2.putText(page, "ABC", (box[0], 110), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 255, 4)
    page[:, ruling - band:ruling + band + 1] = 0  # the ruling's band painted out
    assert page[50:150, ruling + band + 1].any()  # print runs up to the band
    assert not len(crossing_rows(page, box, SCALE))
    cv2.line(page, (60, 120), (160, 135), 255, 3)  # a stroke across the ruling
    page[:, ruling - band:ruling + band + 1] = 0
    rows = crossing_rows(page, box, SCALE)
    assert len(rows) and rows.min() <= 126 - 50 <= rows.max()  # its rows at the cell's edge


def _seal_over_unit(image: np.ndarray, truth: list[TruthCell]) -> tuple[np.ndarray, TruthCell]:
    unit = next(t for t in truth if t.bbox[0] == 400 and t.bbox[1] > 100)  # 实施单位's value
    stamped = image.copy()
    cx, cy = (unit.bbox[0] + unit.bbox[2]) / 2, (unit.bbox[1] + unit.bbox[3]) / 2
    scan_sim.stamp(stamped, (int(cx * SCALE), int(cy * SCALE)), int(100 * SCALE),
                   np.random.default_rng(7))
    return stamped, unit


def test_red_seal_over_a_value_cell(form) -> None:
    image, truth, _ = form
    stamped, unit = _seal_over_unit(image, truth)
    reading = read_image_page(stamped, SCALE, PAGE, settings_for("rapid"))
    cell = cell_at(reading.tables[0], unit.bbox)
    assert cell.text == unit.text and not cell.flags
    assert len(reading.tables[0].cells) == len(truth)


def test_grey_seal_is_right_or_flagged(form) -> None:
    image, truth, _ = form
    stamped, _ = _seal_over_unit(image, truth)
    grey = np.repeat(stamped.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    reading = read_image_page(grey, SCALE, PAGE, settings_for("auto", second=True))
    table = reading.tables[0]
    for t in truth:
        c = cell_at(table, t.bbox)
        assert normalize_text(c.text) == normalize_text(t.text) or c.flags, (t.text, c.text)


def test_grey_seal_over_a_value_cell_is_faded_out(form) -> None:
    """On a grey scan the seal cannot be told by colour; its ink is paler than the print,
    so it is faded out by darkness: the value under it is read, and the ring's straighter
    stretches do not become rulings (the grid keeps its cells)."""
    image, truth, _ = form
    stamped, unit = _seal_over_unit(image, truth)
    grey = np.repeat(stamped.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    reading = read_image_page(grey, SCALE, PAGE, settings_for("rapid"))
    assert len(reading.tables[0].cells) == len(truth)
    cell = cell_at(reading.tables[0], unit.bbox)
    assert normalize_text(cell.text) == normalize_text(unit.text)


def test_fit_circle_takes_arcs_only() -> None:
    arc = np.zeros((400, 400), np.uint8)
    cv2.ellipse(arc, (200, 150), (120, 120), 0, 20, 160, 255, 8)  # the lower arc of a ring
    cx, cy, r, half = seals.fit_circle(*np.nonzero(arc.T), SCALE) or (0, 0, 0, 0)
    assert abs(cx - 200) < 3 and abs(cy - 150) < 3 and abs(r - 120) < 3 and half <= 5
    wave = np.zeros((400, 400), np.uint8)  # a signature's stroke
    xs = np.arange(20, 380)
    pts = np.stack([xs, 200 + 30 * np.sin(xs / 15)], axis=1).astype(np.int32)
    cv2.polylines(wave, [pts], False, 255, 5)
    assert seals.fit_circle(*np.nonzero(wave.T), SCALE) is None


def _image_pdf(form, tmp_path: Path) -> Path:
    image, _, _ = form
    from PIL import Image

    page = (Image.fromarray(image).convert("L"), scan_sim.params("clean", "t"), PAGE_W, PAGE_H)
    out = tmp_path / "scan.pdf"
    scan_sim.write_pdf(out, [page, page])
    return out


def test_scan_pdf_has_no_text_layer(form, tmp_path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(_image_pdf(form, tmp_path)) as pdf:
        assert len(pdf.pages) == 2 and all(not p.chars for p in pdf.pages)


def test_committed_scans_have_no_text_layer() -> None:
    import pdfplumber

    scans = sorted((Path(__file__).parent.parent / "samples" / "scans").glob("*.pdf"))
    if not scans:
        pytest.skip("samples/scans not generated")
    for path in scans:
        with pdfplumber.open(path) as pdf:
            assert all(not p.chars for p in pdf.pages), path.name


def test_crashing_engine_fails_the_page_not_the_batch(form, tmp_path: Path) -> None:
    from extractor.pipeline import extract_document

    register("crash-2nd-page", lambda: CrashingEngine(after=200))
    result = extract_document(_image_pdf(form, tmp_path), settings_for("crash-2nd-page"))
    assert result.source.kind == "scanned"
    assert ("ocr_failed", 2) in [(e.code, e.page) for e in result.errors]
    assert ("ocr_failed", 1) not in [(e.code, e.page) for e in result.errors]


def test_speckle_far_from_glyphs_is_dropped_a_period_beside_them_is_not() -> None:
    page = np.zeros((300, 600), np.uint8)
    cv2.putText(page, "90", (100, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 3)
    cv2.circle(page, (160, 98), 2, 255, -1)  # a period right after the digits
    for x, y in ((400, 200), (430, 204), (470, 198), (520, 202)):  # a row of speckle
        cv2.circle(page, (x, y), 2, 255, -1)
    gray = 255 - page
    ink = strip_rulings(page, gray, [], SCALE)
    assert ink.text[95:102, 156:164].any() and ink.text[:, :200].sum() == page[:, :200].sum()
    assert not ink.text[180:220, 380:540].any() and (ink.clean[180:220, 380:540] == 255).all()


def test_two_lines_run_together_by_a_speck_are_cut_apart() -> None:
    cell = np.zeros((120, 400), np.uint8)
    cv2.putText(cell, "ABCDEFG", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 3)
    cv2.putText(cell, "HIJKLMN", (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 3)
    assert len(text_bands(cell, SCALE)) == 2
    cell[38:62, 200:203] = 255  # a scratch bridging the gap between them
    bands = text_bands(cell, SCALE)
    assert len(bands) == 2 and bands[0][1] <= 62 and bands[1][0] >= 45


def test_a_glyphs_top_bar_parted_by_the_line_gap_joins_it_again() -> None:
    """元 in a light face: its top bar stands a line gap over the rest (兀); not a line
    of its own (read '=' and '兀')."""
    cell = np.zeros((120, 200), np.uint8)
    cv2.putText(cell, "2000", (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 255, 3)  # line 1
    cell[60:63, 20:44] = 255  # the top bar ...
    cell[70:92, 14:50] = 255  # ... and the body under it, a gap of 7 px
    bands = text_bands(cell, SCALE)
    assert len(bands) == 2 and bands[1][0] <= 60 and bands[1][1] >= 92
    assert len(text_bands(cell, SCALE, cell=False)) == 3  # outside tables: left as found


def test_a_doubted_character_is_confirmed_from_a_window_of_the_line() -> None:
    line = np.full((40, 400), 255, np.uint8)
    text = "北京市朝阳区司法局"
    glyphs = tuple(Glyph(ch, 0.6 if ch == "阳" else 0.99, 20 + 40 * i) for i, ch in enumerate(text))
    first = OcrResult(text, 0.6, glyphs=glyphs)
    widths: list[int] = []

    def window(answer: str) -> FakeEngine:
        def read(image: np.ndarray, _kind: str) -> OcrResult:
            widths.append(image.shape[1])
            return OcrResult(answer if image.shape[1] < 400 else text, 0.99)
        # of another family: two PP-OCR models agreeing on an ideograph settle nothing
        return FakeEngine(answer=read, name="tesseract")

    tiny = FakeEngine(name="tiny")
    got = decide([line], [first], (tiny, window("朝阳区")))
    assert got == CellReading(text, 0.99) and len(widths) == 1 and 100 <= widths[0] <= 140
    widths.clear()  # the window reads otherwise: the whole line is asked
    got = decide([line], [first], (tiny, window("朝明区")))
    assert got.text == text and widths[0] < 400 and widths[1] == 400


def test_kin_engines_agreeing_on_ideographs_is_no_second_opinion() -> None:
    # tiny and ppocrv5 (both PP-OCR) read 棠 as 業 alike: their agreement on a CJK line
    # does not settle it, however sure; an engine of another family is asked
    crop = [np.full((20, 40), 255, np.uint8)]
    tiny, v5 = _chain(("tiny", "", 0), ("ppocrv5", "業", 0.9))
    got = decide(crop, [OcrResult("業", 0.8)], (tiny, v5))
    assert "engines_disagree" in got.flags and got.confidence <= 0.6
    tiny, v5, tess = _chain(("tiny", "", 0), ("ppocrv5", "業", 0.9), ("tesseract", "棠", 0.9))
    got = decide(crop, [OcrResult("業", 0.8)], (tiny, v5, tess))
    assert tess.calls == 1 and "engines_disagree" in got.flags
    # on digits, where they err differently, their agreement counts
    tiny, v5 = _chain(("tiny", "", 0), ("ppocrv5", "60.00", 0.9))
    got = decide(crop, [OcrResult("60.00", 0.8)], (tiny, v5))
    assert got.text == "60.00" and not got.flags
