"""The scorer behind the golden scan test, on hand-made records."""

from __future__ import annotations

import math
from typing import Any

import pytest

from devkit.scoring import (
    auroc,
    edit_distance,
    expected_calibration_error,
    score_forms,
    score_record,
)


def cell(text: str, flags: tuple[str, ...] = (), conf: float = 0.99) -> dict[str, Any]:
    return {"text": text, "value": None, "confidence": conf, "flags": list(flags)}


def record(fields: dict[str, dict[str, Any]], pages: list[int]) -> dict[str, Any]:
    return {"layout": "perf-selfeval", "pages": pages, "fields": fields,
            "indicators": [{"score": fields.get("total.score", cell(""))}], "flags": []}


def test_metrics() -> None:
    want = record({"project_name": cell("甲项目"), "phone": cell("123"),
                   "goal.expected": cell("目标文本"), "total.score": cell("100")}, [1])
    got = record({"project_name": cell("甲 项目"), "phone": cell("128", ("low_confidence",), 0.5),
                  "goal.expected": cell("目标文字"), "total.score": cell("10O", conf=0.95)}, [1])
    s = score_record(got, want).summary()
    # short cells: project_name right, phone wrong+flagged, two total.score wrong unflagged
    assert s["short_exact"] == pytest.approx(1 / 4, abs=1e-3)
    assert s["wrong_flagged"] == pytest.approx(1 / 3, abs=1e-3)
    assert s["unflagged_wrong"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["confident_wrong"] == pytest.approx(2 / 3, abs=1e-3)
    assert s["goal_cer"] == pytest.approx(1 / 4, abs=1e-3)
    assert s["engine_flagged_share"] == pytest.approx(1 / 5, abs=1e-3)


def test_missing_record_counts_every_cell_wrong() -> None:
    want = record({"phone": cell("123")}, [2])
    s = score_forms({"records": []}, [want], [[2]]).summary()
    assert s["short_exact"] == 0.0 and s["wrong_flagged"] == 0.0


def test_rows_a_record_says_are_missing_count_flagged() -> None:
    want = {**record({"phone": cell("123")}, [1]),
            "indicators": [{"score": cell("10")}, {"score": cell("8")}]}
    got = {**want, "indicators": [{"score": cell("10")}]}
    assert score_record(got, want).summary()["wrong_flagged"] == 0.0
    got["flags"] = ["rows_incomplete"]
    s = score_record(got, want).summary()
    assert s["wrong_flagged"] == 1.0 and s["unflagged_wrong"] == 0.0


def test_edit_distance() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3


def test_auroc_rank_formula() -> None:
    assert auroc([0.9, 0.8, 0.3, 0.1], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.3, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert auroc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5  # ties: one half
    # 3 positives x 2 negatives = 6 pairs; 0.7 > 0.6, 0.7 > 0.2, 0.4 < 0.6, 0.4 > 0.2,
    # 0.6 = 0.6 (a half), 0.6 > 0.2: 4.5 / 6
    assert auroc([0.7, 0.4, 0.6, 0.6, 0.2], [True, True, True, False, False]) == pytest.approx(0.75)
    assert math.isnan(auroc([0.9, 0.8], [True, True]))


def test_ece_ten_bins() -> None:
    assert expected_calibration_error([1.0, 1.0], [True, True]) == 0.0
    # all at 0.95, half right: |0.5 - 0.95|
    assert expected_calibration_error([0.95] * 4, [True, False, True, False]) == pytest.approx(0.45)
    # two bins, each half the cells: bin [0.2, 0.3) acc 0 conf 0.25; bin [0.9, 1] acc 1 conf 0.95
    ece = expected_calibration_error([0.25, 0.25, 0.95, 0.95], [False, False, True, True])
    assert ece == pytest.approx(0.5 * 0.25 + 0.5 * 0.05)
    assert expected_calibration_error([], []) == 0.0


def test_summary_has_auroc_and_ece() -> None:
    want = record({"a": cell("1"), "b": cell("2"), "c": cell("3")}, [1])
    got = record({"a": cell("1", conf=0.99), "b": cell("9", conf=0.4), "c": cell("3", conf=0.9)}, [1])
    s = score_record(got, want).summary()
    # short cells a, b, c and the row's score (expected "", got "": right, conf 0.99)
    assert s["auroc"] == 1.0
    assert 0 < s["ece"] < 0.2
