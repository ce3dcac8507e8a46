import pytest

from extractor.layout.fields import to_field
from extractor.layout.types import FORMAT_FLAG, IMPLAUSIBLE_FLAG, as_dash, grade_vocabulary, parse_value
from extractor.models import Cell


@pytest.mark.parametrize(
    ("type_name", "text", "value", "flags"),
    [
        ("amount", "60.00", 60.0, ()),
        ("amount", "146.916283", 146.916283, ()),
        ("amount", "1,234.5", 1234.5, ()),
        ("amount", "—", None, ()),
        ("amount", "", None, ()),
        ("amount", "　", None, ()),
        ("amount", "39.7966.92", None, (FORMAT_FLAG,)),
        ("score", "9.8", 9.8, ()),
        ("percent", "98%", 98.0, ()),
        ("percent", "100％", 100.0, ()),
        ("percent", "98.5", 98.5, ()),
        ("percent", "百分百", None, (FORMAT_FLAG,)),
        ("measure", "≥50个", 50.0, ()),
        ("measure", "≥100百分比", 100.0, ()),
        ("measure", "90%", 90.0, ()),
        ("measure", "146.916283万", 146.916283, ()),
        ("measure", "优", None, ()),
        ("measure", "达成预期指标", None, ()),
        ("year", "（2022年度）", 2022.0, ()),
        ("phone", "85903281", None, ()),
        ("phone", "010-6500 0508", None, ()),
        ("phone", "张琢", None, (FORMAT_FLAG,)),
        ("text", "39.7966.92", None, ()),
        # types as priors: parses, but implausible for its type
        ("percent", "99.9896", 99.9896, (IMPLAUSIBLE_FLAG,)),  # 99.98% with % read as 96
        ("percent", "99.98%", 99.98, ()),
        ("measure", "≥290%", 290.0, (IMPLAUSIBLE_FLAG,)),  # ≥90% with ≥ read as 2
        ("measure", "≥90%", 90.0, ()),
        ("measure", "120%", 120.0, ()),  # an actual over its target is no error
        ("measure", "99.9896%", 99.9896, (IMPLAUSIBLE_FLAG,)),
    ],
)
def test_parse(type_name, text, value, flags):
    assert parse_value(type_name, text) == (value, flags)


def test_grade_vocabulary():
    vocabs = ("优良中低差", "好坏", "高中低")
    assert grade_vocabulary("优良中低差", vocabs) == "优良中低差"
    assert grade_vocabulary(" 好 坏 ", vocabs) == "好坏"
    assert grade_vocabulary("90%", vocabs) is None


@pytest.mark.parametrize("text", ["一", "-\n———", "一\n_", "_"])
def test_a_numeric_field_read_as_dash_strokes_is_the_dash(text):
    assert as_dash("score", text) == "—" and as_dash("percent", text) == "—"
    got = to_field(Cell((0, 0, 10, 10), 0, 0, text=text, confidence=0.95), 1, "amount")
    assert (got.text, got.value) == ("—", None) and "vocabulary" in got.flags


@pytest.mark.parametrize(("type_name", "text"), [
    ("amount", "—"),  # the dash itself: nothing to snap
    ("amount", "-"),
    ("amount", "一1"),  # a stroke beside a digit: not a dash alone
    ("text", "一"),  # a name may be the CJK one
    ("measure", "一"),
])
def test_other_readings_are_no_dash(type_name, text):
    assert as_dash(type_name, text) is None
