"""A comparison sign leading a line's reading (>95%, <12个月) held against the shape of
its ink: recognisers read ≥ as CJK faces draw it (⩾, the bar slanted along the lower
arm) as >, confidently. The sign's ink, left of the middle between the first two glyphs
the recogniser placed, is told by signs.lone_sign; a sign it finds to be ≥ or ≤ takes
the place of > or <, one it cannot tell leaves the line flagged."""

from __future__ import annotations

import numpy as np

from extractor.ocr import OcrResult
from extractor.scan.reading import CellReading
from extractor.scan.signs import lone_sign
from extractor.scan.thresholds import INK_GREY, SIGN_CONFIDENCE

POINTS_RIGHT = {">": "≥", "＞": "≥"}
POINTS_LEFT = {"<": "≤", "＜": "≤"}


def check_leading_sign(got: CellReading, crop: np.ndarray, first: OcrResult, scale: float) -> CellReading:
    lead = got.text[:1]
    ge = POINTS_RIGHT.get(lead) or POINTS_LEFT.get(lead)
    glyphs = first.glyphs
    if ge is None or len(glyphs) < 2 or first.text[:1] != lead or scale <= 0:
        return got
    gray = crop if crop.ndim == 2 else crop.mean(axis=2).astype(np.uint8)
    cut = round((glyphs[0].x + glyphs[1].x) / 2)
    region = gray[:, :max(1, cut)]
    ink = np.where(region < INK_GREY, 255, 0).astype(np.uint8)
    sign = lone_sign(ink, region, scale)
    if sign == ge:
        return CellReading(ge + got.text[1:], min(got.confidence, SIGN_CONFIDENCE), got.flags)
    if sign is not None and sign in "＞＜" and (sign == "＞") == (ge == "≥"):
        return got
    return got.unsure()
