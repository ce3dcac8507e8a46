"""OCR engines by name: a plain dict registry of factories.

`get_engine("rapid")` builds (once per process) the engine registered under
that name; tests register fakes with `register`.
"""

from __future__ import annotations

from collections.abc import Callable

from extractor.ocr.base import OcrEngine, OcrEngineError, OcrResult


def _rapid() -> OcrEngine:
    from extractor.ocr.rapid import RapidEngine

    return RapidEngine()


def _tesseract() -> OcrEngine:
    from extractor.ocr.tesseract import TesseractEngine

    return TesseractEngine()


ENGINES: dict[str, Callable[[], OcrEngine]] = {"rapid": _rapid, "tesseract": _tesseract}
DEFAULT = "rapid"  # measured best on the typical scans (see bench/bench_scan.py)
SECOND_OPINION = {"rapid": "tesseract", "tesseract": "rapid"}
_built: dict[str, OcrEngine] = {}


def register(name: str, factory: Callable[[], OcrEngine]) -> None:
    ENGINES[name] = factory
    _built.pop(name, None)


def get_engine(name: str) -> OcrEngine:
    name = DEFAULT if name == "auto" else name
    if name not in ENGINES:
        raise OcrEngineError(f"unknown OCR engine {name!r}; known: {', '.join(sorted(ENGINES))}")
    if name not in _built:
        _built[name] = ENGINES[name]()
    return _built[name]


__all__ = ["DEFAULT", "ENGINES", "OcrEngine", "OcrEngineError", "OcrResult", "get_engine", "register"]
