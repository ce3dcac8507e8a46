"""Closed vocabularies of indicator columns (`values:` in a layout): 一级指标 and 二级指标
take their names from the indicator framework, so a reading that is none of them was
misread or is a new name; either way a person looks.

A reading whose label key (layout.labels: brackets such as （50分） and punctuation aside)
is an entry stays as it is. One that an entry explains, a scan's noise added to it or a
glyph changed (at most one edit for entries of up to SHORT_ENTRY characters, two for
longer, and no shorter than the entry: a shorter reading may be a wording of its own,
printed so), is that entry, any bracketed suffix kept as read, and is flagged
`vocabulary`. So is a reading the engines were unsure of or disagreed on whose glyphs
are those of one entry only, in its order, with some dropped (at least DROPPED_KEPT of
the entry's, and two): a scan's faint or broken glyphs are what recognisers drop, and a
wording of its own read confidently stays as read. Any other reading is flagged
`vocabulary` as it is, and so is a blank (every indicator row has a name in these
columns: a blank the merged cells' repetition left is a span the grid lost). Latin
letters and digits in a reading count as noise where no entry has any.

An entry is also a vote (`vote`, on the cells as read, before the layout adds flags of
its own): a reading the engines were unsure of or disagreed on that is an entry (its
label key) or that an entry explains as above is taken, the entry's own text in its
place, when every reading of the column in that form's indicator rows, blanks aside, is
an entry or explained by one (a column whose cells hold another column's names has lost
a ruling: none of it is taken), and that holds no number outside brackets: a number read
beside the name where no entry has one is a score such as （50分） whose brackets were
misread (`产出指标\n分50`), which the entry does not account for. The vocabulary knows
nothing of how the engines failed, so its word is a second opinion independent of
theirs; a misreading that lands on, or within an edit of, another entry of a handful of
names is unlikely. Nothing else (a repeated blank, a row whose rulings were lost, a
poorly read header) is lifted this way.

An entry read sure in a column whose values sit under another column's entries (a
二级指标 under its 一级指标: `within:` in the layout) names that column's entry too
(`nest`): a reading there that is not sure of an entry (misread, doubted, or the blank a
merged cell's lost span left) takes it, flagged `vocabulary`, as sure as the vote makes
a reading (VOTED_CONFIDENCE, at most the name's), whatever it replaced; one sure of
another entry is kept, both flagged.

The names also tell a column (`names_column`): one whose readings are all entries is
the column those names belong to, though its header was misread (found by its place,
or matched fuzzily); its header's doubt is not carried into its cells.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rapidfuzz.distance import Levenshtein

from extractor.compare import normalize_text
from extractor.layout.labels import BRACKETED, LATIN_OR_DIGIT, label_key
from extractor.layout.spec import ColumnSpec
from extractor.models import Cell, Field
from extractor.record import Flag

SHORT_ENTRY = 4  # entries of up to this many characters snap at one edit, longer at two
DIGIT = re.compile(r"[0-9]")
NUMBER = re.compile(r"[0-9]{2,}")
DROPPED_KEPT = 0.5  # an unsure reading with glyphs dropped keeps at least this share of its entry's
# an OCR doubt the vocabulary's vote settles, and what a reading it settled reports
# (fields.SURE: confident, below a text layer's 1.0)
ENGINE_DOUBTS = frozenset({Flag.LOW_CONFIDENCE, Flag.ENGINES_DISAGREE})
VOTED_CONFIDENCE = 0.9
MIN_NAMED = 2  # names_column: at least this many names read


def vote(cells: list[Cell], values: tuple[str, ...]) -> dict[int, Cell]:
    """The cells of a closed column in one form's indicator rows that the vocabulary's vote
    settles (see above), by id, each as the entry it is; none where any reading of the
    column is no entry and explained by none."""
    entries = {id(c): _entry(c.text, values) for c in cells} if values else {}
    if not values or any(label_key(c.text) and entries[id(c)] is None for c in cells):
        return {}
    out = {}
    for c in cells:
        entry = entries[id(c)]
        if entry is None or not c.flags or not set(c.flags) <= ENGINE_DOUBTS or _loose_digits(c.text, values):
            continue
        suffix = "".join(BRACKETED.findall(normalize_text(c.text)))
        out[id(c)] = replace(c, text=entry + suffix, confidence=max(c.confidence, VOTED_CONFIDENCE),
                             flags=())
    return out


def names_column(cells: list[Cell], values: tuple[str, ...]) -> bool:
    """Every reading of a closed column, blanks aside, is exactly one of its entries, and
    at least MIN_NAMED are: the column is the one these names belong to (the vocabularies
    of 一级 and 二级指标 share no entry), whatever its header was read as."""
    keys = _keys(values)
    read = [k for c in cells if (k := label_key(c.text))]
    return len(read) >= MIN_NAMED and all(k in keys for k in read)


def _keys(values: tuple[str, ...]) -> set[str]:
    return {label_key(v) for v in values}


def _loose_digits(text: str, values: tuple[str, ...]) -> bool:
    """A number (two digits or more on a line) in a reading outside its brackets, where no
    entry has a digit; a lone digit is as often a mark read beside the name."""
    lines = "\n".join(normalize_text(line) for line in text.splitlines())
    return not any(DIGIT.search(v) for v in values) and any(
        NUMBER.search(line) for line in BRACKETED.sub("", lines).splitlines())


def _entry(text: str, values: tuple[str, ...]) -> str | None:
    """The entry a reading is, or that explains it (as `snap` would take it), else None."""
    key = label_key(text)
    exact = {label_key(v): v for v in values}.get(key)
    if exact is not None or not key:
        return exact
    return _explains(_without_marks(key, values), values)


def _without_marks(key: str, values: tuple[str, ...]) -> str:
    """A reading's key without Latin letters and digits where no entry has any (a mark
    read as 'wr', 'W')."""
    return key if any(LATIN_OR_DIGIT.search(v) for v in values) else LATIN_OR_DIGIT.sub("", key)


def snap(field: Field, values: tuple[str, ...]) -> Field:
    key = label_key(field.text)
    if not values or Flag.MISSING in field.flags or key in _keys(values):
        return field
    if not key:  # every indicator row has a name here: a blank left is a span lost
        return field.with_flags(Flag.VOCABULARY)
    entry = _entry(field.text, values)
    if entry is None and ENGINE_DOUBTS & set(field.flags):
        entry = _with_glyphs_dropped(key, values)
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


def _with_glyphs_dropped(key: str, values: tuple[str, ...]) -> str | None:
    """The one entry whose glyphs `key`'s are, in order, with some dropped (DROPPED_KEPT)."""
    key = _without_marks(key, values)
    found = []
    for v in values:
        want = label_key(v)
        if len(key) >= max(2, DROPPED_KEPT * len(want)) and len(key) < len(want) and _in_order(key, want):
            found.append(v)
    return found[0] if len(found) == 1 else None


def _in_order(part: str, whole: str) -> bool:
    rest = iter(whole)
    return all(ch in rest for ch in part)


def nest(row: dict[str, Field], columns: tuple[ColumnSpec, ...]) -> dict[str, Field]:
    """One indicator row's closed columns held against the entries their values sit under
    (see above)."""
    by_key = {c.key: c for c in columns}
    out = dict(row)
    for c in columns:
        if c.within is None or c.key not in out or c.within not in out or out[c.key].flags:
            continue
        child, parent = out[c.key], out[c.within]
        want = {label_key(v): p for v, p in c.parents}.get(label_key(child.text))
        key = label_key(parent.text)
        if want is None or key == label_key(want) or Flag.MISSING in parent.flags:
            continue
        if not parent.flags and key in _keys(by_key[c.within].values):
            out[c.key], out[c.within] = child.with_flags(Flag.VOCABULARY), parent.with_flags(Flag.VOCABULARY)
            continue
        suffix = "".join(BRACKETED.findall(normalize_text(parent.text)))
        sure = min(child.confidence, VOTED_CONFIDENCE)  # the reading it replaces says nothing
        out[c.within] = replace(parent, text=want + suffix, confidence=sure).with_flags(Flag.VOCABULARY)
    return out
