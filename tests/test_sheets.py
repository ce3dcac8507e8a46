"""The people's XLSX (extractor.sheets): opened with openpyxl, and through LibreOffice.

Input documents are the expected records of the samples (no extraction), with
a few reading flags, a reviewed record and an unreadable document added.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from extractor.layout.spec import LayoutSpec
from extractor.sheets import (
    READING_FILL,
    REVIEWED_FILL,
    RULE_FILL,
    SHEET_FLAGS,
    SHEET_INDICATORS,
    SHEET_SUMMARY,
    write_xlsx,
)
from extractor.sheets.cells import typed

EXPECTED = Path(__file__).resolve().parent.parent / "samples" / "expected"
REVIEW_URL = "http://review.local:8000/"


def _load(name: str) -> dict[str, Any]:
    return json.loads((EXPECTED / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def annex() -> list[dict[str, Any]]:
    """The direct annex, with reading doubts on two cells, a reviewed record, a failed document."""
    doc = copy.deepcopy(_load("annex2-2022-direct.json"))
    r0 = doc["records"][0]
    r0["fields"]["funds.total.executed"].update(flags=["low_confidence"], confidence=0.41)
    r0["indicators"][2]["actual"].update(flags=["engines_disagree", "validation:score_le_weight"],
                                         confidence=0.55)
    r0["fields"]["goal.expected"]["text"] = "=SUM(A1)"  # printed text, never a formula
    r0["needs_review"] = True
    r4 = doc["records"][4]
    r4["review"] = {"record_id": 17, "status": "done", "version": 3, "finished_by": "ann"}
    r4["fields"]["funds.total.score"]["reviewed_by"] = "ann"
    failed = {"source": {"path": "scans/broken.pdf", "sha256": "0" * 64, "pages": 0, "kind": "scanned"},
              "records": [], "errors": [{"page": None, "code": "pdf_unreadable", "message": "cannot open"}]}
    return [doc, failed]


@pytest.fixture(scope="module")
def annex_xlsx(annex: list[dict[str, Any]], layouts: list[LayoutSpec], tmp_path_factory: Any) -> Path:
    return write_xlsx(annex, tmp_path_factory.mktemp("xlsx") / "batch.xlsx", REVIEW_URL, layouts)


def _header(ws: Any) -> dict[str, int]:
    """Record key (row 2) -> column number."""
    return {c.value: c.column for c in ws[2] if c.value}


def test_numbers_are_numbers_with_formats(annex: list[dict[str, Any]], annex_xlsx: Path) -> None:
    ws = openpyxl.load_workbook(annex_xlsx)["perf-selfeval"]
    col = _header(ws)
    recs = annex[0]["records"]
    amounts = [ws.cell(3 + i, col["funds.total.budget_initial"]) for i in range(len(recs))]
    assert all(c.data_type == "n" and c.number_format.startswith("0.00") for c in amounts)
    assert isinstance(amounts[0].value, int | float) and amounts[0].number_format == "0.00"
    assert sum(c.value for c in amounts) == pytest.approx(
        sum(r["fields"]["funds.total.budget_initial"]["value"] for r in recs))
    rate = ws.cell(3, col["funds.total.execution_rate"])
    assert rate.value == pytest.approx(recs[0]["fields"]["funds.total.execution_rate"]["value"] / 100)
    assert rate.number_format.endswith("%")
    score = ws.cell(3, col["total.score"])
    assert score.data_type == "n" and score.value == recs[0]["fields"]["total.score"]["value"]
    assert ws.cell(3, col["year"]).value == 2022
    goal = ws.cell(3, col["goal.expected"])
    assert goal.value == "=SUM(A1)" and goal.data_type == "s"


def test_typed_values() -> None:
    assert typed("amount", "1,234.5", 1234.5) == (1234.5, "0.00")
    assert typed("amount", "9.8467", 9.8467) == (9.8467, "0.0000")
    assert typed("percent", "98.5%", 98.5) == (0.985, "0.0%")
    assert typed("score", "10", 10.0) == (10.0, "0")
    assert typed("measure", "≥50个", 50.0) == (None, None)  # more than a number: stays text
    assert typed("measure", "90%", 90.0) == (0.9, "0%")
    assert typed("text", "60", None) == (None, None)


def test_header_has_the_forms_labels_over_the_keys(annex_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(annex_xlsx)
    ws = wb["perf-selfeval"]
    labels = {ws.cell(2, c).value: ws.cell(1, c).value for c in range(1, ws.max_column + 1)}
    assert labels["funds.total.budget_initial"] == "年度资金总额 · 年初预算数"
    assert labels["funds.fiscal.executed"] == "其中：当年财政拨款 · 全年执行数"
    assert labels["project_name"] == "项目名称"
    assert labels["total.score"] == "总分 · 得分"
    ind = wb[SHEET_INDICATORS]
    assert {ind.cell(2, c).value: ind.cell(1, c).value for c in range(1, ind.max_column + 1)}["name"] == "三级指标"


def test_frozen_panes_filter_and_widths(annex_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(annex_xlsx)
    ws = wb["perf-selfeval"]
    assert ws.freeze_panes == "D3"  # header rows and record, pages, project name
    assert ws.auto_filter.ref == f"A2:{openpyxl.utils.get_column_letter(ws.max_column)}{ws.max_row}"
    col = _header(ws)
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(col["project_name"])].width
    assert width > ws.column_dimensions["B"].width  # CJK names are wider than page numbers
    for name in (SHEET_INDICATORS, SHEET_FLAGS, SHEET_SUMMARY):
        assert wb[name].freeze_panes and wb[name].auto_filter.ref


def _expected_fill(cell: dict[str, Any]) -> str | None:
    flags = cell.get("flags") or []
    if flags:
        return RULE_FILL if all(f.startswith("validation:") for f in flags) else READING_FILL
    return REVIEWED_FILL if cell.get("reviewed_by") else None


def _check_cell(xc: Any, cell: dict[str, Any]) -> None:
    fill = xc.fill.fgColor.rgb[2:] if xc.fill.fill_type == "solid" else None
    assert fill == _expected_fill(cell), (xc.coordinate, cell)
    note = xc.comment.text if xc.comment else ""
    for flag in cell.get("flags") or []:
        assert flag in note
    if cell.get("flags"):
        assert f"{cell['confidence']:.2f}" in note
    elif not cell.get("reviewed_by"):
        assert note == "" or note.startswith("印刷"), (xc.coordinate, note)


def test_fills_and_comments_exactly_on_flagged_cells(annex: list[dict[str, Any]], annex_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(annex_xlsx)
    ws = wb["perf-selfeval"]
    col = _header(ws)
    recs = annex[0]["records"]
    checked = 0
    for i, rec in enumerate(recs):
        for key, cell in rec["fields"].items():
            _check_cell(ws.cell(3 + i, col[key]), cell)
            checked += bool(cell["flags"])
    assert checked >= 6
    executed = ws.cell(3, col["funds.total.executed"])
    assert executed.fill.fgColor.rgb[2:] == READING_FILL and "0.41" in executed.comment.text
    assert "score_sum: 指标得分之和" in ws.cell(4, col["total.score"]).comment.text
    ind = wb[SHEET_INDICATORS]
    icol = _header(ind)
    n = 3
    for rec in recs:
        for row in rec["indicators"]:
            for key, cell in row.items():
                _check_cell(ind.cell(n, icol[key]), cell)
            n += 1
    assert n - 3 == ind.max_row - 2


def test_indicators_are_keyed_by_their_record(annex: list[dict[str, Any]], annex_xlsx: Path) -> None:
    ind = openpyxl.load_workbook(annex_xlsx)[SHEET_INDICATORS]
    col = _header(ind)
    rec = annex[0]["records"][1]
    rows = [r for r in ind.iter_rows(min_row=3, values_only=True) if r[0] == "annex2-2022-direct.pdf#2"]
    assert len(rows) == len(rec["indicators"])
    first = rows[0]
    assert first[col["source"] - 1] == "samples/digital/annex2-2022-direct.pdf"
    assert first[col["pages"] - 1] == ",".join(map(str, rec["pages"]))
    assert first[col["project_name"] - 1] == rec["fields"]["project_name"]["text"]
    assert [r[col["row"] - 1] for r in rows] == list(range(1, len(rows) + 1))
    assert first[col["name"] - 1] == rec["indicators"][0]["name"]["text"]


def test_review_links_and_reviewed_records(annex_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(annex_xlsx)
    ws = wb["perf-selfeval"]
    col = _header(ws)
    assert ws.cell(3, 1).hyperlink.target == "http://review.local:8000/"  # no store id: the queue
    assert ws.cell(7, 1).hyperlink.target == "http://review.local:8000/records/17"
    assert ws.cell(7, col["review"]).value == "已审核（ann）"
    assert ws.cell(7, col["funds.total.score"]).fill.fgColor.rgb[2:] == REVIEWED_FILL
    flags = wb[SHEET_FLAGS]
    assert any(r[0].hyperlink for r in flags.iter_rows(min_row=3))


def test_summary_per_document(annex: list[dict[str, Any]], annex_xlsx: Path) -> None:
    ws = openpyxl.load_workbook(annex_xlsx)[SHEET_SUMMARY]
    col = _header(ws)
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2
    good, bad = rows
    recs = annex[0]["records"]
    assert good[col["records"] - 1] == len(recs)
    assert good[col["pages"] - 1] == 50
    assert good[col["needs_review"] - 1] == sum(r["needs_review"] for r in recs)
    flagged = sum(1 for r in recs for c in [*r["fields"].values(), *(v for row in r["indicators"] for v in row.values())]
                  if c["flags"])
    assert good[col["cells_flagged"] - 1] == flagged
    assert good[col["reviewed"] - 1] == 1
    assert bad[col["errors"] - 1] == 1 and bad[col["error_codes"] - 1] == "pdf_unreadable"
    assert "cannot open" in bad[col["error_details"] - 1]


def test_one_sheet_per_layout_common_fields_first(layouts: list[LayoutSpec], tmp_path: Path) -> None:
    doc = _load("variants/variant-mixed.json")
    wb = openpyxl.load_workbook(write_xlsx([doc], tmp_path / "mixed.xlsx", layouts=layouts))
    lays = list(dict.fromkeys(r["layout"] for r in doc["records"]))
    assert wb.sheetnames == [*lays, SHEET_INDICATORS, SHEET_FLAGS, SHEET_SUMMARY]
    keys = {lay: [c.value for c in wb[lay][2]] for lay in lays}
    common = set.intersection(*(set(r["fields"]) for r in doc["records"]))
    n = 9 + len(common - {"project_name"})  # key and meta columns, then the common fields
    assert all(ks[:n] == keys[lays[0]][:n] for ks in keys.values())
    assert set(keys[lays[0]][9:n]) == common - {"project_name"}
    for lay in lays:
        rows = [r for r in doc["records"] if r["layout"] == lay]
        assert wb[lay].max_row == 2 + len(rows)
        assert set(keys[lay][9:]) == set(rows[0]["fields"]) - {"project_name"}
    sichuan = {c.value: c.column for c in wb["sichuan-dept"][2]}
    assert wb["sichuan-dept"].cell(1, sichuan["funds.total.weight"]).value == "总额 · 权重"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_sums(annex: list[dict[str, Any]], annex_xlsx: Path, tmp_path: Path) -> None:
    """LibreOffice converts the first sheet to CSV; the amounts it shows add up."""
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path),
         str(annex_xlsx)],
        check=True, capture_output=True, timeout=120, env=env,
    )
    rows = list(csv.reader((tmp_path / "batch.csv").open(encoding="utf-8")))
    assert rows[0][2] == "项目名称" and rows[1][2] == "project_name"
    col = rows[1].index("funds.total.executed")
    recs = annex[0]["records"]
    assert len(rows) == 2 + len(recs)
    cells = [r["fields"]["funds.total.executed"] for r in recs]
    shown = [float(row[col]) for row, c in zip(rows[2:], cells, strict=True) if c["value"] is not None]
    assert [row[col] for row, c in zip(rows[2:], cells, strict=True) if c["value"] is None] == [
        c["text"] for c in cells if c["value"] is None]  # `39.7966.92` (validation:format) stays text
    assert len(shown) >= len(cells) - 2
    assert sum(shown) == pytest.approx(sum(c["value"] for c in cells if c["value"] is not None), abs=0.01)
    rate = rows[1].index("funds.total.execution_rate")
    assert rows[2][rate] == recs[0]["fields"]["funds.total.execution_rate"]["text"]  # 100%


def test_control_characters_unknown_layouts_and_an_empty_batch(layouts: list[LayoutSpec], tmp_path: Path) -> None:
    doc = copy.deepcopy(_load("annex2-2022-direct.json"))
    doc["records"] = doc["records"][:2]
    doc["records"][0]["fields"]["project_name"]["text"] = "行政\x02应诉\x00经费"
    doc["records"][1]["layout"] = "not-a-layout"  # a layout since removed: keys stand for labels
    wb = openpyxl.load_workbook(write_xlsx([doc], tmp_path / "a.xlsx", layouts=layouts))
    assert wb["perf-selfeval"]["C3"].value == "行政\ufffd应诉\ufffd经费"
    other = wb["not-a-layout"]
    assert other.cell(1, _header(other)["funds.total.executed"]).value == "funds.total.executed"
    empty = openpyxl.load_workbook(write_xlsx([], tmp_path / "empty.xlsx", layouts=layouts))
    assert empty.sheetnames == [SHEET_INDICATORS, SHEET_FLAGS, SHEET_SUMMARY]


def test_sheet_titles_excel_refuses_and_links_it_cannot_take(layouts: list[LayoutSpec], tmp_path: Path) -> None:
    doc = copy.deepcopy(_load("annex2-2022-direct.json"))
    doc["records"] = doc["records"][:3]
    doc["records"][1]["layout"] = "old/layout"  # a record's layout name is not always a layout id
    doc["records"][2]["layout"] = "OLD/LAYOUT"  # Excel compares titles ignoring case
    wb = openpyxl.load_workbook(write_xlsx([doc], tmp_path / "t.xlsx", "review.local", layouts))
    assert wb.sheetnames[:3] == ["perf-selfeval", "old_layout", "OLD_LAYOUT~2"]
    first = wb["perf-selfeval"]["A3"]
    assert first.value == "annex2-2022-direct.pdf#1" and first.hyperlink is None  # no scheme: no link, the name stays
