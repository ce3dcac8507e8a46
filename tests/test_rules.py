"""Every rule of the standard layout, broken on purpose on a form that passes them all."""

from __future__ import annotations

import copy
import json

import pytest

from samples.expected import truth_to_record

from .conftest import SAMPLES

TRUTH = json.loads((SAMPLES / "truth" / "annex2-2022.json").read_text(encoding="utf-8"))
CLEAN = TRUTH["forms"][0]  # 行政应诉工作经费: consistent throughout


@pytest.fixture
def spec(layouts):
    return next(s for s in layouts if s.id == "perf-selfeval")


def record_with(spec, fields=None, rows=None):
    form = copy.deepcopy(CLEAN)
    form["fields"].update(fields or {})
    for i, changes in (rows or {}).items():
        form["indicators"][i].update(changes)
    return truth_to_record(spec, form, [1])


def test_the_clean_form_passes(spec):
    record = record_with(spec)
    assert record.flags == ()
    assert not record.needs_review


def cell_of(record, key):
    if key.startswith("indicators["):
        i, col = int(key[11 : key.index("]")]), key.split(".", 1)[1]
        return record.indicators[i][col]
    return record.fields[key]


@pytest.mark.parametrize(
    ("rule", "fields", "rows", "involved", "marked"),
    [
        ("weight_sum", {"total.weight": "90"}, {}, {"total.weight", "funds.total.weight", "indicators[0].weight"}, {"total.weight"}),
        ("score_sum", {}, {0: {"score": "5"}}, {"total.score", "funds.total.score", "indicators[0].score"}, {"total.score"}),
        ("score_le_weight", {}, {1: {"score": "25"}}, {"indicators[1].score", "indicators[1].weight"}, {"indicators[1].score", "indicators[1].weight"}),
        ("funds_score_le_weight", {"funds.total.score": "12"}, {}, {"funds.total.score", "funds.total.weight"}, {"funds.total.score", "funds.total.weight"}),
        ("execution_rate", {"funds.total.executed": "50.00"}, {}, {"funds.total.execution_rate", "funds.total.executed"}, {"funds.total.execution_rate", "funds.total.executed", "funds.total.budget_full_year"}),
        ("funds_sum_budget_initial", {"funds.fiscal.budget_initial": "50.00"}, {}, {"funds.fiscal.budget_initial", "funds.total.budget_initial"}, {"funds.total.budget_initial"}),
        ("funds_sum_budget_full_year", {"funds.other.budget_full_year": "1"}, {}, {"funds.other.budget_full_year"}, {"funds.total.budget_full_year"}),
        ("funds_sum_executed", {"funds.carryover.executed": "2.5"}, {}, {"funds.carryover.executed"}, {"funds.total.executed"}),
    ],
)
def test_a_broken_rule_flags_the_record_and_names_its_cells(spec, rule, fields, rows, involved, marked):
    record = record_with(spec, fields, rows)
    assert f"validation:{rule}" in record.flags
    failure = next(f for f in record.failures if f.rule == rule)
    assert involved <= set(failure.cells)  # every cell the rule read is named
    assert record.needs_review
    flagged = {k for k in failure.cells if f"validation:{rule}" in cell_of(record, k).flags}
    assert flagged == marked  # a sum marks its total only: one misread term must not flag a column


def test_every_rule_of_the_layout_is_exercised(spec):
    tested = {"weight_sum", "score_sum", "score_le_weight", "funds_score_le_weight", "execution_rate",
              "funds_sum_budget_initial", "funds_sum_budget_full_year", "funds_sum_executed"}
    assert {r.id for r in spec.rules} == tested


def test_unparsable_amount_is_flagged_and_kept_as_printed(spec):
    record = record_with(spec, {"funds.total.executed": "39.7966.92"})
    cell = record.fields["funds.total.executed"]
    assert cell.text == "39.7966.92" and cell.value is None
    assert cell.flags == ("validation:format",)
    assert record.needs_review


def test_a_grade_outside_the_targets_scale_is_flagged(spec):
    record = record_with(spec, rows={5: {"target": "高中低", "actual": "优"}})
    assert "vocabulary" in record.indicators[5]["actual"].flags
    assert not record_with(spec, rows={5: {"target": "高中低", "actual": "高"}}).indicators[5]["actual"].flags


