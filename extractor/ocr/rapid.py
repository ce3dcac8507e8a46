"""A CTC line recogniser in ONNX Runtime: the reading shared by the PP-OCR engines.

The scan path hands it single text lines it has cut out itself, so no detector
and no angle classifier is needed. The model is not chosen here: subclasses
(extractor/ocr/tiny.py) load one shipped in a wheel and say how to run it.
The module keeps its name from the PP-OCRv4 engine (RapidOCR) it once held.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import cv2
import numpy as np

from extractor.ocr.base import Glyph, OcrEngineError, OcrResult, too_small

REC_HEIGHT = 48  # input height, where a model takes any (the PP-OCR recognisers here take 48 only)
MIN_WIDTH = 64  # narrower crops are padded to this (PaddleOCR pads everything to 320)
SKIPPED_CONFIDENCE = 0.5  # a reading that left a glyph's ink without a character
GAP_EM = 0.25  # ink at least this wide (in line heights) between two characters read is a glyph


class CtcEngine:
    """Reads a line with a CTC recogniser and checks the reading (glyph positions, a
    glyph's ink left unread). Subclasses load the model (`_load`) and run it (`_infer`)."""

    name = "ctc"
    _allowed: np.ndarray | None = None  # (classes,) 1 where a class may be read, 0 where not

    def __init__(self, threads: int = 1, height: int | None = None):
        self._session, self._charset = self._load(threads)
        self.height = height or REC_HEIGHT

    def _load(self, threads: int) -> tuple[Any, list[str]]:
        """The model's session and its CTC classes (blank first)."""
        raise NotImplementedError

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        return self.recognize_batch([image], kind)[0]

    def recognize_batch(self, images: Sequence[np.ndarray], kind: str = "text") -> list[OcrResult]:
        out = [OcrResult("", 0.0)] * len(images)
        for i, image in enumerate(images):
            if not too_small(image):
                out[i] = self._one(image)
        return out

    def _one(self, image: np.ndarray) -> OcrResult:
        """One line at its own width, batch of one: padding crops to a common width costs
        more than batching saves on one core (per-line time grows with the batch)."""
        try:
            preds = self._infer(_normalise(image, self.height))
        except Exception as e:  # onnxruntime raises its own types
            raise OcrEngineError(f"{self.name} recogniser failed: {e}") from e
        if self._allowed is not None:  # not renormalised: a frame whose best class is
            preds = preds * self._allowed  # barred keeps a low score, and is doubted
        best = preds[0].argmax(axis=1)
        res = _decode(best, preds[0][np.arange(len(best)), best], self._charset)
        if not res.text:
            return res
        h, w = image.shape[:2]
        width = max(8, math.ceil(self.height * w / h))  # the line's width as the model saw it
        px = max(width, MIN_WIDTH) / len(best) * w / width  # crop pixels per output frame
        res = replace(res, glyphs=_glyphs(best, preds[0], self._charset, px))
        if skipped_glyph(best, _ink_columns(image, self.height)):
            return replace(res, confidence=min(res.confidence, SKIPPED_CONFIDENCE), partial=True)
        return res

    def _infer(self, x: np.ndarray) -> np.ndarray:
        """(1, 3, height, W) input -> (1, frames, classes) probabilities."""
        raise NotImplementedError


RapidEngine = CtcEngine  # its former name, which bench/bench_scan.py --engine-use patches


def ctc_decode(probs: np.ndarray, charset: list[str]) -> OcrResult:
    """Greedy CTC (blank = 0, repeats merged). The confidence is the weakest kept
    character's probability: the library's mean hides one bad glyph among ten good."""
    best = probs.argmax(axis=1)
    return _decode(best, probs[np.arange(len(best)), best], charset)


def _decode(best: np.ndarray, p: np.ndarray, charset: list[str]) -> OcrResult:
    """`best`: each frame's class; `p`: its probability."""
    keep = (best != 0) & np.concatenate(([True], best[1:] != best[:-1]))
    chars = [charset[i] for i in best[keep]]
    text = "".join(chars).strip()
    if not text:
        return OcrResult("", 0.0)
    return OcrResult(text, float(p[keep].min()))


def _glyphs(best: np.ndarray, probs: np.ndarray, charset: list[str], px: float) -> tuple[Glyph, ...]:
    """Each character read, with its probability and the centre of its frames (in crop
    pixels, `px` to a frame)."""
    starts, ends = _runs(best)
    return tuple(Glyph(charset[best[s]], float(probs[s, best[s]]), (s + e) / 2 * px)
                 for s, e in zip(starts, ends, strict=True) if best[s] != 0)


def _runs(best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of frames of one class starts and ends (exclusive)."""
    change = np.flatnonzero(np.diff(best)) + 1
    return np.r_[0, change], np.r_[change, len(best)]


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


def skipped_glyph(best: np.ndarray, ink: tuple[np.ndarray, float]) -> bool:
    """A glyph's worth of ink between two characters read (or before the first, after
    the last) that no character was read for: the recogniser dropped a glyph it does
    not know (修缮 read as 修), usually with high confidence on what it kept. `best`:
    each output frame's class (0 = blank)."""
    cols, em = ink
    if em <= 0 or not cols.any() or not len(best):
        return False
    stride = max(len(cols), MIN_WIDTH) / len(best)  # input pixels per output frame
    starts, ends = _runs(best)
    centres = ((starts + ends) / 2 * stride)[best[starts] != 0].tolist()
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
    x = np.zeros((1, 3, height, max(width, MIN_WIDTH)), np.float32)
    if resized.ndim == 2:  # grey: one plane, the same in the three channels
        x[0, :, :, :width] = resized.astype(np.float32) / 127.5 - 1.0
    else:
        x[0, :, :, :width] = resized.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
    return x
