"""Per text line: accept, ask the next engine of the chain, or flag (the OCR decision
policy). Its thresholds are in thresholds.py.

    decide          a cell's lines, each decided on its own, into one CellReading (in
                    simplified glyphs, flagged where converted: script.py)
    decide_line     a line the primary is unsure of: the memo, else confirm_window
    confirm_window  the doubted characters shown to the second engine
    ask_chain       engines asked in turn; a sure one, two agreeing, or flagged
    shared_failure  two engines of a family agreeing on a glyph class they both misread
    despeck         a speck read as text at a line's start or end dropped
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from extractor.compare import normalize_text
from extractor.ocr import BY_ACCURACY, FAMILY, OcrEngine, OcrResult
from extractor.record import Flag
from extractor.scan import thresholds
from extractor.scan.extent import accounts_for_ink
from extractor.scan.leading import check_leading_sign
from extractor.scan.line_memo import LineMemo
from extractor.scan.reading import CellReading
from extractor.scan.script import simplify
from extractor.scan.thresholds import (
    AGREE_CONFIDENCE,
    AMOUNT_CHARS,
    CJK_FIRST,
    FLAGGED_CEILING,
    HAND_MARKS,
    INK_GREY,
    KIN_AGREE_FLOOR,
    LINE_END_SPECKS,
    LINE_START_SPECKS,
    LONE_GUESS,
    LONE_LETTER_MAX_ASPECT,
    MARK_GLYPHS,
    MARKED_AGREE_FLOOR,
    SPECK_CONFIDENCE,
    UNREAD_CONFIDENCE,
    WINDOW_MAX_SHARE,
)


def decide(
    crops: list[np.ndarray],
    first: list[OcrResult],
    chain: tuple[OcrEngine, ...],
    marked: Sequence[bool] = (),
    memo: LineMemo[CellReading] | None = None,
    scale: float = 0.0,
) -> CellReading:
    """One cell's text, confidence and flags from its lines, each decided on its own (a
    cell of five lines asks again about the one unsure line only). A marked line (a seal
    or a signature runs through or near it) is never taken on one engine's word, nor on
    two engines' agreement when the better of them was far from sure (both read a stroke
    as "/"). With the crops' `scale` (pixels a point), a comparison sign leading a line
    is held against its ink's shape (leading.py)."""
    if not chain:
        return CellReading("", UNREAD_CONFIDENCE, (Flag.UNREADABLE,))
    marked = list(marked) or [False] * len(crops)
    letter = _lone_letter("".join(r.text for r in first), crops)
    lines = [check_leading_sign(_account(c, decide_line(c, r, chain, not (m or letter), m, memo)),
                                c, r, scale)
             for c, r, m in zip(crops, first, marked, strict=True)]
    lines = _stray_lines(lines)
    text = "\n".join(x.text for x in lines if x.text)
    flags = tuple(dict.fromkeys(f for x in lines for f in x.flags
                                if text == "" or f != Flag.UNREADABLE))
    return _lone_guess(_hand_mark(simplify(CellReading(text, min(x.confidence for x in lines), flags))))


def _lone_guess(got: CellReading) -> CellReading:
    """A cell (or a line) read as one Latin letter or digit that the engines disagreed on,
    the best of them under LONE_GUESS sure: a guess at a stroke (a pen's tick or circle
    over an empty cell, a seal's edge) as often as at print. Reported unreadable, with no
    text, at LONE_GUESS: the ink is there, what it says is not known, and the cell is as
    likely empty as not."""
    if not _guessed(got):
        return got
    return CellReading("", LONE_GUESS, (Flag.UNREADABLE, Flag.LOW_CONFIDENCE))


def _guessed(got: CellReading) -> bool:
    t = normalize_text(got.text)
    return (len(t) == 1 and glyph_classes(t) in ({"digit"}, {"latin"})
            and Flag.ENGINES_DISAGREE in got.flags and got.confidence < LONE_GUESS)


def _hand_mark(got: CellReading) -> CellReading:
    """A cell read as one tick or cross (√, V, X) holds a hand mark, not print: a pen's
    tick over an empty cell, or a box ticked; either way a person looks."""
    if normalize_text(got.text) not in HAND_MARKS:
        return got
    return got.unsure()


def _stray_lines(lines: list[CellReading]) -> list[CellReading]:
    """Beside a cell's printed lines, a line read as one mark-like glyph (a tick, a pen's
    stroke read as V, I, ▲ or a dash), or as one Latin letter or digit the engines
    disagreed on, none LONE_GUESS sure (_guessed), is a hand mark: dropped, the cell
    flagged. Any other read as a lone digit may be a number's last digit wrapped, or a
    stroke read as 1: kept, flagged."""
    if sum(bool(x.text) for x in lines) < 2:
        return lines
    kept = [x for x in lines if not _mark_like(x.text) and not _guessed(x)]
    if not any(x.text for x in kept):
        return lines
    out = [x.unsure() if _lone_digit(x.text) else x for x in kept]
    if len(kept) < len(lines):
        out[0] = out[0].unsure()
    return out


