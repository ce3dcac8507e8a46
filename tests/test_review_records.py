"""Pure parts of the review queue: record JSON <-> models.Record, decisions, key patterns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.emit import record_to_dict
from extractor.layout.spec import LayoutSpec
from extractor.record import record_from_dict
from review.reviewed import Decision, apply_decisions, key_pattern

EXPECTED = Path(__file__).resolve().parent.parent / "samples" / "expected" / "annex2-2022-direct.json"


@pytest.fixture(scope="module")
def records() -> list[dict]:
    if not EXPECTED.exists():
        pytest.skip("samples/expected not generated")
    return list(json.loads(EXPECTED.read_text(encoding="utf-8"))["records"])


def test_record_from_dict_round_trips(records: list[dict]) -> None:
    for rec in records:
        assert record_to_dict(record_from_dict(rec)) == rec


def test_no_decision_changes_nothing(records: list[dict], layouts: list[LayoutSpec]) -> None:
    spec = next(s for s in layouts if s.id == "perf-selfeval")
    for rec in records:
        assert apply_decisions(rec, [], spec) == rec


def test_correcting_a_sum_clears_the_rule_and_its_flags(records: list[dict],
                                                        layouts: list[LayoutSpec]) -> None:
    spec = next(s for s in layouts if s.id == "perf-selfeval")
    rec = next(r for r in records if r["flags"] == ["validation:score_sum"])
    rows = rec["indicators"]
    total = sum(r["score"]["value"] or 0 for r in rows) + rec["fields"]["funds.total.score"]["value"]
    text = f"{total:g}"
    out = apply_decisions(rec, [Decision("total.score", "correct", text, "ann")], spec)
    assert out["flags"] == [] and out["validations"] == [] and not out["needs_review"]
    assert out["fields"]["total.score"] == {**rec["fields"]["total.score"], "text": text,
                                            "value": total, "flags": [], "reviewed_by": "ann"}
    assert all(not c["flags"] for row in out["indicators"] for c in row.values())
    assert rec["fields"]["total.score"]["flags"]  # the original is untouched


def test_accepting_a_bad_amount_keeps_it_as_printed(records: list[dict],
                                                    layouts: list[LayoutSpec]) -> None:
    spec = next(s for s in layouts if s.id == "perf-selfeval")
    rec = next(r for r in records if r["fields"]["funds.total.executed"]["text"] == "39.7966.92")
    out = apply_decisions(rec, [Decision("funds.total.executed", "accept", "39.7966.92", "bob")], spec)
    cell = out["fields"]["funds.total.executed"]
    assert cell["text"] == "39.7966.92" and cell["value"] is None and cell["flags"] == []
    assert out["fields"]["funds.fiscal.executed"]["flags"] == ["validation:format"]  # not decided


def test_key_patterns() -> None:
    p = key_pattern("indicators[*].score")
    assert p.match("indicators[12].score") and not p.match("indicators[1].weight")
    assert key_pattern("funds.*.executed").match("funds.fiscal.executed")
    assert key_pattern("project_name").match("project_name")
    for bad in ("../x", "a b", "", "x" * 300, "(.*)"):
        with pytest.raises(ValueError):
            key_pattern(bad)
