"""Finding a form's printed labels among its cells, exactly or fuzzily.

A label key forgives what differs between printings of the same label:
whitespace and wrapping, full/half-width forms, punctuation such as colons,
and a bracketed suffix such as （万元）, (50分) or (盖章).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from extractor.compare import normalize_text
from extractor.models import Cell, FormInstance

BRACKETED = re.compile(r"[(\[【][^()\[\]【】]{0,12}[)\]】]")
_PUNCT = re.compile(r"[:;,.、。·*※!?\"'\-_]")
_BRACKET_CHARS = re.compile(r"[()\[\]【】]")
MIN_FUZZY = 0.75  # a cell that matches a label less well than this is not that label
MAX_LABEL_CHARS = 40  # longer cells are values, never labels
MARKED = 0.85  # a label found once Latin letters and digits read beside it are dropped
AFTER_VALUE = 0.85  # a label found at the end of a cell, after a value a lost ruling merged it with
MIN_AFTER_VALUE = 2  # ... that value at least this many characters, the label at least MIN_SUFFIX_LABEL
MIN_SUFFIX_LABEL = 3


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    key = normalize_text(text)
    key = BRACKETED.sub("", key)
    return _PUNCT.sub("", key)


LATIN_OR_DIGIT = re.compile(r"[0-9A-Za-z]")


def closing_key(text: str) -> str:
    """A cell's label key without Latin letters and digits: a closing label (总分, 合计)
    has none, and a scan's marks read beside it ('m总分', '0010总分') are not the label."""
    return LATIN_OR_DIGIT.sub("", label_key(text))


def title_key(text: str) -> str:
    """A title line folded for a layout's title patterns: like a label, but what is in
    brackets stays (the brackets go), so （简表） can tell two titles apart."""
    return _BRACKET_CHARS.sub("", _PUNCT.sub("", normalize_text(text)))


def fuzzy_ratio(want: str, key: str) -> float:
    """How well a cell's label key `key` matches the label key `want` (a label misread: a
    glyph changed, lost or added), 0.0 below MIN_FUZZY or for lengths too far apart."""
    if abs(len(key) - len(want)) > max(2, len(want) // 2):
        return 0.0
    ratio = fuzz.ratio(want, key, score_cutoff=MIN_FUZZY * 100) / 100
    return ratio if ratio >= MIN_FUZZY else 0.0


def ends_with_label(key: str, want: str) -> bool:
    """A cell's label key is a value (MIN_AFTER_VALUE) followed by the label key `want`
    (MIN_SUFFIX_LABEL): the ruling between them lost."""
    return len(want) >= MIN_SUFFIX_LABEL and key.endswith(want) and len(key) - len(want) >= MIN_AFTER_VALUE


def before_label(text: str, label_keys: frozenset[str]) -> str | None:
    """A value cell's text without a layout's label read after it (the ruling between the
    value and the next label lost: '威县卫生健康局实施单位'), or None if it ends with none."""
    key = label_key(text)
    ends = [k for k in label_keys if ends_with_label(key, k)]
    if not ends:
        return None
    want = max(ends, key=len)
    for i in range(len(text) - 1, 0, -1):
        if label_key(text[i:]) == want:
            return text[:i].rstrip()
    return None


def _marks_beside(text: str) -> bool:
    """Every line keeps some of the label once its Latin letters and digits go: marks read
    beside a label. A line of digits alone is a value under it, in a cell that a lost
    ruling merged with the label's (a label and a value, not a label)."""
    return all(closing_key(line) for line in text.splitlines() if label_key(line))


@dataclass(frozen=True)
class LabelHit:
    score: float  # 1.0 exact; below for a fuzzy match
    table: int  # index into FormInstance.tables
    cell: Cell
    fuzzy: bool = False  # matched fuzzily (a glyph or two misread), at its ratio


class LabelIndex:
    """All short cells of one form, by label key, for repeated label look-ups."""

    def __init__(self, form: FormInstance):
        self.by_key: dict[str, list[tuple[int, Cell]]] = {}
        self.by_marked_key: dict[str, list[tuple[int, Cell]]] = {}  # closing_key, marks beside
        self._found: dict[tuple[str, ...], list[LabelHit]] = {}  # several layouts share labels
        for ti, table in enumerate(form.tables):
            for cell in table.cells:
                key = label_key(cell.text)
                if key and len(key) <= MAX_LABEL_CHARS:
                    self.by_key.setdefault(key, []).append((ti, cell))
                    unmarked = closing_key(cell.text)
                    if len(unmarked) >= 2 and unmarked != key and _marks_beside(cell.text):
                        self.by_marked_key.setdefault(unmarked, []).append((ti, cell))

    def find(self, labels: tuple[str, ...]) -> list[LabelHit]:
        """Cells printing one of the labels, best first: exact, else with marks read beside
        them (MARKED), else after a value merged into their cell (AFTER_VALUE), else fuzzy;
        then top first."""
        if labels not in self._found:
            self._found[labels] = self._find(labels)
        return self._found[labels]

    def _find(self, labels: tuple[str, ...]) -> list[LabelHit]:
        hits = []
        for label in labels:
            for ti, cell in self.by_key.get(label_key(label), []):
                hits.append(LabelHit(1.0, ti, cell))
        if not hits:  # a label with a scan's marks read beside it ('总分00.08'): a label
            hits = [LabelHit(MARKED, ti, cell) for label in labels  # has no Latin or digit
                    if not LATIN_OR_DIGIT.search(label_key(label))
                    for ti, cell in self.by_marked_key.get(label_key(label), [])]
        if not hits:
            hits = self._after_value(labels)
        if not hits:
            hits = self._fuzzy(labels)
        return sorted(hits, key=lambda h: (-h.score, h.table, h.cell.bbox[1], h.cell.bbox[0]))

    def _after_value(self, labels: tuple[str, ...]) -> list[LabelHit]:
        """Cells ending with one of the labels after a value ('威县卫生健康局实施单位': the
        ruling between a value and the next label lost), at AFTER_VALUE."""
        hits: list[LabelHit] = []
        for label in labels:
            want = label_key(label)
            for key, cells in self.by_key.items():
                if ends_with_label(key, want):
                    hits.extend(LabelHit(AFTER_VALUE, ti, c) for ti, c in cells)
        return hits

    def _fuzzy(self, labels: tuple[str, ...]) -> list[LabelHit]:
        hits: list[LabelHit] = []
        for label in labels:
            want = label_key(label)
            if len(want) < 2:
                continue
            for key, cells in self.by_key.items():
                ratio = fuzzy_ratio(want, key)
                if ratio:
                    hits.extend(LabelHit(ratio * 0.95, ti, c, fuzzy=True) for ti, c in cells)
        return hits

    def found(self, label_sets: tuple[tuple[str, ...], ...]) -> float:
        """How many of a layout's labels are present: the sum of each label's best match."""
        total = 0.0
        for labels in label_sets:
            hits = self.find(labels)
            total += hits[0].score if hits else 0.0
        return total

    def score(self, label_sets: tuple[tuple[str, ...], ...]) -> float:
        """How well a layout's labels are present: mean of each label's best match."""
        return self.found(label_sets) / len(label_sets) if label_sets else 0.0