def _mark_like(text: str) -> bool:
    t = normalize_text(text)
    return len(t) == 1 and (t in HAND_MARKS or t in MARK_GLYPHS or (t.isascii() and t.isalpha()))


def _lone_digit(text: str) -> bool:
    t = normalize_text(text)
    return len(t) == 1 and t.isdigit()


def _account(crop: np.ndarray, got: CellReading) -> CellReading:
    """A line's reading that does not account for its ink (extent.py) is flagged."""
    return got if accounts_for_ink(got.text, crop) else got.unsure()


def decide_line(
    crop: np.ndarray,
    first: OcrResult,
    chain: tuple[OcrEngine, ...],
    alone: bool,
    marked: bool,
    memo: LineMemo[CellReading] | None = None,
) -> CellReading:
    """As `ask_chain`; a line the primary is unsure of takes the decision made on the same
    print before, if `memo` holds one (a label on every form of an annex), else is first
    confirmed, if it can be, from a window round its doubted characters."""
    primary = despeck(first)
    if not (alone and len(chain) > 1) or _sure(chain[0], primary):
        return ask_chain(crop, primary, chain, alone, marked)
    if memo is not None and (known := memo.get(first.text, crop)) is not None:
        return known
    got = confirm_window(crop, primary, chain[0], chain[1]) or ask_chain(
        crop, primary, chain, alone, marked)
    if memo is not None:
        memo.put(first.text, crop, got)
    return got


def confirm_window(
    crop: np.ndarray, res: OcrResult, primary: OcrEngine, second: OcrEngine
) -> CellReading | None:
    """The characters the primary was unsure of, with a neighbour each side, cut out and
    read by the second engine: the same text there confirms the line (a long line of
    goal text, one character in doubt, costs the second engine a few characters, not the
    line). None where that is not settled: the caller asks about the whole line."""
    glyphs = res.glyphs
    unsure = [i for i, g in enumerate(glyphs) if g.confidence < _accept(primary)]
    if res.partial or not unsure:
        return None
    lo, hi = max(0, unsure[0] - 1), min(len(glyphs) - 1, unsure[-1] + 1)
    x0 = 0 if lo == 0 else int((glyphs[lo - 1].x + glyphs[lo].x) / 2)
    x1 = crop.shape[1] if hi == len(glyphs) - 1 else int((glyphs[hi].x + glyphs[hi + 1].x) / 2) + 1
    if x1 - x0 > WINDOW_MAX_SHARE * crop.shape[1]:
        return None
    said = "".join(g.text for g in glyphs[lo:hi + 1])
    family = FAMILY.get(primary.name, primary.name)
    kin = family == FAMILY.get(second.name, second.name)
    if kin and shared_failure(family, said):
        return None  # its agreement would count for nothing: not asked
    kind = "amount" if _numeric(said) else "text"
    other = despeck(second.recognize_batch([crop[:, x0:x1]], kind)[0])
    if other.partial or not other.text or normalize_text(other.text) != normalize_text(said):
        return None
    weakest = min(glyphs[i].confidence for i in unsure)
    if kin and max(weakest, other.confidence) < KIN_AGREE_FLOOR:
        return None
    return CellReading(res.text, max(AGREE_CONFIDENCE, other.confidence))


