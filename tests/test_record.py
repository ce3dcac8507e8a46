"""extractor/record.py: cell keys, flags, and the record JSON both ways."""

from __future__ import annotations

import json

import pytest

from extractor.models import Field, Record
from extractor.record import (
    STANDARD_FIELDS,
    CellKey,
    Flag,
    IndicatorColumn,
    document_from_dict,
    document_to_dict,
    field_key,
    get_cell,
    record_cells,
    record_from_dict,
    record_to_dict,
    row_key,
    validation_flag,
    validation_rule,
)

from .conftest import SAMPLES

EXPECTED = sorted((SAMPLES / "expected").rglob("*.json"))


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("project_name", CellKey("project_name")),
        ("funds.total.executed", CellKey("funds.total.executed")),
        ("indicators[0].level1", CellKey("level1", 0)),
        ("indicators[12].score", CellKey("score", 12)),
    ],
)
def test_cell_keys_parse_and_print_back(key: str, parsed: CellKey) -> None:
    assert CellKey.parse(key) == parsed
    assert str(parsed) == key


@pytest.mark.parametrize("key", ["", "indicators[x].score", "indicators[3]", "a..b", "名称", "score\n"])
def test_a_malformed_key_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a cell key"):
        CellKey.parse(key)


def test_keys_are_built_in_one_way() -> None:
    assert row_key(3, IndicatorColumn.SCORE) == "indicators[3].score"
    assert field_key("funds", "total", "executed") == "funds.total.executed"
    assert field_key("total", "", "score") == "total.score"  # a matrix without row names


def test_record_cells_and_get_cell() -> None:
    rec = {"fields": {"year": {"text": "2022"}}, "indicators": [{"name": {"text": "a"}}, {"name": {"text": "b"}}]}
    assert [k for k, _ in record_cells(rec)] == ["year", "indicators[0].name", "indicators[1].name"]
    assert get_cell(rec, "indicators[1].name") == {"text": "b"}
    assert get_cell(rec, "indicators[2].name") is None
    assert get_cell(rec, "phone") is None


def test_flags_are_plain_strings_in_json() -> None:
    f = Field("x", flags=(Flag.MISSING, validation_flag("score_sum")))
    rec = Record("perf-selfeval", (1,), {"year": f}, (), flags=(validation_flag("score_sum"),))
    d = record_to_dict(rec)
    assert d["fields"]["year"]["flags"] == ["missing", "validation:score_sum"]
    assert all(type(flag) is str for flag in d["fields"]["year"]["flags"] + d["flags"])
    assert json.dumps(d["fields"]["year"]["flags"]) == '["missing", "validation:score_sum"]'
    assert validation_rule("validation:score_sum") == "score_sum"
    assert validation_rule(Flag.FORMAT) == "format"
    assert validation_rule(Flag.LOW_CONFIDENCE) is None


def test_the_standard_fields_are_the_standard_layout_s(layouts) -> None:
    (spec,) = [s for s in layouts if s.id == "perf-selfeval"]
    assert sorted(spec.field_keys) == sorted(STANDARD_FIELDS)
    assert spec.indicators is not None
    assert [c.key for c in spec.indicators.columns] == list(IndicatorColumn)


@pytest.mark.parametrize("case", EXPECTED, ids=[c.stem for c in EXPECTED])
def test_json_round_trip(case) -> None:
    doc = json.loads(case.read_text(encoding="utf-8"))
    assert document_to_dict(document_from_dict(doc)) == doc
    for rec in doc["records"]:
        assert record_to_dict(record_from_dict(rec)) == rec
