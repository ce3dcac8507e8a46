"""The form is simplified Chinese: a traditional glyph in a reading is the recogniser's
slip (數 for 数, 維 for 维, a confusable such as 溝 for 满), not what was printed.

    to_simplified   a reading's text converted by OpenCC (traditional -> simplified)
    simplify        a CellReading converted; flagged and capped when that changed it

The conversion is OpenCC's (the `opencc` wheel of the OpenCC project, its `t2s`
dictionaries), never a hand-written table. Only the text changes: where it does, the
cell is flagged low_confidence and reports at most FLAGGED_CEILING, since the engine
was sure of a glyph the form does not print (the simplified one may not be right
either: 溝 read for 满 becomes 沟).
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from extractor.scan.reading import CellReading
from extractor.scan.thresholds import SCRIPT_CONVERSION

CJK_FIRST = 0x2E80  # nothing below this code point is converted


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@cache
def _converter() -> _Converter:
    import opencc  # a C++ library behind a small binding: loaded once, on first use

    conv: _Converter = opencc.OpenCC(SCRIPT_CONVERSION)
    return conv


def to_simplified(text: str) -> str:
    """`text` with its traditional glyphs in their simplified forms (ASCII left as it is)."""
    if all(ord(ch) < CJK_FIRST for ch in text):
        return text
    return _converter().convert(text)


def simplify(reading: CellReading) -> CellReading:
    """The reading in simplified glyphs; flagged low_confidence where that changed it."""
    text = to_simplified(reading.text)
    if text == reading.text:
        return reading
    return reading.unsure(text)
