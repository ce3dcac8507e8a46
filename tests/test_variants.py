"""Template variants (issue #6): one YAML file each, chosen per form without being named.

The samples are samples/digital/variant-*.pdf, drawn by samples/variants.py
from the hand-written truth in samples/truth/variants/; their expected
records are samples/expected/variants/*.json (python -m samples.variants).
"""

from __future__ import annotations

import itertools
import json
import shutil

import pytest
import yaml

from devkit.golden import diff_documents
from extractor.cli import main as cli_main
from extractor.config import load_settings
from extractor.emit import document_to_dict
from extractor.errors import LayoutSpecError
from extractor.layout.spec import load_layouts, parse_layout
from extractor.pipeline import extract_document

from .conftest import ROOT, SAMPLES, assert_valid_document

EXPECTED = sorted((SAMPLES / "expected" / "variants").glob("*.json"))
LAYOUTS = ROOT / "layouts"
COMMON = {"year", "project_name", "department", "implementing_unit", "goal.expected", "goal.actual",
          "funds.total.budget_initial", "funds.total.budget_full_year", "funds.total.executed",
          "funds.total.weight", "funds.total.execution_rate", "funds.total.score",
          "total.weight", "total.score"}  # fmt: skip


def expected(name: str) -> dict:
    return json.loads((SAMPLES / "expected" / "variants" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def extracted(settings, layouts) -> dict[str, dict]:
    """Every variant sample, extracted once for the tests of this module."""
    out = {}
    for case in EXPECTED:
        pdf = ROOT / expected(case.stem)["source"]["path"]
        out[case.stem] = document_to_dict(extract_document(pdf, settings, layouts))
        assert_valid_document(out[case.stem])
    return out


@pytest.mark.parametrize("case", EXPECTED, ids=[c.stem for c in EXPECTED])
def test_every_field_exact(case, extracted):
    want = expected(case.stem)
    assert_valid_document(want)
    doc = extracted[case.stem]
    assert doc["source"]["sha256"] == want["source"]["sha256"], "sample changed: python -m samples.variants"
    diffs = diff_documents(doc, want)
    assert diffs == [], "\n".join(diffs[:30])
    assert all(r["layout_score"] == 1.0 for r in doc["records"])


def test_each_variant_is_its_own_layout(extracted):
    layouts = {name: {r["layout"] for r in doc["records"]} for name, doc in extracted.items()}
    assert layouts["variant-anhui"] == {"anhui-county"}
    assert layouts["variant-hebei"] == {"hebei-county"}
    assert layouts["variant-shanxi"] == {"shanxi-county"}
    assert layouts["variant-sichuan"] == {"sichuan-dept"}
    assert layouts["variant-standard"] == {"perf-selfeval"}
    assert len(extracted["variant-hebei"]["records"]) == 8  # many forms, several to a page
    pages = [r["pages"] for r in extracted["variant-hebei"]["records"]]
    assert any(a[-1] == b[0] for a, b in itertools.pairwise(pages))


def test_mixed_annex_is_split_and_each_form_mapped(extracted):
    doc = extracted["variant-mixed"]
    assert doc["errors"] == []
    assert [r["layout"] for r in doc["records"]] == [
        "anhui-county", "sichuan-dept", "hebei-county", "shanxi-county", "perf-selfeval",
        "anhui-county", "sichuan-dept", "shanxi-county", "hebei-county", "perf-selfeval",
    ]  # fmt: skip
    pages = [p for r in doc["records"] for p in r["pages"]]
    assert pages == list(range(1, doc["source"]["pages"] + 1))  # every page used, in order


def test_field_sets_keep_common_names(extracted):
    by_layout: dict[str, dict] = {}
    for r in extracted["variant-mixed"]["records"]:
        by_layout.setdefault(r["layout"], r)
    for rec in by_layout.values():
        assert set(rec["fields"]) >= COMMON, rec["layout"]
    ids = ("anhui-county", "hebei-county", "shanxi-county", "sichuan-dept")
    anhui, hebei, shanxi, sichuan = (by_layout[k] for k in ids)
    assert "project_lead" not in anhui["fields"] and "phone" not in hebei["fields"]
    assert shanxi["fields"]["county"]["text"] == "平遥县"
    # 调整预算数 / 调整后预算数 are budget_full_year; 权重 is weight
    assert hebei["fields"]["funds.total.budget_full_year"]["value"] == 300.0
    f = sichuan["fields"]
    assert f["funds.total.budget_full_year"]["value"] == 305.0 and f["funds.total.weight"]["value"] == 10
    assert f["year"]["value"] == 2022 and f["report_no"]["text"] == "510000-2022-0317"
    assert f["project_lead"]["text"] == "王建川" and f["finance_lead"]["text"] == "刘晓梅"
    assert f["conclusion"]["text"].startswith("项目完成年度绩效目标")
    assert f["funds.unit.weight"] == {**f["funds.unit.weight"], "text": "/", "value": None, "flags": []}
    row = sichuan["indicators"][0]
    assert (row["nature"]["text"], row["target"]["value"], row["unit"]["text"]) == ("≥", 120, "条")
    assert row["weight"]["value"] == 22.5
    assert "phone" not in f and "funds.special_account.executed" in f


def test_layout_check_shows_the_fit_and_the_runner_up(capsys):
    code = cli_main(["layouts", "--check", str(SAMPLES / "digital" / "variant-mixed.pdf")])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and len(lines) == 10
    for line in lines:
        _, _, fit, runner, verdict = line.split("\t")
        score = fit.split()[-1]
        assert float(score) == 1.0 and verdict == "ok"
        assert float(runner.split()[-1]) < 0.96, line  # the runner-up is well behind


def test_an_unrelated_table_form_is_layout_unmatched(tmp_path, settings, layouts):
    from .pdfs import make_pdf

    rows = [
        [("项目名称", 80), ("城区供热管网改造", 300)],
        [("主管部门", 80), ("某市住建局", 300)],
        [("申报金额", 80), ("建设地点", 100), ("开工时间", 100), ("联系人", 100)],
        [("560", 80), ("某市北区", 100), ("2023年4月", 100), ("王某", 100)],
    ]
    pdf = make_pdf(tmp_path / "other.pdf", [[("line", "项目申报表"), ("table", rows)]])
    doc = document_to_dict(extract_document(pdf, settings, layouts))
    assert_valid_document(doc)
    assert doc["records"] == []
    unmatched = [e for e in doc["errors"] if e["code"] == "layout_unmatched"]
    assert len(unmatched) == 1
    named = [s.id for s in layouts if s.id in unmatched[0]["message"]]
    assert len(named) == 2, unmatched[0]["message"]  # the two best candidates


NEW_LAYOUT = """
# A new variant: 部门整体 style with 项目类别 and a 单位负责人 line under the table.
id: zhejiang-brief
name: 项目支出绩效自评表（浙江简表）
title: ['(19|20)\\d{2}年度项目支出绩效自评表简表']
start_labels: [项目名称, 主管部门]
fields:
  year: {line: '(?P<value>(19|20)\\d{2})年度', type: year}
  project_name: 项目名称
  department: 主管部门
  category: 项目类别
  unit_head: {line: '单位负责人:(?P<value>.*)', lines: below, type: name}
matrices:
  total:
    prefix: total
    rows: {"": 总分}
    columns_from: indicators
    columns:
      weight: {label: 分值, type: score}
      score: {label: 得分, type: score}
indicators:
  key: name
  end: 总分
  columns:
    level1: 一级指标
    name: 三级指标
    target: {label: 年度指标值, type: measure}
    actual: {label: 实际完成值, type: measure}
    weight: {label: 分值, type: score}
    score: {label: 得分, type: score}
"""


def test_a_new_variant_is_one_yaml_file(tmp_path):
    from samples.variants import render

    folder = tmp_path / "layouts"
    folder.mkdir()
    for p in LAYOUTS.glob("*.yaml"):
        shutil.copy(p, folder / p.name)
    (folder / "zhejiang-brief.yaml").write_text(NEW_LAYOUT, encoding="utf-8")
    template = {
        "above": [{"text": "2023年度项目支出绩效自评表（简表）", "size": 16, "bold": True}],
        "table": [
            {"x": [0, 200, 600, 750, 1000], "rows": [
                ["项目名称", {"t": "{project_name}", "span": 3}],
                ["主管部门", "{department}", "项目类别", "{category}"]]},
            {"x": [0, 150, 450, 580, 710, 850, 1000],
             "rows": [["一级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]],
             "each": ["{level1}", "{name}", "{target}", "{actual}", "{weight}", "{score}"],
             "merge": ["level1"]},
            {"x": [0, 710, 850, 1000], "keep": True, "rows": [["总分", "{total.weight}", "{total.score}"]]},
        ],
        "below": [{"text": "单位负责人：{unit_head}", "align": "left", "size": 11}],
    }  # fmt: skip
    form = {
        "fields": {"project_name": "山区县教师培训", "department": "某县教育局", "category": "专项业务",
                   "total.weight": "100", "total.score": "95", "unit_head": "孙立"},
        "indicators": [
            {"level1": "产出指标", "name": "培训人次", "target": "≥300人次", "actual": "320人次",
             "weight": "50", "score": "50"},
            {"level1": "效益指标", "name": "参训教师满意度", "target": "≥90%", "actual": "88%",
             "weight": "50", "score": "45"},
        ],
    }  # fmt: skip
    pdf = tmp_path / "brief.pdf"
    render(pdf, [(template, form)], flow=False)
    layouts = load_layouts(folder)
    doc = document_to_dict(extract_document(pdf, load_settings({}, layouts_dir=folder), layouts))
    assert_valid_document(doc)
    assert doc["errors"] == []
    (rec,) = doc["records"]
    assert rec["layout"] == "zhejiang-brief" and rec["layout_score"] == 1.0
    fields = {k: v["text"] for k, v in rec["fields"].items()}
    assert fields == {"year": "2023", "project_name": "山区县教师培训", "department": "某县教育局",
                      "category": "专项业务", "unit_head": "孙立",
                      "total.weight": "100", "total.score": "95"}  # fmt: skip
    assert [r["target"]["value"] for r in rec["indicators"]] == [300, 90]


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d.update(title=["(unclosed"]), "title[0]"),
        (lambda d: d["fields"]["project_lead"].update(lines="beside"), "fields.project_lead.lines"),
        (lambda d: d.update(other_labels=[""]), "other_labels"),
    ],
)
def test_a_bad_variant_spec_names_file_and_key(mutate, key):
    data = yaml.safe_load((LAYOUTS / "sichuan-dept.yaml").read_text(encoding="utf-8"))
    mutate(data)
    with pytest.raises(LayoutSpecError) as e:
        parse_layout(data, "sichuan-dept.yaml")
    assert e.value.key == key


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("部门预算项目支出绩效自评表（2023年度）", "2023年度"),
        ("2022年度部门预算项目支出绩效自评表", "2022年度"),
        ("2022年度项目支出绩效自评表", "2022年度"),
    ],
)
def test_sichuan_title_with_the_year_anywhere(title, year, layouts):
    """Issue 13: the year after the title or with words between it and 项目支出绩效自评表."""
    from extractor.layout.choose import title_fit
    from extractor.layout.mapping import FormView, form_to_record
    from extractor.models import FormInstance, TextLine

    spec = next(s for s in layouts if s.id == "sichuan-dept")
    lines = (TextLine("报表编号：510000-2023-0088", (0, 0, 1, 1)), TextLine(title, (0, 2, 1, 3)))
    assert title_fit(lines, spec) == 1.0
    assert all(title_fit(lines, s) < 1.0 for s in layouts if s is not spec)
    record = form_to_record(FormView.of(FormInstance((1,), (), lines)), spec, 1.0)
    assert record.fields["year"].text == year and record.fields["year"].value == int(year[:4])


def test_sichuan_2023_goal_block_reads_goal_expected_and_actual(extracted):
    """项目年度目标 | 年度目标完成情况 over the texts: goal.expected / goal.actual, never missing."""
    doc = extracted["variant-sichuan2023"]
    assert [r["layout"] for r in doc["records"]] == ["sichuan-dept", "sichuan-dept"]
    for r in doc["records"]:
        assert r["fields"]["year"]["text"] == "2023年度"
        for key in ("goal.expected", "goal.actual"):
            assert r["fields"][key]["text"] and "missing" not in r["fields"][key]["flags"]
