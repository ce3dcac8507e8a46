"""OCR engines by name: a plain dict registry of factories.

`get_engine("ppocrv5")` builds (once per process) the engine registered under
that name; tests register fakes with `register`.
"""

from __future__ import annotations

from collections.abc import Callable

from extractor.ocr.base import Glyph, OcrEngine, OcrEngineError, OcrResult


def _ppocrv5() -> OcrEngine:
    from extractor.ocr.tiny import PPOCRv5Engine

    return PPOCRv5Engine()


def _tiny() -> OcrEngine:
    from extractor.ocr.tiny import TinyEngine

    return TinyEngine()


def _tesseract() -> OcrEngine:
    from extractor.ocr.tesseract import TesseractEngine

    return TesseractEngine()


ENGINES: dict[str, Callable[[], OcrEngine]] = {
    "tiny": _tiny, "ppocrv5": _ppocrv5, "tesseract": _tesseract,
}
# former names: `rapid` was PP-OCRv4 (rapidocr-onnxruntime's wheel), the second PP-OCR engine
# before PP-OCRv5 took its place; EXTRACTOR_OCR_ENGINE=rapid still picks that place
ALIASES = {"rapid": "ppocrv5"}
DEFAULT = "tiny"  # fastest, and as right where sure (bench/bench_scan.py --engine-use)
# engines asked in turn, after the primary, for a line the one before was unsure of
OPINIONS: dict[str, tuple[str, ...]] = {
    "tiny": ("ppocrv5", "tesseract"), "ppocrv5": ("tesseract",), "tesseract": ("ppocrv5",),
}
# alone, on the typical scans; best first (an alias ranks as its engine: engines named by
# a former name, as tests' fakes are, keep their place)
BY_ACCURACY = ("ppocrv5", "rapid", "tiny", "tesseract")
# engines trained alike err alike (both PP-OCR models read a speck as "·"): their agreement
# is weaker evidence than that of engines of different families
FAMILY = {"tiny": "pp-ocr", "ppocrv5": "pp-ocr", "rapid": "pp-ocr", "tesseract": "tesseract"}
_built: dict[str, OcrEngine] = {}


def register(name: str, factory: Callable[[], OcrEngine]) -> None:
    ENGINES[name] = factory
    _built.pop(name, None)


def get_engine(name: str) -> OcrEngine:
    name = DEFAULT if name == "auto" else name
    name = name if name in ENGINES else ALIASES.get(name, name)
    if name not in ENGINES:
        known = ", ".join(sorted([*ENGINES, *ALIASES]))
        raise OcrEngineError(f"unknown OCR engine {name!r}; known: {known}")
    if name not in _built:
        _built[name] = ENGINES[name]()
    return _built[name]


__all__ = [
    "ALIASES",
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
