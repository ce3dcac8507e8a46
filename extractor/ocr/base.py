"""The OCR engine contract.

An engine turns a crop of a page image into text. The scan path crops every
table cell (and splits a multi-line cell into its text lines) before asking,
so an engine sees one text line at a time unless `kind` is "multiline".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from extractor.errors import ErrorCode, ExtractError

KINDS = ("text", "amount", "multiline")


@dataclass(frozen=True)
class Glyph:
    text: str  # one character read
    confidence: float
    x: float  # its centre, in pixels from the crop's left edge


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float  # 0..1, the engine's own score (not yet calibrated)
    partial: bool = False  # ink was left unread (a glyph skipped, a speck dropped)
    glyphs: tuple[Glyph, ...] = field(default=(), compare=False)  # where an engine tells


@runtime_checkable
class OcrEngine(Protocol):
    """Recognise the text in a crop.

    Contract:
    - `image` is a uint8 array, greyscale (H, W) or RGB (H, W, 3), dark text on
      a light background, with table rulings already removed. It is one text
      line, except for kind "multiline" (a block of lines, top to bottom).
    - `kind` is one of KINDS: "text" (any text on one line), "amount" (a
      number, possibly with %, 万元 etc.; an engine may restrict its alphabet),
      "multiline" (lines joined with "\\n" in the result).
    - The result's text has no leading or trailing whitespace; "" means the
      engine saw nothing. `confidence` is in [0, 1] and monotone in the
      engine's belief; it is calibrated by the caller, not by the engine.
    - An engine never returns None and never raises for an odd image (an
      empty or tiny crop gives OcrResult("", 0.0)); it raises OcrEngineError
      only when the engine itself cannot run (missing binary, crash).
    - `recognize_batch` gives the same results as calling `recognize` on each
      image in order; engines that can batch do it faster.
    - Engines are safe to reuse across pages but not across threads.
    """

    name: str

    def recognize(self, image: np.ndarray, kind: str = "text") -> OcrResult: ...

    def recognize_batch(self, images: Sequence[np.ndarray], kind: str = "text") -> list[OcrResult]: ...


class OcrEngineError(ExtractError):
    """The engine cannot run at all (not: 'the image is unreadable'); the page fails."""

    code = ErrorCode.OCR_FAILED


def too_small(image: np.ndarray) -> bool:
    return image.size == 0 or image.shape[0] < 4 or image.shape[1] < 4
