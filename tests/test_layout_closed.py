"""Closed vocabularies of indicator columns (extractor.layout.closed): a misread name
snapped to the one entry that explains it and flagged; another name, or a blank, flagged
as read; an entry the engines doubted taken on the vocabulary's vote, in a column that
reads as entries only."""

from __future__ import annotations

import pytest

from extractor.layout.closed import nest, snap, vote
from extractor.layout.spec import ColumnSpec
from extractor.models import Cell, Field

LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
LEVEL2 = ("数量指标", "质量指标", "社会效益指标", "经济效益指标", "生态效益指标", "服务对象满意度指标")


def _snap(text: str, values: tuple[str, ...] = LEVEL1) -> Field:
    return snap(Field(text, None, 0.5, ("low_confidence",)), values)


@pytest.mark.parametrize("read, entry", [
    ("产出指标\n区", "产出指标"),  # a speck read as a glyph after it
    ("wr\n效益指标", "效益指标"),  # a pen mark read as letters
    ("满意|度指标", "满意度指标"),
    ("清意度\n指标", "满意度指标"),  # one glyph misread
    ("产出指村(50分)", "产出指标(50分)"),  # a bracketed suffix (its points) kept as read
])
def test_a_misread_name_is_snapped_and_flagged(read: str, entry: str) -> None:
    got = _snap(read)
    assert got.text == entry and "vocabulary" in got.flags and "low_confidence" in got.flags


def test_a_name_of_the_vocabulary_is_left_alone() -> None:
    assert _snap("产出\n指标") == Field("产出\n指标", None, 0.5, ("low_confidence",))
    assert _snap("满意度指标（10分）").flags == ("low_confidence",)


@pytest.mark.parametrize("read", [
    "数量指标",  # another column's name (rows shifted): two edits from 产出指标, not snapped
    "社会效益",  # shorter than any entry: a wording of its own, not snapped
])
def test_a_name_no_entry_explains_is_flagged_as_read(read: str) -> None:
    got = _snap(read)
    assert got.text == read and "vocabulary" in got.flags


@pytest.mark.parametrize("read, entry", [
    ("数量\n指", "数量指标"),
    ("服务\n意\n度指\n标", "服务对象满意度指标"),  # faint glyphs dropped, the rest in order
    ("质量", "质量指标"),
])
def test_an_unsure_reading_with_glyphs_dropped_is_snapped_to_its_one_entry(read: str, entry: str) -> None:
    got = _snap(read, LEVEL2)
    assert got.text == entry and "vocabulary" in got.flags


@pytest.mark.parametrize("read", [
    "务对",  # too few of the entry's glyphs kept
    "效益指标",  # the glyphs of 社会/经济/生态效益指标 alike
])
def test_glyphs_dropped_from_no_single_entry_snap_to_none(read: str) -> None:
    got = _snap(read, LEVEL2)
    assert got.text == read and "vocabulary" in got.flags


def test_a_sure_shorter_reading_is_a_wording_of_its_own() -> None:
    got = snap(Field("质量", None, 0.99, ()), LEVEL2)
    assert got.text == "质量" and got.flags == ("vocabulary",)


def test_two_entries_equally_near_snap_to_neither() -> None:
    got = _snap("XX效益指标", LEVEL2)  # 社会/经济/生态效益指标: two edits each
    assert got.text == "XX效益指标" and "vocabulary" in got.flags


def _cell(text: str, flags: tuple[str, ...] = ("low_confidence", "engines_disagree")) -> Cell:
    return Cell((0, 0, 10, 10), 0, 0, text=text, confidence=0.3, flags=flags)


def test_an_entry_the_engines_doubted_is_taken_on_the_vocabulary_vote() -> None:
    doubted = [_cell("产出\n指标，"), _cell("满意度\n指标\n(10\n分)"), _cell("效益指标", ())]
    voted = vote(doubted, LEVEL1)
    assert [voted[id(c)].text for c in doubted[:2]] == ["产出指标", "满意度指标(10分)"]
    assert all(voted[id(c)].flags == () and voted[id(c)].confidence >= 0.9 for c in doubted[:2])
    assert id(doubted[2]) not in voted  # nothing to settle: left as read


