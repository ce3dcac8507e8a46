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
