"""One record CELL -> one worksheet cell: a number with its format, a fill, a comment.

Typed values become numbers: amounts `0.00` (more decimals if printed),
scores as printed, rates as percentages (`98%` is 0.98 shown `98%`), years.
A measure (年度指标值, 实际完成值) is a number only when it prints a bare
number or rate; `≥50个` stays text. Flags choose the fill: a reading doubt
(READING_DOUBTS, or any flag that is not a rule's) is yellow, a cell flagged
only by failed rules (`validation:*`) is red; a cell a reviewer decided is
green. The comment gives the flags, the confidence and the failed rules'
messages, and the printed text where it is more than the number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from extractor.compare import normalize_text
from extractor.record import Flag

READING_DOUBTS = frozenset(
    {Flag.LOW_CONFIDENCE, Flag.ENGINES_DISAGREE, Flag.UNREADABLE, Flag.MISSING, Flag.VOCABULARY}
)
# solid fills, RGB
READING_FILL = "FFEB9C"  # yellow: the machine may have misread
RULE_FILL = "FFC7CE"  # red: a cross-field rule failed (validation:*)
REVIEWED_FILL = "C6EFCE"  # green: a person decided this cell

TEXT_TYPES = frozenset({"text", "name", "phone", "grade"})  # never a number
_WIDE = re.compile(  # East Asian wide and full-width characters: two columns each
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters XML 1.0 refuses
_PLAIN = re.compile(r"([+-]?\d+(?:\.(\d+))?)(%|％)?")  # a bare number or rate, commas removed


@dataclass(slots=True)
class Out:
    """What one worksheet cell gets."""

    value: Any
    fmt: str | None = None
    fill: str | None = None  # READING_FILL, RULE_FILL or REVIEWED_FILL
    comment: str | None = None
    link: str | None = None


def clean(v: Any) -> Any:
    """Control characters a PDF may carry are illegal in XLSX."""
    if not isinstance(v, str) or v.isprintable():
        return v
    return _ILLEGAL.sub("\ufffd", v)


def display_width(v: Any, cap: int = 1000) -> int:
    """Characters a column needs to show `v` (at most `cap`); a CJK (wide) character counts 2."""
    s = v if isinstance(v, str) else "" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)
    line = max(s.split("\n"), key=len)[:cap] if "\n" in s else s[:cap]
    return min(cap, len(line) if line.isascii() else len(line) + len(_WIDE.findall(line)))


def _fixed(decimals: int) -> str:
    return "0." + "0" * decimals if decimals else "0"


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _plain(text: str) -> re.Match[str] | None:
    """`text` as a bare number or rate; normalized (full-width digits, `％`, `，`) only if it must be."""
    return _PLAIN.fullmatch(text.replace(",", "")) or _PLAIN.fullmatch(normalize_text(text).replace(",", ""))


def typed(type_name: str, text: str, value: Any) -> tuple[float | None, str | None]:
    """(number, number format) for a typed cell; (None, None) keeps the text."""
    return _typed(type_name, _plain(text), value) if _number(value) else (None, None)


def _typed(type_name: str, plain: re.Match[str] | None, value: float) -> tuple[float | None, str | None]:
    decimals = len(plain.group(2) or "") if plain else 0
    if type_name == "measure":  # a bare number or rate only
        if not plain:
            return None, None
        type_name = "percent" if plain.group(3) else "score"
    if type_name == "amount":
        return float(value), _fixed(max(2, decimals))
    if type_name == "score":
        return float(value), _fixed(decimals)
    if type_name == "percent":
        return float(value) / 100, _fixed(decimals) + "%"
    if type_name == "year":
        return float(int(value)), "0"
    return None, None


def printed_more(plain: re.Match[str] | None, value: float) -> bool:
    """Whether the printed text (`plain`, its _plain match) says more than its value (`1,234.5`
    does not; `约60` does)."""
    return plain is None or not math.isclose(float(plain.group(1)), value, abs_tol=1e-9)


def fill_for(flags: Sequence[str]) -> str:
    return RULE_FILL if all(f.startswith("validation:") for f in flags) else READING_FILL


def cell_out(cell: Mapping[str, Any], type_name: str, messages: Sequence[str] = ()) -> Out:
    """A record CELL as a worksheet cell: typed, filled and commented."""
    text = clean(str(cell.get("text") or ""))
    if type_name in TEXT_TYPES and not cell.get("flags") and not cell.get("reviewed_by"):
        return Out(text)
    value = cell.get("value")
    number, fmt = None, None
    notes: list[str] = []
    if _number(value):
        plain = _plain(text)
        number, fmt = _typed(type_name, plain, value)
        if number is not None and type_name != "year" and printed_more(plain, float(value)):
            notes.append(f"印刷 printed: {text}")
    flags = list(cell.get("flags") or ())
    fill = None
    if flags:
        fill = fill_for(flags)
        conf = cell.get("confidence")
        notes.append("标记 flags: " + ", ".join(flags))
        notes.append("置信度 confidence: " + (f"{float(conf):.2f}" if conf is not None else "-"))
        notes += [clean(m) for m in messages]
    elif cell.get("reviewed_by"):
        fill = REVIEWED_FILL
        notes.append(f"已审核 reviewed by {clean(str(cell['reviewed_by']))}")
    return Out(number if number is not None else text, fmt, fill, "\n".join(notes) or None)
