"""Tesseract (chi_sim) with one config per kind.

Through tesserocr (the C API, model loaded once: ~30 ms a line) when it is
installed, else through pytesseract (a process per call: ~300 ms a line).
The language data is Debian's tesseract-ocr-chi-sim; TESSDATA overrides.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from extractor.ocr.base import OcrEngineError, OcrResult, too_small

TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")
PSM = {"text": 7, "amount": 7, "multiline": 6}
WHITELIST = {"amount": "0123456789.%-"}
PAD = 8  # white border: Tesseract misreads glyphs that touch the edge


def tessdata_dir() -> str:
    env = os.environ.get("TESSDATA_PREFIX") or os.environ.get("TESSDATA")
    for d in ((env,) if env else ()) + TESSDATA_DIRS:
        if Path(d, "chi_sim.traineddata").is_file():
            return d
    raise OcrEngineError("no chi_sim.traineddata (apt-get install tesseract-ocr-chi-sim)")


class TesseractEngine:
    name = "tesseract"

    def __init__(self, lang: str = "chi_sim"):
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        self.lang = lang
        self._apis: dict[str, Any] = {}
        try:
            import tesserocr  # noqa: F401

            self._capi = True
        except ImportError:
            self._capi = False
        self._check_installed()

    def _check_installed(self) -> None:
        """Raise OcrEngineError now, when the engine is built, if Tesseract or its
        language data is missing, not on the first line asked: the scan path then reads
        without this engine (scan/page.py, engines)."""
        if self._capi:
            tessdata_dir()
            return
        try:
            import pytesseract
        except ImportError as e:
            raise OcrEngineError("neither tesserocr nor pytesseract is installed") from e
        try:
            languages = pytesseract.get_languages(config="")
        except (OSError, pytesseract.TesseractNotFoundError, pytesseract.TesseractError) as e:
            raise OcrEngineError(f"tesseract cannot run: {e}") from e
        if self.lang not in languages:
            raise OcrEngineError(f"tesseract has no {self.lang} data "
                                 f"(apt-get install tesseract-ocr-chi-sim)")

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        if too_small(image):
            return OcrResult("", 0.0)
        kind = kind if kind in PSM else "text"
        pad = ((PAD, PAD), (PAD, PAD)) + ((0, 0),) * (image.ndim - 2)
        padded = np.pad(image, pad, constant_values=255)
        if self._capi:
            return self._read_capi(padded, kind)
        return self._read_cli(padded, kind)

    def recognize_batch(self, images: Sequence[np.ndarray], kind: str = "text") -> list[OcrResult]:
        return [self.recognize(im, kind) for im in images]

    def _api(self, kind: str) -> Any:
        if kind not in self._apis:
            import tesserocr

            try:
                api = tesserocr.PyTessBaseAPI(
                    path=tessdata_dir() + "/", lang=self.lang, psm=PSM[kind],
                    oem=tesserocr.OEM.LSTM_ONLY,
                )
            except RuntimeError as e:
                raise OcrEngineError(f"tesseract cannot start: {e}") from e
            if kind in WHITELIST:
                api.SetVariable("tessedit_char_whitelist", WHITELIST[kind])
            self._apis[kind] = api
        return self._apis[kind]

    def _read_capi(self, image: np.ndarray, kind: str) -> OcrResult:
        from PIL import Image

        api = self._api(kind)
        api.SetImage(Image.fromarray(image))
        text = api.GetUTF8Text()
        confs = [c for c in api.AllWordConfidences() if c >= 0]
        return _result(text, confs, multiline=kind == "multiline")

    def _read_cli(self, image: np.ndarray, kind: str) -> OcrResult:
        import pytesseract

        config = f"--oem 1 --psm {PSM[kind]}"
        if kind in WHITELIST:
            config += f" -c tessedit_char_whitelist={WHITELIST[kind]}"
        try:
            data = pytesseract.image_to_data(image, lang=self.lang, config=config,
                                             output_type=pytesseract.Output.DICT)
        except (pytesseract.TesseractNotFoundError, pytesseract.TesseractError) as e:
            raise OcrEngineError(f"tesseract failed: {e}") from e
        words = [str(w) for w, c in zip(data["text"], data["conf"], strict=True) if float(c) >= 0]
        confs = [float(c) for w, c in zip(data["text"], data["conf"], strict=True)
                 if float(c) >= 0 and str(w).strip()]
        return _result(" ".join(words), confs, multiline=kind == "multiline")


def _result(text: str, confs: list[float], multiline: bool) -> OcrResult:
    """CJK text: Tesseract puts spaces between glyphs; drop them (whitespace is not
    significant), keep line breaks for multiline. Confidence = weakest word."""
    lines = ["".join(ln.split()) for ln in text.splitlines()]
    joined = ("\n" if multiline else "").join(ln for ln in lines if ln)
    if not joined or not confs:
        return OcrResult("", 0.0)
    return OcrResult(joined, max(0.0, min(1.0, min(confs) / 100.0)))
