"""RapidOCR (PP-OCRv4 recogniser, ONNX Runtime) with the models shipped in its wheel.

Only the recogniser is loaded: the scan path hands it single text lines it
has cut out itself, so the detector and the angle classifier are not needed.
Nothing is fetched at run time: the model files are read from the installed
rapidocr_onnxruntime package, and a missing file is an OcrEngineError.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from extractor.ocr.base import OcrEngineError, OcrResult, too_small

REC_HEIGHT = 40  # input height: the model takes any; 40 read the typical scans best (48: -0.2%, 19% slower)
MIN_WIDTH = 64  # narrower crops are padded to this (the library pads everything to 320)
SKIPPED_CONFIDENCE = 0.5  # a reading that left a glyph's ink without a character
GAP_EM = 0.4  # ink at least this wide (in line heights) between two characters read is a glyph


def _recognizer(threads: int) -> Any:
    try:
        import rapidocr_onnxruntime as pkg
        from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer
        from rapidocr_onnxruntime.utils import read_yaml
    except ImportError as e:
        raise OcrEngineError(f"rapidocr_onnxruntime is not installed: {e}") from e
    root = Path(pkg.__file__).resolve().parent
    config = read_yaml(str(root / "config.yaml"))["Rec"]
    config["model_path"] = str(root / config["model_path"])
    if not Path(config["model_path"]).is_file():
        raise OcrEngineError(f"RapidOCR model missing: {config['model_path']}")
    config["intra_op_num_threads"] = threads
    config["inter_op_num_threads"] = 1
    return TextRecognizer(config)


class RapidEngine:
    name = "rapid"

    def __init__(self, threads: int = 1, height: int | None = None):
        self._rec = _recognizer(threads)
        self.height = height or REC_HEIGHT

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        return self.recognize_batch([image], kind)[0]

    def recognize_batch(self, images: Sequence[np.ndarray], kind: str = "text") -> list[OcrResult]:
        ready = [i for i, im in enumerate(images) if not too_small(im)]
        out = [OcrResult("", 0.0)] * len(images)
        if not ready:
            return out
        for i in ready:
            out[i] = self._one(images[i])
        return out

    def _one(self, image: np.ndarray) -> OcrResult:
        """One line at its own width, batch of one: padding every crop to a common
        width (as the library's batching does) costs more than it saves on one core."""
        try:
            preds = self._rec.session(_normalise(image, self.height))[0]
        except Exception as e:  # onnxruntime raises its own types
            raise OcrEngineError(f"RapidOCR failed: {e}") from e
        res = ctc_decode(preds[0], self._rec.postprocess_op.character)
        if res.text and skipped_glyph(preds[0], _ink_columns(image, self.height)):
            return OcrResult(res.text, min(res.confidence, SKIPPED_CONFIDENCE))
        return res


def ctc_decode(probs: np.ndarray, charset: list[str]) -> OcrResult:
    """Greedy CTC (blank = 0, repeats merged). The confidence is the weakest kept
    character's probability: the library's mean hides one bad glyph among ten good."""
    best = probs.argmax(axis=1)
    p = probs.max(axis=1)
    keep = (best != 0) & np.concatenate(([True], best[1:] != best[:-1]))
    chars = [charset[i] for i in best[keep]]
    text = "".join(chars).strip()
    if not text:
        return OcrResult("", 0.0)
    return OcrResult(text, float(p[keep].min()))


def _ink_columns(image: np.ndarray, height: int) -> tuple[np.ndarray, float]:
    """Which columns of the crop, resized as the model sees it, hold ink; and the ink's
    height (about one em on a line of CJK text), in the same pixels."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    width = max(8, math.ceil(height * w / h))
    dark = cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA) < 128
    rows = np.flatnonzero(dark.any(axis=1))
    em = float(rows[-1] - rows[0] + 1) if len(rows) else 0.0
    return np.asarray(dark.any(axis=0)), em


def skipped_glyph(probs: np.ndarray, ink: tuple[np.ndarray, float]) -> bool:
    """A glyph's worth of ink between two characters read (or before the first, after
    the last) that no character was read for: the recogniser dropped a glyph it does
    not know (修缮 read as 修), usually with high confidence on what it kept."""
    cols, em = ink
    if em <= 0 or not cols.any():
        return False
    best = probs.argmax(axis=1)
    stride = max(len(cols), MIN_WIDTH) / len(best)  # input pixels per output frame
    centres = []
    i = 0
    while i < len(best):
        j = i
        while j + 1 < len(best) and best[j + 1] == best[i]:
            j += 1
        if best[i] != 0:
            centres.append((i + j + 1) / 2 * stride)
        i = j + 1
    if not centres:
        return False
    ink_x = np.flatnonzero(cols)
    edges = [float(ink_x[0]) - 0.55 * em, *centres, float(ink_x[-1]) + 0.55 * em]
    for a, b in itertools.pairwise(edges):
        lo, hi = math.ceil(a + 0.55 * em), int(b - 0.55 * em)
        if hi - lo >= GAP_EM * em and np.count_nonzero(cols[max(0, lo):hi]) >= GAP_EM * em:
            return True
    return False


def _normalise(image: np.ndarray, height: int) -> np.ndarray:
    """uint8 grey or RGB crop -> the model's (1, 3, height, W) input in [-1, 1], padded
    on the right with 0 as PaddleOCR pads."""
    h, w = image.shape[:2]
    width = max(8, math.ceil(height * w / h))
    interp = cv2.INTER_AREA if h > height else cv2.INTER_LINEAR
    resized = cv2.resize(image, (width, height), interpolation=interp)
    if resized.ndim == 2:
        resized = np.repeat(resized[:, :, None], 3, axis=2)
    x = np.zeros((1, 3, height, max(width, MIN_WIDTH)), np.float32)
    x[0, :, :, :width] = resized.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
    return x
