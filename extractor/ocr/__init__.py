"""OCR engines by name: a plain dict registry of factories.

`get_engine("rapid")` builds (once per process) the engine registered under
that name; tests register fakes with `register`.
"""

from __future__ import annotations

from collections.abc import Callable

from extractor.ocr.base import Glyph, OcrEngine, OcrEngineError, OcrResult


def _rapid() -> OcrEngine:
    from extractor.ocr.rapid import RapidEngine

    return RapidEngine()


def _tiny() -> OcrEngine:
    from extractor.ocr.tiny import TinyEngine

    return TinyEngine()


def _tesseract() -> OcrEngine:
    from extractor.ocr.tesseract import TesseractEngine

    return TesseractEngine()


ENGINES: dict[str, Callable[[], OcrEngine]] = {
    "tiny": _tiny, "rapid": _rapid, "tesseract": _tesseract,
}
DEFAULT = "tiny"  # fastest, and as right where sure (bench/bench_scan.py --engine-use)
# engines asked in turn, after the primary, for a line the one before was unsure of
OPINIONS: dict[str, tuple[str, ...]] = {
    "tiny": ("rapid", "tesseract"), "rapid": ("tesseract",), "tesseract": ("rapid",),
}
BY_ACCURACY = ("rapid", "tiny", "tesseract")  # alone, on the typical scans; best first
# engines trained alike err alike (both PP-OCR models read a speck as "·"): their agreement
# is weaker evidence than that of engines of different families
FAMILY = {"tiny": "pp-ocr", "rapid": "pp-ocr", "tesseract": "tesseract"}
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


__all__ = [
    "BY_ACCURACY",
    "DEFAULT",
    "ENGINES",
    "FAMILY",
    "OPINIONS",
    "Glyph",
    "OcrEngine",
    "OcrEngineError",
    "OcrResult",
    "get_engine",
    "register",
]
