"""layout_unmatched that helps (issue 13): the two best layouts, what each missed, and the
way out: `extractor layouts draft` makes a layout from the form, which then matches."""

from __future__ import annotations

import shutil

from extractor.emit import document_to_dict
from extractor.layout.draft import draft_file
from extractor.layout.draft_yaml import draft_to_yaml
from extractor.layout.spec import load_layouts
from extractor.layout.vocab import vocabulary
from extractor.pipeline import extract_document
from extractor.record import record_cells

from .conftest import ROOT
from .pdfs import make_pdf

ROWS = [
    [("项目名称", 80), ("城区供热管网改造", 300)],
    [("主管部门", 80), ("某市住建局", 300)],
    [("申报金额", 80), ("建设地点", 100), ("开工时间", 100), ("联系人", 100)],
    [("560", 80), ("某市北区", 100), ("2023年4月", 100), ("王某", 100)],
]


def test_unmatched_names_the_missing_labels_and_suggests_a_draft(tmp_path, settings, layouts):
    pdf = make_pdf(tmp_path / "other.pdf", [[("line", "项目申报表"), ("table", ROWS)]])
    doc = document_to_dict(extract_document(pdf, settings, layouts))
    [err] = [e for e in doc["errors"] if e["code"] == "layout_unmatched"]
    message = err["message"]
    assert len([s.id for s in layouts if f"{s.id} 0." in message]) == 2, message
    assert "not found: title" in message and "实施单位" in message and "年度资金总额" in message
    assert "extractor layouts draft FILE --page 1" in message


def test_a_draft_of_the_unmatched_form_matches_it(tmp_path, settings):
    pdf = make_pdf(tmp_path / "other.pdf", [[("line", "项目申报表"), ("table", ROWS)]])
    folder = tmp_path / "layouts"
    shutil.copytree(ROOT / "layouts", folder)
    text = draft_to_yaml(draft_file(pdf, 1, vocabulary(load_layouts(folder))), "shenbao")
    (folder / "shenbao.yaml").write_text(text, encoding="utf-8")
    doc = document_to_dict(extract_document(pdf, settings, load_layouts(folder)))
    [record] = doc["records"]
    assert record["layout"] == "shenbao" and record["layout_score"] == 1.0
    fields = {k: v["text"] for k, v in record["fields"].items()}
    assert fields["project_name"] == "城区供热管网改造"
    assert sorted(fields.values()) == sorted(
        ["城区供热管网改造", "某市住建局", "560", "某市北区", "2023年4月", "王某"]
    )


BADLY_READ = [  # the standard form's top as a bad scan reads it: a few labels intact
    [("项目名称", 80), ("城区供热管网改造", 380)],
    [("主管部门", 80), ("某市住建局", 150), ("实施单位", 80), ("某市供热公司", 150)],
    [("项目负贵人", 80), ("王某", 150), ("联糸电活", 80), ("12345678", 150)],
    [("一级措标", 60), ("二级扌旨标", 70), ("三级指", 110), ("年度指标值", 70), ("实际完成值", 70),
     ("分值", 40), ("得分", 40)],
    [("产出指标", 60), ("数量指标", 70), ("改造管网", 110), ("≥5公里", 70), ("5.2公里", 70),
     ("100", 40), ("98", 40)],
    [("总分", 380), ("100", 40), ("98", 40)],
]  # fmt: skip


def test_a_form_under_its_layouts_title_but_badly_read_is_mapped_and_flagged(
    tmp_path, settings, layouts
):
    """Under a layout's own title, a form too poorly read to fit the layout well is not
    lost: its record comes out with every cell, and the record, flagged layout_uncertain."""
    pdf = make_pdf(tmp_path / "bad.pdf", [[("line", "项目支出绩效自评表"), ("line", "（2022年度）"),
                                          ("table", BADLY_READ)]])
    doc = document_to_dict(extract_document(pdf, settings, layouts))
    assert not [e for e in doc["errors"] if e["code"] == "layout_unmatched"], doc["errors"]
    [record] = doc["records"]
    assert record["layout_score"] < settings.min_layout_score
    assert "layout_uncertain" in record["flags"]
    assert record["fields"]["project_name"]["text"] == "城区供热管网改造"
    assert all("layout_uncertain" in cell["flags"] for _, cell in record_cells(record))
    # under its title read with a glyph lost (a pen's stroke over 项), likewise
    pdf = make_pdf(tmp_path / "misread.pdf", [[("line", "目支出绩效自评表"), ("line", "（2022年度）"),
                                              ("table", BADLY_READ)]])
    doc = document_to_dict(extract_document(pdf, settings, layouts))
    [record] = doc["records"]
    assert "layout_uncertain" in record["flags"]
    # the same table under another title stays unmatched
    pdf = make_pdf(tmp_path / "other.pdf", [[("line", "项目申报表"), ("table", BADLY_READ)]])
    doc = document_to_dict(extract_document(pdf, settings, layouts))
    assert doc["records"] == [] and "layout_unmatched" in [e["code"] for e in doc["errors"]]
