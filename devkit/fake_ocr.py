"""Engines for tests: a fake that answers from a table, a recorded-output
engine that replays a real engine's answers, and one that crashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from extractor.ocr.base import OcrEngine, OcrEngineError, OcrResult


def image_key(image: np.ndarray) -> str:
    """A stable key for a crop (shape + bytes), for recorded outputs."""
    h = hashlib.sha1(np.ascontiguousarray(image).tobytes())
    h.update(repr(image.shape).encode())
    return h.hexdigest()[:16]


class _Batching:
    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        raise NotImplementedError

    def recognize_batch(self, images: Sequence[np.ndarray], kind: str = "text") -> list[OcrResult]:
        return [self.recognize(im, kind) for im in images]


class FakeEngine(_Batching):
    """Answers `answer(image, kind)`; by default a constant text and confidence."""

    def __init__(
        self,
        text: str = "",
        confidence: float = 0.99,
        answer: Callable[[np.ndarray, str], OcrResult] | None = None,
        name: str = "fake",
    ):
        self.name = name
        self._answer = answer or (lambda _im, _k: OcrResult(text, confidence))
        self.calls = 0

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        self.calls += 1
        return self._answer(image, kind)


class RecordingEngine(_Batching):
    """Wraps a real engine and keeps every answer by image key; `save` writes them."""

    def __init__(self, inner: OcrEngine):
        self.inner = inner
        self.name = inner.name
        self.records: dict[str, list[object]] = {}

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        res = self.inner.recognize(image, kind)
        self.records[f"{kind}:{image_key(image)}"] = [res.text, res.confidence]
        return res

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.records, ensure_ascii=False, indent=0), encoding="utf-8")


class ReplayEngine(_Batching):
    """Replays a RecordingEngine's file; an unknown crop reads as ("", 0.0)."""

    def __init__(self, path: Path, name: str = "replay"):
        self.name = name
        self.records = json.loads(path.read_text(encoding="utf-8"))
        self.misses = 0

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        got = self.records.get(f"{kind}:{image_key(image)}")
        if got is None:
            self.misses += 1
            return OcrResult("", 0.0)
        return OcrResult(str(got[0]), float(got[1]))


class CrashingEngine(_Batching):
    """Fails like an engine whose binary died (fault injection)."""

    def __init__(self, after: int = 0, name: str = "crashing"):
        self.name = name
        self.after = after
        self.calls = 0

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult:
        self.calls += 1
        if self.calls > self.after:
            raise OcrEngineError(f"{self.name}: engine crashed (injected)")
        return OcrResult("", 0.0)
