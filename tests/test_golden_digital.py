"""Golden pairs: each born-digital sample annex in, its expected records out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devkit.golden import diff_documents
from extractor.cli import main as cli_main
from extractor.emit import document_to_dict
from extractor.pipeline import extract_document

from .conftest import ROOT, SAMPLES, assert_valid_document

CASES = sorted((SAMPLES / "expected").glob("*.json"))
DIGITAL = [c for c in CASES if (SAMPLES / "digital" / (c.stem + ".pdf")).exists()]


def expected_for(case: Path) -> dict:
    return json.loads(case.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", DIGITAL, ids=[c.stem for c in DIGITAL])
def test_every_field_exact(case, settings, layouts):
    expected = expected_for(case)
    pdf = ROOT / expected["source"]["path"]
    doc = document_to_dict(extract_document(pdf, settings, layouts))
    assert_valid_document(doc)
    assert doc["source"]["sha256"] == expected["source"]["sha256"], "sample changed: remake expected"
    assert doc["source"]["kind"] == "born_digital"
    diffs = diff_documents(doc, expected)
    assert diffs == [], "\n".join(diffs[:30])
    # born-digital text is read, not guessed: full confidence where nothing is off
    for rec in doc["records"]:
        for cell in rec["fields"].values():
            if not cell["flags"]:
                assert cell["confidence"] == 1.0
                assert cell["page"] in rec["pages"] and len(cell["bbox"]) == 4


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_expected_files_are_documents_of_the_schema(case):
    assert_valid_document(expected_for(case))


def test_inconsistent_forms_are_flagged_and_others_clean():
    expected = expected_for(DIGITAL[0])
    flagged = {i for i, r in enumerate(expected["records"]) if r["needs_review"]}
    # the seed's own inconsistencies (weights/scores not adding up, 100% printed
    # where the amounts give 98.5%, an amount printed as 39.7966.92)
    assert 8 <= len(flagged) <= 12
    rules = {f for r in expected["records"] for f in r["flags"]}
    assert {"validation:weight_sum", "validation:score_sum", "validation:execution_rate"} <= rules
    odd = [r for r in expected["records"] if r["fields"]["funds.total.executed"]["text"] == "39.7966.92"]
    assert odd and odd[0]["fields"]["funds.total.executed"]["flags"] == ["validation:format"]
    assert odd[0]["fields"]["funds.total.executed"]["value"] is None


def test_two_page_forms_are_joined():
    for case in DIGITAL:
        spans = [r["pages"] for r in expected_for(case)["records"] if len(r["pages"]) > 1]
        assert len(spans) >= 2, case.name


def test_cli_writes_one_json_per_document_and_tables(tmp_path, capsys):
    pdfs = [str(SAMPLES / "digital" / (c.stem + ".pdf")) for c in DIGITAL]
    code = cli_main(["extract", *pdfs, "-o", str(tmp_path), "--format", "json,csv,xlsx"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{len(pdfs)} documents" in out and "records" in out and "needing review" in out
    for c in DIGITAL:
        doc = json.loads((tmp_path / (c.stem + ".json")).read_text(encoding="utf-8"))
        assert_valid_document(doc)
        assert diff_documents(doc, expected_for(c)) == []
    assert (tmp_path / "batch.csv").exists() and (tmp_path / "batch.indicators.csv").exists()
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "batch.xlsx", read_only=True)
    assert wb.sheetnames == ["perf-selfeval", "绩效指标", "待核查", "文件汇总"]
    rows = list(wb["perf-selfeval"].iter_rows(values_only=True))
    assert len(rows) == 2 + 39 * len(pdfs)  # the form's labels, the keys, a row per form
    assert "funds.total.executed" in rows[1]


def test_the_reference_reader_gives_the_same_records(layouts):
    """PDFium (the default) and pdfplumber (the reference) agree on every record."""
    from extractor.config import load_settings

    case = next(c for c in DIGITAL if "word" in c.name)
    pdf = ROOT / expected_for(case)["source"]["path"]
    fast = document_to_dict(extract_document(pdf, load_settings({}), layouts))
    ref_settings = load_settings({"EXTRACTOR_TEXT_READER": "pdfplumber"})
    reference = document_to_dict(extract_document(pdf, ref_settings, layouts))
    assert_valid_document(reference)
    assert diff_documents(reference, fast) == []


def test_control_characters_do_not_break_the_workbook(tmp_path):
    from openpyxl import load_workbook

    from extractor.emit import write_tables

    doc = expected_for(DIGITAL[0])
    doc["records"][0]["fields"]["project_name"]["text"] = "行政\x02应诉\x00经费"
    (path,) = write_tables([doc], tmp_path, {"xlsx"})
    rows = list(load_workbook(path, read_only=True)["perf-selfeval"].iter_rows(values_only=True))
    assert "行政\ufffd应诉\ufffd经费" in rows[2]  # under the two header rows
