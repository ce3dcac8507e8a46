"""Drafting a layout from one filled form (issue 13): `extractor layouts draft`.

For each shipped variant, its YAML is removed (a temp layouts folder holds the others),
a layout is drafted from the first form of its sample, and the sample's other forms are
extracted with the draft: their common fields (names that at least two shipped layouts
share) must be >= 98% exact, compared as devkit/golden.py compares records. The draft of
the standard form must reproduce perf-selfeval's fields on the seed annexes (>= 99%).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devkit.golden import diff_records
from extractor.cli import main as cli_main
from extractor.emit import document_to_dict
from extractor.layout.draft import draft_file
from extractor.layout.draft_yaml import draft_to_yaml, load_draft
from extractor.layout.spec import load_layouts
from extractor.layout.vocab import vocabulary
from extractor.pipeline import extract_document
from extractor.record import record_cells

from .conftest import ROOT, SAMPLES

LAYOUTS = ROOT / "layouts"
VARIANTS = {
    "anhui-county": "variant-anhui",
    "hebei-county": "variant-hebei",
    "shanxi-county": "variant-shanxi",
    "sichuan-dept": "variant-sichuan",
}
SEEDS = ["annex2-2022-direct", "annex2-2022-word"]
_ROW = re.compile(r"^indicators\[\d+\]\.")


def common_names() -> set[str]:
    """Field names (indicator columns without the row) that two or more shipped layouts use."""
    count: Counter[str] = Counter()
    for spec in load_layouts(LAYOUTS):
        names = (
            set(spec.field_keys) | {c.key for c in spec.indicators.columns}
            if spec.indicators
            else set(spec.field_keys)
        )
        count.update(names)
    return {k for k, n in count.items() if n >= 2}


def _only(record: dict[str, Any], names: set[str]) -> dict[str, Any]:
    fields = {k: v for k, v in record["fields"].items() if k in names}
    rows = [{k: v for k, v in row.items() if k in names} for row in record["indicators"]]
    return {**record, "layout": "", "fields": fields, "indicators": rows, "flags": []}


def common_exact(actual: list[dict], expected: list[dict], names: set[str]) -> tuple[int, int, list[str]]:
    """(exact cells, cells, differences) over the expected records' common cells."""
    exact = total = 0
    diffs: list[str] = []
    for i, want in enumerate(expected):
        got = (
            _only(actual[i], names)
            if i < len(actual)
            else {"fields": {}, "indicators": [], "pages": [], "layout": "", "flags": []}
        )
        keys = [k for k, _ in record_cells(_only(want, names))]
        bad = {d.split(":")[0]: d for d in diff_records(got, _only(want, names))}
        for k in keys:
            total += 1
            exact += k not in bad
        diffs += [f"form {i + 1}: {d}" for k, d in bad.items() if k in keys or k in ("pages",)]
    return exact, total, diffs


def draft_into(tmp: Path, pdf: Path, drop: str, layout_id: str, page: int = 1) -> Path:
    """A layouts folder without `drop`, plus a layout drafted from the first form of pdf."""
    folder = tmp / "layouts"
    folder.mkdir()
    for p in LAYOUTS.glob("*.yaml"):
        if p.stem != drop:
            shutil.copy(p, folder / p.name)
    vocab = vocabulary(load_layouts(folder))
    text = draft_to_yaml(draft_file(pdf, page, vocab), layout_id)
    load_draft(text, layout_id)
    (folder / f"{layout_id}.yaml").write_text(text, encoding="utf-8")
    return folder


def _expected(name: str, sub: str = "variants") -> dict:
    folder = SAMPLES / "expected" / sub if sub else SAMPLES / "expected"
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("layout", sorted(VARIANTS), ids=sorted(VARIANTS))
def test_draft_extracts_the_variants_other_forms(layout, tmp_path, settings):
    want = _expected(VARIANTS[layout])
    pdf = ROOT / want["source"]["path"]
    folder = draft_into(tmp_path, pdf, layout, "drafted")
    doc = document_to_dict(extract_document(pdf, settings, load_layouts(folder)))
    assert doc["errors"] == []
    assert [r["layout"] for r in doc["records"]] == ["drafted"] * len(want["records"])
    exact, total, diffs = common_exact(doc["records"][1:], want["records"][1:], common_names())
    print(f"{layout}: {exact}/{total} common cells exact ({exact / total:.2%})")
    assert exact / total >= 0.98, "\n".join(diffs[:30])


def test_draft_from_a_scan_reads_the_born_digital_forms(tmp_path, settings):
    """A draft from the typical scan of the Sichuan form extracts the born-digital sample."""
    scan = SAMPLES / "scans" / "variant-sichuan-typical.pdf"
    folder = draft_into(tmp_path, scan, "sichuan-dept", "drafted")
    want = _expected("variant-sichuan")
    doc = document_to_dict(extract_document(ROOT / want["source"]["path"], settings, load_layouts(folder)))
    assert [r["layout"] for r in doc["records"]] == ["drafted"] * len(want["records"])
    exact, total, diffs = common_exact(doc["records"], want["records"], common_names())
    print(f"sichuan from its scan: {exact}/{total} common cells exact ({exact / total:.2%})")
    assert exact / total >= 0.98, "\n".join(diffs[:30])