def test_a_term_off_by_ten_is_flagged_as_the_culprit_of_its_sum(spec):
    # 分值 10 read as 100 (a decimal point or a symbol read as a digit): the sum fails,
    # and the one term that ten times smaller makes it hold is flagged, not the column
    record = record_with(spec, rows={0: {"weight": "100"}})
    flag = "validation:weight_sum"
    assert flag in record.indicators[0]["weight"].flags
    assert flag in record.fields["total.weight"].flags
    assert all(flag not in r["weight"].flags for r in record.indicators[1:])
    # 10.00 read as 1000: off by a hundred, the point lost before two decimals
    record = record_with(spec, rows={0: {"weight": "1000"}})
    assert flag in record.indicators[0]["weight"].flags
    assert all(flag not in r["weight"].flags for r in record.indicators[1:])


def _doubted(record, keys, flags=("low_confidence",)):
    """The record with these cells' readings doubted (confidence 0.6, flags)."""
    from dataclasses import replace

    def doubt(f):
        return replace(f, confidence=0.6, flags=tuple(flags))

    fields = {k: doubt(f) if k in keys else f for k, f in record.fields.items()}
    rows = tuple({n: doubt(f) if f"indicators[{i}].{n}" in keys else f for n, f in row.items()}
                 for i, row in enumerate(record.indicators))
    return replace(record, fields=fields, indicators=rows)


def test_a_sum_that_holds_vouches_for_the_doubted_numbers_it_added(spec):
    """分值 read under a poorly read header (every cell's confidence lowered): the column's
    sum and its total agree, so no digit of them was misread; each is taken as read."""
    from extractor.layout.rules import validate

    record = record_with(spec)
    rows = range(len(record.indicators))
    filled = {f"indicators[{i}].weight" for i in rows if record.indicators[i]["weight"].value}
    empty = {f"indicators[{i}].weight" for i in rows} - filled  # no number: nothing added
    got = validate(_doubted(record, filled | empty | {"total.weight"}, ("low_confidence", "engines_disagree")), spec)
    assert len(filled) >= 3 and empty
    assert all(cell_of(got, k).flags == () and cell_of(got, k).confidence >= 0.9 for k in filled)
    assert all(cell_of(got, k).flags for k in empty)
    assert got.fields["total.weight"].flags == ()


def test_a_sum_that_fails_or_a_cell_it_did_not_add_vouches_for_nothing(spec):
    from extractor.layout.rules import validate

    broken = record_with(spec, rows={0: {"weight": "100"}})  # the sum fails
    got = validate(_doubted(broken, {"indicators[1].weight"}), spec)
    assert got.indicators[1]["weight"].flags == ("low_confidence",)
    record = record_with(spec)
    got = validate(_doubted(record, {"indicators[1].deviation"}), spec)  # in no sum
    assert got.indicators[1]["deviation"].flags == ("low_confidence",)
    marked = validate(_doubted(record, {"indicators[1].weight"}, ("low_confidence", "vocabulary")), spec)
    assert marked.indicators[1]["weight"].flags == ("low_confidence", "vocabulary")  # another doubt


def test_a_zero_or_an_equality_of_two_numbers_vouches_for_nothing(spec):
    """A speck read as 0 keeps any sum; a total equal to its one filled term may be the
    same print misread the same way twice."""
    from extractor.layout.rules import validate

    record = record_with(spec, fields={"funds.carryover.executed": "0"})
    got = validate(_doubted(record, {"funds.carryover.executed"}), spec)
    assert got.fields["funds.carryover.executed"].flags == ("low_confidence",)
    assert record.fields["funds.other.executed"].value is None  # fiscal == total: two numbers
    got = validate(_doubted(record, {"funds.fiscal.executed"}), spec)
    assert got.fields["funds.fiscal.executed"].flags == ("low_confidence",)


def test_an_equality_with_a_term_not_found_vouches_for_nothing(spec):
    """上年结转资金's row label lost (its cells missing): 财政拨款 + 其他资金 == 年度资金总额
    may hold with 其他资金 holding the lost row's number; whose it is, no sum can tell."""
    from dataclasses import replace

    from extractor.layout.rules import validate
    from extractor.models import Field

    record = record_with(spec, fields={"funds.fiscal.executed": "10", "funds.other.executed": "5",
                                       "funds.total.executed": "15", "funds.carryover.executed": ""})
    lost = replace(record, fields={**record.fields, "funds.carryover.executed": Field("", None, 0.0, ("missing",))})
    got = validate(_doubted(lost, {"funds.other.executed"}), spec)
    assert got.fields["funds.other.executed"].flags == ("low_confidence",)
    got = validate(_doubted(record, {"funds.other.executed"}), spec)  # every term found
    assert got.fields["funds.other.executed"].flags == ()
