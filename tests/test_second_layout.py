"""A new template needs a YAML file and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2 as pdfium

from extractor.config import load_settings
from extractor.emit import document_to_dict
from extractor.layout.spec import load_layouts
from extractor.pipeline import extract_document

from .conftest import ROOT, SAMPLES
from .pdfs import make_pdf

HEADER = [("一级指标", 60), ("二级指标", 70), ("三级指标", 110), ("年度指标值", 70), ("实际完成值", 70),
          ("分值", 40), ("得分", 40)]  # fmt: skip


def mini_form(name: str, weights: tuple[str, str], total: str) -> list:
    rows = [
        [("项目名称", 80), (name, 380)],
        [("主管部门", 80), ("某区教育局", 150), ("实施单位", 80), ("某区第一中学", 150)],
        HEADER,
        [("产出指标", 60), ("数量指标", 70), ("培训人次", 110), ("≥50个", 70), ("62个", 70), (weights[0], 40), (weights[0], 40)],
        [("效益指标", 60), ("社会效益指标", 70), ("家长满意度", 110), ("90%", 70), ("95%", 70), (weights[1], 40), (weights[1], 40)],
        [("总分", 380), (total, 40), (total, 40)],
    ]  # fmt: skip
    return [("line", "部门项目绩效自评表"), ("line", "（2021年度）"), ("table", rows)]


def test_a_new_template_is_one_yaml_file(tmp_path):
    layouts_dir = tmp_path / "layouts"
    layouts_dir.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "mini-layout.yaml", layouts_dir / "mini.yaml")
    shutil.copy(ROOT / "layouts" / "perf-selfeval.yaml", layouts_dir / "perf-selfeval.yaml")
    layouts = load_layouts(layouts_dir)
    pdf = make_pdf(tmp_path / "mini.pdf", [mini_form("教师培训项目", ("60", "40"), "100"),
                                            mini_form("校园安全项目", ("50", "40"), "100")])  # fmt: skip
    # interleave with a standard form: each form gets its own layout, chosen automatically
    mixed = pdfium.PdfDocument(str(pdf))
    mixed.import_pages(pdfium.PdfDocument(str(SAMPLES / "digital" / "annex2-2022-word.pdf")), pages=[0], index=1)
    mixed_path = tmp_path / "mixed.pdf"
    mixed.save(str(mixed_path))

    settings = load_settings({}, layouts_dir=layouts_dir)
    doc = document_to_dict(extract_document(Path(mixed_path), settings, layouts))
    assert doc["errors"] == []
    assert [r["layout"] for r in doc["records"]] == ["mini-selfeval", "perf-selfeval", "mini-selfeval"]
    first, standard, second = doc["records"]
    assert set(first["fields"]) == {"year", "project_name", "department", "implementing_unit",
                                    "total.weight", "total.score"}  # fmt: skip
    assert first["fields"]["project_name"]["text"] == "教师培训项目"
    assert first["fields"]["year"]["value"] == 2021
    assert [row["target"]["value"] for row in first["indicators"]] == [50, 90]
    assert set(first["indicators"][0]) == {"level1", "level2", "name", "target", "actual", "weight", "score"}
    assert first["flags"] == [] and not first["needs_review"]
    assert second["flags"] == ["validation:weight_sum"]  # 50 + 40 != 100
    assert standard["fields"]["project_name"]["text"] == "行政应诉工作经费"
    assert "funds.total.executed" in standard["fields"]
