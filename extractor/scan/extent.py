"""A reading must account for the ink: a line read with fewer glyphs than its ink has
marks set well apart, or with glyphs too few or too narrow to cover the ink's width,
dropped something (a slash in 元/人, half a line) and is not taken as it is.

    accounts_for_ink  does a line's reading cover its crop's ink?
    ink_marks         the crop's ink as groups of columns set apart by a wide gap

The glyph sizes are measured against the line's ink height, whatever the font: an em is
at most the ink height over EM_INK_SHARE (CJK ink fills less of the em in a Kai or
Fangsong face than in a Hei one: the share is set for the thinnest), each character is
given the widest advance its class has in any common face (ADVANCE_EM) and the sum a
margin (COVER_SLACK). A line grown for a flat mark (— or 一, far shorter than its crop)
is not measured: its height says nothing about the em.
"""

from __future__ import annotations

import cv2
import numpy as np

from extractor.compare import normalize_text
from extractor.scan.thresholds import CJK_FIRST, INK_GREY

EM_INK_SHARE_CJK = 0.75  # CJK ink is at least this share of the em tall (Kai: ~0.8)
EM_INK_SHARE_LATIN = 0.62  # digits and capitals at least this share (cap height)
FLAT_LINE_SHARE = 0.45  # ink under this share of its crop's height: a flat mark, not measured
NARROW = set(".,:;'!|`·、，。：；")  # at most NARROW_EM wide
NARROW_EM, DIGIT_EM, WIDE_EM = 0.4, 0.65, 1.05  # the widest advance of each class, in em
WIDE_LATIN = set("%@MWmw—")  # Latin-range characters as wide as a CJK glyph
COVER_SLACK = 1.1  # the advances' sum times this ...
COVER_MARGIN_EM = 0.5  # ... plus this must reach across the ink
SPECK_SHARE = 0.25  # a blob under this share of the line's ink height both ways: a speck or dot
MARK_GAP_EM = 0.6  # ink columns this far apart are separate marks (wider than any gap
# inside one glyph, or between glyphs set solid)


def accounts_for_ink(text: str, crop: np.ndarray) -> bool:
    """False where the reading cannot be the line's ink: fewer glyphs than separate marks,
    or glyphs whose widest advances cannot span the ink. True where the ink says nothing
    (no ink, a flat mark, an empty reading: those are the chain's to flag)."""
    chars = [ch for ch in normalize_text(text) if not ch.isspace()]
    ink = _without_specks(crop < INK_GREY)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not chars or len(rows) == 0:
        return True
    height = int(rows[-1] - rows[0] + 1)
    if height < FLAT_LINE_SHARE * crop.shape[0]:
        return True
    cjk = any(ord(ch) >= CJK_FIRST for ch in chars)
    em = height / (EM_INK_SHARE_CJK if cjk else EM_INK_SHARE_LATIN)
    if len(chars) < len(ink_marks(cols, em)):
        return False
    reach = (COVER_SLACK * sum(_advance(ch) for ch in chars) + COVER_MARGIN_EM) * em
    return bool(cols[-1] - cols[0] + 1 <= reach)


def ink_marks(cols: np.ndarray, em: float) -> list[tuple[int, int]]:
    """Inked columns grouped where they lie more than MARK_GAP_EM apart."""
    breaks = np.flatnonzero(np.diff(cols) > MARK_GAP_EM * em)
    starts = np.concatenate(([cols[0]], cols[breaks + 1]))
    ends = np.concatenate((cols[breaks], [cols[-1]]))
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _without_specks(ink: np.ndarray) -> np.ndarray:
    """The ink less its specks: blobs under SPECK_SHARE of the ink's height both ways (a
    period goes too: it adds no width worth measuring, and a speck far from the text
    would count as a mark of its own)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    rows = np.flatnonzero(ink.any(axis=1))
    if n <= 2 or len(rows) == 0:
        return ink
    least = SPECK_SHARE * (rows[-1] - rows[0] + 1)
    keep = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) >= least
    keep[0] = False
    return np.asarray(keep[labels])


def _advance(ch: str) -> float:
    if ch in NARROW:
        return NARROW_EM
    if ord(ch) >= CJK_FIRST or ch in WIDE_LATIN:
        return WIDE_EM
    return DIGIT_EM