def ask_chain(
    crop: np.ndarray, first: OcrResult, chain: tuple[OcrEngine, ...], alone: bool, marked: bool
) -> CellReading:
    """Taken on the word of an engine sure of it (the primary, or a later one that reads
    better than those before it); else on two engines' agreement; else flagged, with the
    best engine's text. `first`: the primary's reading, despecked."""
    seen: list[tuple[int, str, OcrResult]] = []  # (rank by accuracy, family, reading)
    for i, engine in enumerate(chain):
        rank, family = _rank(engine.name), FAMILY.get(engine.name, engine.name)
        if i == 0:
            res = first
        else:
            kind = "amount" if any(_numeric(r.text) for _, _, r in seen) else "text"
            res = despeck(engine.recognize_batch([crop], kind)[0])
            for r, fam, prev in seen:  # a partial reading agrees with nothing: both may
                if not prev.text or prev.partial or res.partial:  # miss one broken glyph
                    continue
                if normalize_text(prev.text) != normalize_text(res.text):
                    continue
                if fam == family and (max(prev.confidence, res.confidence) < KIN_AGREE_FLOOR
                                      or shared_failure(family, res.text)):
                    continue
                better = prev if r < rank else res
                if marked and better.confidence < MARKED_AGREE_FLOOR:
                    return CellReading(res.text, min(better.confidence, FLAGGED_CEILING),
                                       (Flag.LOW_CONFIDENCE,))
                return CellReading(better.text, max(AGREE_CONFIDENCE, better.confidence))
        trusted = all(rank < r for r, _, _ in seen)
        if alone and trusted and _sure(engine, res) and not _drops_signs(res, seen):
            return CellReading(res.text, res.confidence)
        seen.append((rank, family, res))
    if not any(res.text for _, _, res in seen):
        return CellReading("", UNREAD_CONFIDENCE, (Flag.UNREADABLE, Flag.LOW_CONFIDENCE))
    # the best engine's reading, even if it saw nothing there (a speck others read as "m")
    best = min(seen, key=lambda s: s[0])[2]
    flags = (Flag.ENGINES_DISAGREE, Flag.LOW_CONFIDENCE) if len(chain) > 1 else (Flag.LOW_CONFIDENCE,)
    return CellReading(best.text, min(best.confidence, FLAGGED_CEILING), flags)


def _drops_signs(res: OcrResult, seen: list[tuple[int, str, OcrResult]]) -> bool:
    """The reading is an earlier engine's less one or more signs (12.31 read 1231, 元/人
    read 元人): that engine saw a mark this one dropped, so this one is not taken on its
    word alone."""
    got = normalize_text(res.text)
    return any(_less_signs(normalize_text(prev.text), got) for _, _, prev in seen)


def _less_signs(said: str, got: str) -> bool:
    """`got` is `said` with one or more of its signs left out, nothing else changed."""
    i = 0
    for ch in said:
        if i < len(got) and ch == got[i]:
            i += 1
        elif glyph_classes(ch) != {"sign"}:
            return False
    return i == len(got) and len(said) > len(got)


def glyph_classes(text: str) -> set[str]:
    """The glyph classes of a reading: cjk (ideographs, kana, CJK symbols), digit, latin,
    sign (everything else)."""
    out = set()
    for ch in normalize_text(text):
        if ord(ch) >= CJK_FIRST:
            out.add("cjk")
        elif ch.isdigit():
            out.add("digit")
        elif ch.isalpha():
            out.add("latin")
        elif not ch.isspace():
            out.add("sign")
    return out


def shared_failure(family: str, text: str) -> bool:
    """Two engines of `family` agreeing on `text` is no second opinion: they share a
    failure mode on one of its glyph classes (thresholds.SHARED_FAILURES)."""
    return bool(glyph_classes(text) & thresholds.SHARED_FAILURES.get(family, frozenset()))


def despeck(res: OcrResult) -> OcrResult:
    """A line of CJK text does not begin with a period, comma, colon or semicolon, nor
    end with a dot (line-breaking rules; its full stop is 。): such a character is a
    speck read as text. Dropped; the reading is then partial (what was read as a speck
    may be a broken glyph)."""
    text = res.text.lstrip(LINE_START_SPECKS).rstrip(LINE_END_SPECKS).strip()
    if text == res.text:
        return res
    return OcrResult(text, min(res.confidence, SPECK_CONFIDENCE) if text else UNREAD_CONFIDENCE,
                     partial=True)


def _accept(engine: OcrEngine) -> float:
    return thresholds.ACCEPT.get(engine.name, thresholds.ACCEPT_DEFAULT)


def _sure(engine: OcrEngine, res: OcrResult) -> bool:
    """The engine's reading can be taken on its word alone (where nothing else forbids)."""
    return bool(res.text) and res.confidence >= _accept(engine)


def _rank(name: str) -> int:
    return BY_ACCURACY.index(name) if name in BY_ACCURACY else len(BY_ACCURACY)


def _lone_letter(text: str, crops: list[np.ndarray]) -> bool:
    """A lone glyph (one line, its ink about as wide as tall) read as one alphabetic
    non-CJK letter (N, M, И): on these forms more likely a symbol the recogniser does not
    know alone (≥ read as N) than a letter; never taken on the primary's word alone."""
    t = normalize_text(text)
    if len(crops) != 1 or len(t) != 1 or not t.isalpha() or ord(t) >= CJK_FIRST:
        return False
    ys, xs = np.nonzero(crops[0] < INK_GREY)
    return bool(len(xs) > 0 and np.ptp(xs) <= LONE_LETTER_MAX_ASPECT * (np.ptp(ys) + 1))


def _numeric(text: str) -> bool:
    t = normalize_text(text)
    return bool(t) and all(ch in AMOUNT_CHARS for ch in t)
