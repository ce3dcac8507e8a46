"""Closed vocabularies of indicator columns (`values:` in a layout): 一级指标 and 二级指标
take their names from the indicator framework, so a reading that is none of them was
misread or is a new name; either way a person looks.

A reading whose label key (layout.labels: brackets such as （50分） and punctuation aside)
is an entry stays as it is. One that an entry explains, a scan's noise added to it or a
glyph changed (at most SNAP_EDITS, and no shorter than the entry: a shorter reading may be
a wording of its own, printed so), is that entry, any bracketed suffix kept as read, and
is flagged `vocabulary`; any other reading is flagged `vocabulary` as it is. Latin
letters and digits in a reading count as noise where no entry has any.
"""

from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from extractor.compare import normalize_text
from extractor.layout.labels import BRACKETED, LATIN_OR_DIGIT, label_key
from extractor.models import Field
from extractor.record import Flag

SHORT_ENTRY = 4  # entries of up to this many characters snap at one edit, longer at two


def snap(field: Field, values: tuple[str, ...]) -> Field:
    key = label_key(field.text)
    if not key or not values or key in {label_key(v) for v in values}:
        return field
    if not any(LATIN_OR_DIGIT.search(v) for v in values):  # a mark read as 'wr', 'W' aside
        key = LATIN_OR_DIGIT.sub("", key)
    entry = _explains(key, values)
    if entry is None:
        return field.with_flags(Flag.VOCABULARY)
    suffix = "".join(BRACKETED.findall(normalize_text(field.text)))
    snapped = Field(entry + suffix, field.value, field.confidence, field.flags, field.page, field.bbox)
    return snapped.with_flags(Flag.VOCABULARY)


def _explains(key: str, values: tuple[str, ...]) -> str | None:
    """The one entry within its edit limit of `key` and no longer than it, else None."""
    scored = []
    for v in values:
        want = label_key(v)
        limit = 1 if len(want) <= SHORT_ENTRY else 2
        d = Levenshtein.distance(key, want, score_cutoff=limit)
        if d <= limit and len(key) >= len(want):
            scored.append((d, v))
    if not scored:
        return None
    best = min(d for d, _ in scored)
    winners = [v for d, v in scored if d == best]
    return winners[0] if len(winners) == 1 else None