def test_draft_from_a_later_page(tmp_path, settings):
    """--page: the Hebei annex's second page starts with the rest of a form; its first
    new form is drafted and reads every form of the annex."""
    want = _expected("variant-hebei")
    pdf = ROOT / want["source"]["path"]
    page = next(r["pages"][0] for r in want["records"] if r["pages"][0] > 1)
    folder = draft_into(tmp_path, pdf, "hebei-county", "drafted", page)
    doc = document_to_dict(extract_document(pdf, settings, load_layouts(folder)))
    exact, total, diffs = common_exact(doc["records"], want["records"], common_names())
    print(f"hebei from page {page}: {exact}/{total} common cells exact ({exact / total:.2%})")
    assert exact / total >= 0.98, "\n".join(diffs[:30])


@pytest.mark.parametrize("seed", SEEDS)
def test_draft_of_the_standard_form_reproduces_perf_selfeval(seed, tmp_path, settings):
    folder = draft_into(tmp_path, SAMPLES / "digital" / "annex2-2022-direct.pdf", "perf-selfeval", "drafted")
    want = _expected(seed, "")
    doc = document_to_dict(extract_document(ROOT / want["source"]["path"], settings, load_layouts(folder)))
    names = {k for r in want["records"] for k, _ in record_cells(r)}
    names = {_ROW.sub("", k) for k in names}
    exact, total, diffs = common_exact(doc["records"], want["records"], names)
    print(f"{seed}: {exact}/{total} perf-selfeval cells exact ({exact / total:.2%})")
    assert exact / total >= 0.99, "\n".join(diffs[:30])


def test_draft_cli_writes_a_layout_that_checks_at_one(tmp_path, capsys):
    out = tmp_path / "sichuan-draft.yaml"
    pdf = SAMPLES / "digital" / "variant-sichuan.pdf"
    assert cli_main(["layouts", "draft", str(pdf), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "id: sichuan-draft" in text and "goal.expected" in text
    # a column the shipped layouts close carries their vocabulary into the draft
    assert 'level1: {label: "一级指标", values: ["产出指标", "效益指标"' in text
    assert 'level2: {label: "二级指标", within: level1, values: {"产出指标": ["数量指标"' in text
    capsys.readouterr()
    assert cli_main(["layouts", str(out)]) == 0
    assert cli_main(["layouts", str(out), "--check", str(pdf)]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(ln for ln in lines if "pages 1,2" in ln)
    assert "sichuan-draft 1.000" in first and first.endswith("ok")


def test_walkthrough_of_layouts_readme(tmp_path, settings):
    """layouts/README.md's worked example: a variant made for the purpose (the year in the
    title, 年度预期目标 and 全年完成值 renamed, an extra column 佐证材料) is drafted, its
    three slugs renamed, and then every field of both forms is read at fit 1.000."""
    import copy

    from samples.variants import load_variant, render

    data = load_variant(SAMPLES / "truth" / "variants" / "standard.json")
    template = copy.deepcopy(data["template"])
    template["above"] = [{"text": "{year}项目支出绩效自评表", "size": 18, "bold": True}]
    for block in template["table"]:
        if block.get("lead") == "年度总体目标":
            block["rows"][0] = ["年度预期目标", "实际完成情况"]
        if "each" in block:
            block["x"] = [0, 45, 135, 240, 390, 480, 570, 630, 690, 830, 1000]
            block["rows"][0] = ["一级指标", "二级指标", "三级指标", "年度\n指标值", "全年\n完成值", "分值", "得分",
                                "偏差原因分析及改进\n措施", "佐证材料"]  # fmt: skip
            block["each"] = [*block["each"], "{evidence}"]
        if block.get("keep") and block["rows"][0][0] == "总分":
            block["x"] = [0, 570, 630, 690, 1000]
    forms = copy.deepcopy(data["forms"])
    for form in forms:
        form["fields"]["year"] = "2019年度"
        for row in form["indicators"]:
            row["evidence"] = "验收报告"
    pdf = tmp_path / "annex-2019.pdf"
    render(pdf, [(template, f) for f in forms], False)
    folder = tmp_path / "layouts"
    shutil.copytree(LAYOUTS, folder)
    text = draft_to_yaml(draft_file(pdf, 1, vocabulary(load_layouts(folder))), "district-2019")
    slugs = [ln for ln in text.splitlines() if "# printed:" in ln]
    assert [ln.split("# printed: ")[1] for ln in slugs] == ["年度预期目标", "全年完成值", "佐证材料"]
    text = text.replace(slugs[0], '  goal.expected: {label: "年度预期目标", value: below}')
    text = text.replace(slugs[1], '    actual: {label: "全年完成值", type: measure}')
    text = text.replace(slugs[2], '    evidence: {label: "佐证材料"}')
    (folder / "district-2019.yaml").write_text(text, encoding="utf-8")
    doc = document_to_dict(extract_document(pdf, settings, load_layouts(folder)))
    assert [(r["layout"], r["layout_score"], r["needs_review"]) for r in doc["records"]] == [
        ("district-2019", 1.0, False)
    ] * 2
    for record, form in zip(doc["records"], forms, strict=True):
        assert record["fields"]["year"]["text"] == "2019年度"
        assert record["fields"]["goal.expected"]["text"].replace("\n", "") == form["fields"]["goal.expected"]
        assert [r["evidence"]["text"] for r in record["indicators"]] == ["验收报告"] * len(form["indicators"])