def test_no_vote_in_a_column_holding_a_reading_that_is_no_entry() -> None:
    # 数量指标 is a 二级指标 name: the 一级指标 column holds the next column's names
    column = [_cell("产出指标"), _cell("数量指标"), _cell("效益指标")]
    assert vote(column, LEVEL1) == {}


def test_the_vote_settles_only_the_engines_doubts() -> None:
    column = [_cell("产出指标", ("layout_uncertain", "low_confidence")), _cell("效益指标", ("unreadable",))]
    assert vote(column, LEVEL1) == {}


def test_a_blank_left_in_a_closed_column_is_flagged() -> None:
    assert "vocabulary" in snap(Field("", None, 0.99), LEVEL1).flags
    assert snap(Field("", None, 0.0, ("missing",)), LEVEL1).flags == ("missing",)  # no cell at all


def test_a_reading_an_entry_explains_is_taken_on_the_vote_too() -> None:
    """效益指杯, one glyph off 效益指标 and nearer no other entry, the engines unsure: the
    vocabulary's vote takes 效益指标 as it takes an exact entry; a column where one
    reading is explained by no entry (数量指标 under 一级指标) gets no vote at all."""
    column = [_cell("产出指标"), _cell("效益指杯")]
    voted = vote(column, LEVEL1)
    assert voted[id(column[1])].text == "效益指标" and voted[id(column[1])].flags == ()
    assert vote([*column, _cell("数量指标")], LEVEL1) == {}


def test_a_score_read_beside_the_name_without_its_brackets_gets_no_vote() -> None:
    """产出指标（50分） read 产出指标 / 分50, the engines unsure: 产出指标 explains the name once
    the digits go as noise, but taken on the vote the score was lost unflagged. The cell is
    left to `snap`, which flags it. A lone digit beside the name is as often a mark: voted."""
    column = [_cell("产出指标\n分50"), _cell("效益指标\n7\n1")]
    voted = vote(column, LEVEL1)
    assert id(column[0]) not in voted and voted[id(column[1])].text == "效益指标"
    assert "vocabulary" in snap(Field("产出指标\n分50", None, 0.3, ("low_confidence",)), LEVEL1).flags


NESTED = (
    ColumnSpec("level1", ("一级指标",), values=LEVEL1),
    ColumnSpec("level2", ("二级指标",), values=("数量指标", "社会效益指标", "服务对象满意度指标"),
               within="level1", parents=(("数量指标", "产出指标"), ("社会效益指标", "效益指标"),
                                         ("服务对象满意度指标", "满意度指标"))),
)


def _row(level1: Field, level2: str, *flags: str) -> dict[str, Field]:
    return {"level1": level1, "level2": Field(level2, None, 0.99, flags)}


@pytest.mark.parametrize("level1", [
    Field("同思反\n标", None, 0.2, ("engines_disagree", "low_confidence", "vocabulary")),  # misread
    Field("", None, 0.99, ("vocabulary",)),  # the blank a merged cell's lost span left
    Field("效益指标", None, 0.6, ("engines_disagree", "low_confidence")),  # another entry, doubted
])
def test_a_sure_level2_names_the_level1_it_sits_under(level1: Field) -> None:
    got = nest(_row(level1, "服务对象满意度指标"), NESTED)
    assert got["level1"].text == "满意度指标" and "vocabulary" in got["level1"].flags
    assert got["level1"].confidence == 0.9  # as the vocabulary's vote makes it
    assert got["level2"] == Field("服务对象满意度指标", None, 0.99, ())


def test_a_level1_that_agrees_or_is_sure_of_another_entry_or_a_doubted_level2_is_kept() -> None:
    agrees = _row(Field("产出指标（50分）", None, 0.99), "数量指标")
    assert nest(agrees, NESTED) == agrees
    other = nest(_row(Field("产出指标", None, 0.99), "社会效益指标"), NESTED)  # both sure: flagged
    assert other["level1"].text == "产出指标" and other["level1"].flags == ("vocabulary",)
    assert other["level2"].flags == ("vocabulary",)
    doubted = _row(Field("间忌", None, 0.2, ("low_confidence",)), "社会效益指标", "vocabulary")
    assert nest(doubted, NESTED) == doubted
    missing = _row(Field("", None, 0.0, ("missing",)), "社会效益指标")
    assert nest(missing, NESTED) == missing
