"""Splitting pages into forms: continuations, running headers, unrelated tables."""

from __future__ import annotations

import shutil

from extractor.config import load_settings
from extractor.emit import document_to_dict
from extractor.layout.spec import load_layouts
from extractor.pipeline import extract_document

from .conftest import ROOT
from .pdfs import OTHER_TABLE, make_pdf
from .test_second_layout import HEADER

TOP = [
    [("项目名称", 80), ("教师培训项目", 380)],
    [("主管部门", 80), ("某区教育局", 150), ("实施单位", 80), ("某区第一中学", 150)],
    HEADER,
    [("产出指标", 60), ("数量指标", 70), ("培训人次", 110), ("≥50个", 70), ("62个", 70), ("60", 40), ("60", 40)],
]  # fmt: skip
REST = [
    [("效益指标", 60), ("社会效益指标", 70), ("家长满意度", 110), ("90%", 70), ("95%", 70), ("40", 40), ("38", 40)],
    [("总分", 380), ("100", 40), ("98", 40)],
]  # fmt: skip


def extract(tmp_path, pages):
    layouts_dir = tmp_path / "layouts"
    layouts_dir.mkdir(exist_ok=True)
    shutil.copy(ROOT / "tests" / "data" / "mini-layout.yaml", layouts_dir / "mini.yaml")
    pdf = make_pdf(tmp_path / "form.pdf", pages)
    settings = load_settings({}, layouts_dir=layouts_dir)
    return document_to_dict(extract_document(pdf, settings, load_layouts(layouts_dir)))


def test_a_continuation_under_a_running_header_joins_its_form(tmp_path):
    doc = extract(tmp_path, [
        [("line", "部门项目绩效自评表"), ("line", "（2021年度）"), ("table", TOP)],
        [("line", "某区教育局2021年度绩效自评材料"), ("table", REST)],
    ])  # fmt: skip
    assert doc["errors"] == []
    (record,) = doc["records"]
    assert record["pages"] == [1, 2]
    assert [r["name"]["text"] for r in record["indicators"]] == ["培训人次", "家长满意度"]
    assert record["fields"]["total.score"]["text"] == "98"
    assert record["fields"]["total.score"]["page"] == 2


def test_a_table_that_does_not_line_up_is_not_a_continuation(tmp_path):
    doc = extract(tmp_path, [
        [("line", "部门项目绩效自评表"), ("line", "（2021年度）"), ("table", TOP)],
        [("line", "资金分配表"), ("table", OTHER_TABLE)],
    ])  # fmt: skip
    assert [(e["page"], e["code"]) for e in doc["errors"]] == [(1, "form_incomplete"), (2, "page_not_a_form")]
    assert len(doc["records"]) == 1
