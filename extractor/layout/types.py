"""Field types: text as printed -> (value, flags).

A value that does not parse is kept as text, gets value None and the flag
`validation:format`; a cell marking "not applicable" (— / 不适用 …) is None
without a flag. A type is also a prior: a value that parses but that its type
makes implausible keeps its value and gets `validation:implausible` (a percent
printed to more than two decimals, `99.9896` for `99.98%`; a bound such as
`≥290%` on a share, which a `≥` read as `2` makes). A numeric field read as strokes
of a dash only (`一`, `-\n—`: a dash broken or read as the CJK one) is the dash that
marks "not applicable" there (`as_dash`; the cell is then flagged `vocabulary`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from extractor.compare import DASHES, normalize_text
from extractor.record import Flag, validation_flag

FORMAT_FLAG = Flag.FORMAT.value
IMPLAUSIBLE_FLAG = validation_flag("implausible")
PERCENT_DECIMALS = 2  # a percent is printed to at most this many decimals
BOUND_MAX_PERCENT = 100.0  # a bound on a share (≥ 90%) is at most this
_PERCENT_UNITS = {"%", "％", "百分比"}
NOT_APPLICABLE = {"", "-", "--", "/", "\\", "无", "不适用", "N/A", "n/a", "×"}

NUMERIC = {"amount", "score", "percent"}
_DASH_STROKES = set(DASHES) | {"一", "_", "＿"}

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_COMPARATOR = r"(?:[≥≤><=]|>=|<=|不低于|不少于|不高于|不超过|大于等于|小于等于|大于|小于|达到)?"
_MEASURE = re.compile(rf"^{_COMPARATOR}\s*({_NUMBER.pattern})\s*(.{{0,8}})$")
_PERCENT = re.compile(rf"^({_NUMBER.pattern})\s*(%|％|百分比)?$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PHONE = re.compile(r"^[\d\s\-()（）+转、,，;；/]+$")

Parsed = tuple[float | None, tuple[str, ...]]


def _number(s: str) -> float:
    return float(s.replace(",", ""))


def _is_na(norm: str) -> bool:
    return norm in NOT_APPLICABLE


def parse_text(text: str) -> Parsed:
    return None, ()


def parse_amount(text: str) -> Parsed:
    norm = normalize_text(text)
    if _is_na(norm):
        return None, ()
    if _NUMBER.fullmatch(norm):
        return _number(norm), ()
    return None, (FORMAT_FLAG,)


def parse_percent(text: str) -> Parsed:
    norm = normalize_text(text)
    if _is_na(norm):
        return None, ()
    m = _PERCENT.fullmatch(norm)
    if m:
        return _number(m.group(1)), _percent_prior(m.group(1))
    return None, (FORMAT_FLAG,)


def _percent_prior(number: str, bound: bool = False) -> tuple[str, ...]:
    """A percent with more decimals than one is printed with, or a bound over 100%."""
    decimals = len(number.split(".", 1)[1]) if "." in number else 0
    if decimals > PERCENT_DECIMALS or (bound and _number(number) > BOUND_MAX_PERCENT):
        return (IMPLAUSIBLE_FLAG,)
    return ()


def parse_measure(text: str) -> Parsed:
    """Targets and actuals: `50`, `90%`, `≥50个`, `≥100百分比`, `150万` give numbers; a
    grade or a sentence gives None without a flag (it is not an error to be a word)."""
    norm = normalize_text(text)
    m = _MEASURE.fullmatch(norm)
    if m and not re.search(r"\d", m.group(2) or ""):
        unit = (m.group(2) or "").strip()
        prior: tuple[str, ...] = ()
        if unit in _PERCENT_UNITS:
            bound = not norm[:1].isdigit() and not norm.startswith((".", "+", "-"))
            prior = _percent_prior(m.group(1), bound)
        return _number(m.group(1)), prior
    return None, ()


def parse_year(text: str) -> Parsed:
    m = _YEAR.search(normalize_text(text))
    if m:
        return float(m.group(1)), ()
    return (None, ()) if not text.strip() else (None, (FORMAT_FLAG,))


def parse_phone(text: str) -> Parsed:
    norm = normalize_text(text)
    if _is_na(norm):
        return None, ()
    digits = sum(ch.isdigit() for ch in norm)
    if _PHONE.fullmatch(norm) and 7 <= digits <= 24:
        return None, ()
    return None, (FORMAT_FLAG,)


TYPES: dict[str, Callable[[str], Parsed]] = {
    "text": parse_text,
    "name": parse_text,
    "amount": parse_amount,
    "score": parse_amount,
    "percent": parse_percent,
    "measure": parse_measure,
    "year": parse_year,
    "phone": parse_phone,
    "grade": parse_text,  # checked against the layout's vocabularies in mapping
}


def parse_value(type_name: str, text: str) -> Parsed:
    return TYPES[type_name](text)


def as_dash(type_name: str, text: str) -> str | None:
    """"—" for a numeric field's reading of dash strokes only that is not itself a
    not-applicable mark, else None."""
    norm = normalize_text(text)
    if type_name not in NUMERIC or not norm or _is_na(norm) or not set(norm) <= _DASH_STROKES:
        return None
    return "—"


def grade_vocabulary(target: str, vocabularies: tuple[str, ...]) -> str | None:
    """The vocabulary a target names (`优良中低差`, `好坏` …), or None if it names none."""
    norm = normalize_text(target)
    for vocab in vocabularies:
        if norm == normalize_text(vocab):
            return norm
    return None
