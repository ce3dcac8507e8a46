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
from extractor.record_schema import SCHEMA_PATH, schema_text

from .conftest import RECORD_SCHEMA, SAMPLES, schema_errors

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


# --- the published schema (docs/record.schema.json) ------------------------------------------


def test_the_published_schema_is_the_generated_one() -> None:
    assert SCHEMA_PATH == RECORD_SCHEMA
    assert RECORD_SCHEMA.read_text(encoding="utf-8") == schema_text(), "python -m extractor.record_schema"


def _a_document() -> dict:
    doc = json.loads((SAMPLES / "expected" / "annex2-2022-direct.json").read_text(encoding="utf-8"))
    return {**doc, "records": doc["records"][:1]}


def _first_cell(doc: dict) -> dict:
    return doc["records"][0]["fields"]["project_name"]


@pytest.mark.parametrize(
    ("break_it", "where"),
    [
        (lambda d: d["records"][0].update(extra=1), "records/0"),  # an undocumented key
        (lambda d: d["records"][0]["fields"].update({"bad key": _first_cell(d)}), "records/0/fields"),
        (lambda d: _first_cell(d).update(flags=["looks_odd"]), "records/0/fields/project_name/flags/0"),
        (lambda d: _first_cell(d).update(confidence=1.5), "records/0/fields/project_name/confidence"),
        (lambda d: _first_cell(d).update(bbox=[1, 2, 3]), "records/0/fields/project_name/bbox"),
        (lambda d: _first_cell(d).pop("value"), "records/0/fields/project_name"),
        (lambda d: d["errors"].append({"page": 1, "code": "oops", "message": ""}), "errors/0/code"),
        (lambda d: d["source"].update(kind="paper"), "source/kind"),
    ],
)
def test_the_schema_refuses_what_the_format_does_not_say(break_it, where: str) -> None:
    doc = _a_document()
    assert schema_errors(doc) == []
    break_it(doc)
    assert [e.split(":")[0] for e in schema_errors(doc)] == [where]


def test_the_review_export_keys_are_part_of_the_schema() -> None:
    doc = _a_document()
    _first_cell(doc)["reviewed_by"] = "ann"
    doc["records"][0]["review"] = {"status": "done", "version": 3, "finished_by": "ann"}
    assert schema_errors(doc) == []


def test_a_document_that_could_not_be_read_is_a_document_of_the_schema(tmp_path) -> None:
    from extractor.cli import main

    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "note.pdf").write_bytes(b"hello")
    inputs = [str(tmp_path / n) for n in ("empty.pdf", "note.pdf", "gone.pdf")]
    assert main(["extract", *inputs, "-o", str(tmp_path / "out")]) == 1
    for name in ("empty", "note", "gone"):
        doc = json.loads((tmp_path / "out" / f"{name}.json").read_text(encoding="utf-8"))
        assert doc["records"] == [] and len(doc["errors"]) == 1
        assert schema_errors(doc) == []
