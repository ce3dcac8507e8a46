"""The scorer behind the golden scan test, on hand-made records."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.scoring import edit_distance, score_forms, score_record


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


def test_edit_distance() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
