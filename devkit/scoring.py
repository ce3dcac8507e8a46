"""Score emitted records against expected ones, cell by cell (record-format JSON).

Every cell of every expected record is one observation: right or wrong after
`compare.normalize_text`, flagged or not (any cell flag), and its confidence.
Long free text (the 年度总体目标 cells) is scored by character error rate;
every other cell is a short field, scored exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from extractor.compare import normalize_text
from extractor.record import Flag
from extractor.record import record_cells as cells_by_key

LONG_FIELDS = ("goal.expected", "goal.actual")
ROWS_INCOMPLETE = str(Flag.ROWS_INCOMPLETE)
ENGINE_FLAGS = frozenset({"low_confidence", "engines_disagree", "unreadable"})


@dataclass
class Observation:
    key: str
    expected: str
    got: str | None  # None: the record or the cell is missing
    flags: tuple[str, ...]
    confidence: float

    @property
    def right(self) -> bool:
        return self.got is not None and normalize_text(self.got) == normalize_text(self.expected)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def long(self) -> bool:
        return self.key.split(":")[-1] in LONG_FIELDS


@dataclass
class Score:
    observations: list[Observation] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.observations += other.observations

    def _short(self) -> list[Observation]:
        return [o for o in self.observations if not o.long]

    @property
    def cells(self) -> int:
        return len(self.observations)

    @property
    def short_exact(self) -> float:
        short = self._short()
        return sum(o.right for o in short) / max(1, len(short))

    @property
    def goal_cer(self) -> float:
        longs = [o for o in self.observations if o.long]
        errors = sum(edit_distance(normalize_text(o.got or ""), normalize_text(o.expected))
                     for o in longs)
        return errors / max(1, sum(len(normalize_text(o.expected)) for o in longs))

    @property
    def wrong_flagged(self) -> float:
        """Share of wrong short cells that carry a flag (1.0 when none is wrong)."""
        wrong = [o for o in self._short() if not o.right]
        return sum(o.flagged for o in wrong) / len(wrong) if wrong else 1.0

    @property
    def flagged_share(self) -> float:
        return sum(o.flagged for o in self.observations) / max(1, self.cells)

    @property
    def engine_flagged_share(self) -> float:
        """Share of cells flagged by the OCR engines (not by the layout's rules)."""
        n = sum(bool(set(o.flags) & ENGINE_FLAGS) for o in self.observations)
        return n / max(1, self.cells)

    @property
    def unflagged_wrong(self) -> float:
        """Share of unflagged short cells that are wrong."""
        clear = [o for o in self._short() if not o.flagged]
        return sum(not o.right for o in clear) / max(1, len(clear))

    @property
    def confident_wrong(self) -> float:
        """Share of cells at confidence >= 0.9 that are wrong (short cells)."""
        sure = [o for o in self._short() if o.confidence >= 0.9 and o.got is not None]
        return sum(not o.right for o in sure) / max(1, len(sure))

    def _short_scored(self) -> tuple[list[float], list[bool]]:
        short = self._short()
        return [o.confidence if o.got is not None else 0.0 for o in short], [o.right for o in short]

    @property
    def auroc(self) -> float:
        """AUROC of the confidence for a short cell being right (a missing cell: 0)."""
        return auroc(*self._short_scored())

    @property
    def ece(self) -> float:
        """Expected calibration error of the short cells' confidence, 10 equal bins."""
        return expected_calibration_error(*self._short_scored())

    def summary(self) -> dict[str, float]:
        return {
            "cells": self.cells,
            "short_exact": round(self.short_exact, 4),
            "goal_cer": round(self.goal_cer, 4),
            "wrong_flagged": round(self.wrong_flagged, 4),
            "flagged_share": round(self.flagged_share, 4),
            "engine_flagged_share": round(self.engine_flagged_share, 4),
            "unflagged_wrong": round(self.unflagged_wrong, 4),
            "confident_wrong": round(self.confident_wrong, 4),
            "auroc": round(self.auroc, 4),
            "ece": round(self.ece, 4),
        }

    def wrong(self) -> Iterable[Observation]:
        return (o for o in self.observations if not o.right and not o.long)


def record_cells(rec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(cells_by_key(rec))


def score_record(actual: dict[str, Any] | None, expected: dict[str, Any], tag: str = "") -> Score:
    got = record_cells(actual) if actual is not None else {}
    # a record that says rows are missing flags the cells it lacks (the review queue shows
    # the record's flag); a form without a record flags nothing
    missing_flags = (ROWS_INCOMPLETE,) if actual and ROWS_INCOMPLETE in actual.get("flags", ()) else ()
    score = Score()
    for key, want in record_cells(expected).items():
        cell = got.get(key)
        score.observations.append(Observation(
            f"{tag}:{key}", want["text"], None if cell is None else cell["text"],
            tuple(cell["flags"]) if cell else missing_flags,
            float(cell["confidence"]) if cell else 0.0,
        ))
    return score


def score_forms(
    actual_doc: dict[str, Any], expected_records: list[dict[str, Any]], pages: list[list[int]],
    tag: str = "",
) -> Score:
    """Score the actual records against the expected ones of the forms on `pages` (one
    list of 1-based pages per form, in the actual document's numbering). Forms that start
    on the same page (short forms, several a page) are matched in document order."""
    by_first_page: dict[int, list[dict[str, Any]]] = {}
    for rec in actual_doc["records"]:
        if rec["pages"]:
            by_first_page.setdefault(rec["pages"][0], []).append(rec)
    score = Score()
    for i, (want, form_pages) in enumerate(zip(expected_records, pages, strict=True)):
        starting_here = by_first_page.get(form_pages[0], [])
        got = starting_here.pop(0) if starting_here else None
        score.add(score_record(got, want, f"{tag}#{i + 1}"))
    return score


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def auroc(scores: list[float], positive: list[bool]) -> float:
    """Area under the ROC curve of `scores` for `positive`: the chance that a random
    positive scores above a random negative, ties counting one half. The Mann-Whitney
    rank formula, AUC = (R+ - n+(n+ + 1)/2) / (n+ n-), with R+ the sum of the positives'
    ranks (ties given their average rank: scipy.stats.rankdata). NaN without both classes."""
    from scipy.stats import rankdata

    n_pos = sum(positive)
    n_neg = len(positive) - n_pos
    if not n_pos or not n_neg:
        return float("nan")
    ranks = rankdata(scores)
    r_pos = float(sum(r for r, p in zip(ranks, positive, strict=True) if p))
    return (r_pos - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def expected_calibration_error(confidence: list[float], right: list[bool], bins: int = 10) -> float:
    """ECE: over `bins` equal-width confidence bins ([0, 0.1), ..., [0.9, 1.0]), the mean
    of |accuracy - mean confidence| weighted by the bin's share of cells (Guo et al. 2017)."""
    if not confidence:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [(c, r) for c, r in zip(confidence, right, strict=True)
                   if lo <= c < hi or (b == bins - 1 and c >= hi)]
        if members:
            acc = sum(r for _, r in members) / len(members)
            conf = sum(c for c, _ in members) / len(members)
            total += len(members) / len(confidence) * abs(acc - conf)
    return total
