"""A cell's reading -> a typed field: its type parsed, its confidence with the doubt its
labels' matches leave (label_doubt), flagged below SURE."""

from __future__ import annotations

from extractor.layout.labels import LabelHit
from extractor.layout.types import as_dash, parse_value
from extractor.models import Cell, Field
from extractor.record import Flag

SURE = 0.9  # below this confidence a field is flagged low_confidence
READ_ALONE = 0.97  # a reading this sure was one engine's, clear of its accept line (0.95)

MISSING = Field("", None, 0.0, (Flag.MISSING,))


def to_field(cell: Cell, page: int, type_name: str, label_score: float = 1.0) -> Field:
    dash = as_dash(type_name, cell.text)
    text = dash or cell.text
    value, type_flags = parse_value(type_name, text)
    confidence = round(cell.confidence * label_score, 3)
    flags = cell.flags + type_flags + ((Flag.VOCABULARY,) if dash else ())
    if confidence < SURE and not flags:
        flags += (Flag.LOW_CONFIDENCE,)
    return Field(text, value, confidence, tuple(dict.fromkeys(flags)), page, cell.bbox)


def label_doubt(cell: Cell, *hits: LabelHit) -> float:
    """What the matches of a cell's labels (its header, its row's label) take off its
    confidence: their score; a fuzzy match's (a label misread a glyph or two: which field
    it is was still found) nothing where the cell's reading is READ_ALONE sure. A poorly
    read label marks a poorly printed region, where two engines agreeing on a misreading
    (0.95) is likelier: those readings keep its doubt. Measured on the tuning split: the
    doubt on readings READ_ALONE sure flagged right cells only."""
    return min((1.0 if h.fuzzy and cell.confidence >= READ_ALONE else h.score for h in hits),
               default=1.0)
