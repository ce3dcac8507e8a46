"""The seed parser (samples/seed.py) against the real annex dump, and the truth it wrote."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from samples.seed import (
    FIELD_NAMES,
    INDICATOR_KEYS,
    SEED,
    Annex,
    fill_merged,
    join_split_rows,
    parse_seed,
    text_to_blocks,
)

REPO = Path(__file__).resolve().parents[1]
TRUTH = REPO / "samples" / "truth"


@pytest.fixture(scope="module")
def annex() -> Annex:
    return parse_seed(SEED)


def by_name(annex: Annex, name: str):
    (form,) = [f for f in annex.forms if f.fields["project_name"] == name]
    return form


def test_annex_shape(annex: Annex) -> None:
    assert annex.seed == SEED.name
    assert annex.heading == "附件2 其他项目支出绩效自评表"
    assert len(annex.forms) == 39
    assert {f.title for f in annex.forms} == {"项目支出绩效自评表"}
    assert {f.fields["year"] for f in annex.forms} == {"（2022年度）"}


def test_every_field_present(annex: Annex) -> None:
    for form in annex.forms:
        assert list(form.fields) == list(FIELD_NAMES)
        assert all(isinstance(v, str) for v in form.fields.values())
        assert form.indicators
        for ind in form.indicators:
            assert list(ind) == list(INDICATOR_KEYS)


def test_form_1(annex: Annex) -> None:
    f = annex.forms[0]
    assert f.fields["project_name"] == "行政应诉工作经费"
    assert f.fields["department"] == "北京市朝阳区司法局"
    assert f.fields["project_lead"] == "张琢"
    assert f.fields["phone"] == "85903281"
    assert f.fields["funds.total.budget_initial"] == "60.00"
    assert f.fields["funds.total.execution_rate"] == "100%"
    assert f.fields["funds.fiscal.weight"] == "—"
    assert f.fields["funds.fiscal.execution_rate"] == ""  # a cell holding only "　"
    assert f.fields["funds.carryover.budget_initial"] == ""
    assert f.fields["goal.expected"] == "妥善处理区政府各类涉法事务"
    assert f.indicators[0] == {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "区政府为主体的涉法事务数量",
        "target": "50",
        "actual": "50",
        "weight": "10",
        "score": "10",
        "deviation": "",
    }
    assert f.indicators[4]["level2"] == "经济效益\n指标"  # a wrapped line kept as "\n"
    assert f.indicators[4]["name"] == "不适用"
    assert f.merges == {
        "level1": [[0, 4], [4, 8], [8, 9]],
        "level2": [[i, i + 1] for i in range(9)],
    }


@pytest.mark.parametrize(
    ("index", "weight", "score"),
    [(1, "100", "100"), (10, "100", "99.8"), (34, "100", "91.26"), (37, "100", "94.59")],
)
def test_total_score(annex: Annex, index: int, weight: str, score: str) -> None:
    fields = annex.forms[index - 1].fields
    assert (fields["total.weight"], fields["total.score"]) == (weight, score)


def test_odd_executed_amount_kept_verbatim(annex: Annex) -> None:
    odd = [f for f in annex.forms if f.fields["funds.total.executed"] == "39.7966.92"]
    assert [f.fields["project_name"] for f in odd] == ["基础设施运维保障经费"]
    assert odd[0].fields["funds.fiscal.executed"] == "39.7966.92"


def test_row_split_by_stray_blank_line_is_rejoined(annex: Annex) -> None:
    f = by_name(annex, "调解工作经费")
    assert f.fields["funds.total.execution_rate"] == "99.80%"
    assert f.fields["funds.total.score"] == "10"
    assert f.fields["funds.fiscal.weight"] == "—"


def test_merged_level2_over_several_rows(annex: Annex) -> None:
    f = by_name(annex, "调解工作经费")
    assert f.merges["level2"][0] == [0, 3]
    assert [ind["level2"] for ind in f.indicators[:3]] == ["数量指标"] * 3
    assert [ind["name"] for ind in f.indicators[:3]] == ["培训人次", "培训班次", "场地数量"]


@pytest.mark.parametrize("key", ["level1", "level2"])
def test_merges_consistent_with_repeated_texts(annex: Annex, key: str) -> None:
    for form in annex.forms:
        spans = form.merges[key]
        assert spans[0][0] == 0 and spans[-1][1] == len(form.indicators)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end == start  # contiguous, no gaps
        for start, end in spans:
            assert start < end
            texts = {form.indicators[i][key] for i in range(start, end)}
            assert len(texts) == 1 and texts != {""}
    for form in annex.forms:  # a 二级 span never crosses a 一级 boundary
        l1_starts = {s for s, _ in form.merges["level1"]}
        for start, end in form.merges["level2"]:
            assert not l1_starts & set(range(start + 1, end))


def test_truth_json_matches_parse(annex: Annex) -> None:
    path = TRUTH / "annex2-2022.json"  # written by python -m samples.make_pdfs
    assert json.loads(path.read_text(encoding="utf-8")) == annex.to_dict()


def test_page_map_covers_every_form() -> None:
    path = TRUTH / "page-map.json"  # written by python -m samples.make_pdfs
    page_map = json.loads(path.read_text(encoding="utf-8"))
    for entry in page_map.values():
        pages = [p for form in entry["forms"] for p in form["pages"]]
        assert len(entry["forms"]) == 39
        assert pages == list(range(1, entry["pages"] + 1))
        assert sum(len(form["pages"]) > 1 for form in entry["forms"]) >= 2


# --- small units ---------------------------------------------------------------


def test_text_to_blocks() -> None:
    text = "附件2 标题\n\n标题\n（2022年度）\n\t项目名称\n\t长的\n续行\n\n\t　\n\t 60.00 \n"
    assert text_to_blocks(text) == [
        "附件2 标题",
        "标题",
        "（2022年度）",
        ["项目名称", "长的\n续行"],
        ["", "60.00"],
    ]


def test_join_split_rows() -> None:
    rows = [["", "a", "1", "2"], ["", "b", "1"], ["2"], ["", "c", "1", "2"]]
    assert join_split_rows(rows, 4) == [["", "a", "1", "2"], ["", "b", "1", "2"], ["", "c", "1", "2"]]


def test_fill_merged() -> None:
    inds = [
        {"level1": "A", "level2": "x"},
        {"level1": "", "level2": ""},
        {"level1": "", "level2": "y"},
        {"level1": "B", "level2": "z"},
    ]
    spans = fill_merged(inds)  # type: ignore[arg-type]
    assert spans == {"level1": [[0, 3], [3, 4]], "level2": [[0, 2], [2, 3], [3, 4]]}
    assert [(i["level1"], i["level2"]) for i in inds] == [("A", "x"), ("A", "x"), ("A", "y"), ("B", "z")]
