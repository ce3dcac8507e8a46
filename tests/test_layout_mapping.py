"""Indicator rows on synthetic grids (extractor/layout/indicators.py): merged 一级/二级指标
cells repeated into every row they span, across a page break both ways; the closing row
known by its shape as well as its label; a table that never reaches it flagged
rows_incomplete, with its total cells."""

from __future__ import annotations

from extractor.layout.choose import map_form
from extractor.layout.spec import load_layouts
from extractor.models import Cell, Field, FormInstance, Table
from extractor.record import Flag

from .conftest import ROOT

XS = [50.0, 110.0, 180.0, 290.0, 360.0, 430.0, 470.0, 510.0]
HEADER = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
RH = 20.0


def _table(page: int, rows: list[list[str]], spans: dict[tuple[int, int], tuple[int, int]]) -> Table:
    """rows of 7 texts; spans[(row, col)] = (row_span, col_span); a cell under a span is
    given as None in `rows`."""
    cells = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text is None:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            bbox = (XS[c], 100 + r * RH, XS[c + cs], 100 + (r + rs) * RH)
            cells.append(Cell(bbox, r, c, rs, cs, text=text, confidence=1.0))
    ys = tuple(100 + r * RH for r in range(len(rows) + 1))
    return Table(page, (XS[0], ys[0], XS[-1], ys[-1]), tuple(cells), ys, tuple(XS))


def _record(tables: list[Table], tmp_path):  # type: ignore[no-untyped-def]
    spec = (ROOT / "tests" / "data" / "mini-layout.yaml").read_text(encoding="utf-8")
    (tmp_path / "mini.yaml").write_text(  # the merged columns a page break may split
        spec.replace("  end: 总分\n", "  end: 总分\n  inherit: [level1, level2]\n"), encoding="utf-8")
    layouts = load_layouts(tmp_path)
    form = FormInstance(tuple(t.page for t in tables), tuple(tables), ())
    got = map_form(form, layouts, 0.0)
    assert not isinstance(got, Exception) and isinstance(got, tuple)
    return got[1]


TOP = [["项目名称", "x", None, None, None, None, None], ["主管部门", "x", "实施单位", "x", None, None, None],
       HEADER]
TOP_SPANS = {(0, 1): (1, 6), (1, 3): (1, 4)}


def test_a_span_cut_by_a_page_break_is_repeated_both_ways(tmp_path) -> None:
    # page 1: 产出指标 spans its last two rows, its text printed on page 2's part
    first = _table(1, [*TOP, ["", "", "a", "1", "1", "10", "10"], [None, None, "b", "1", "1", "10", "10"]],
                   {**TOP_SPANS, (3, 0): (2, 1), (3, 1): (2, 1)})
    rest = _table(2, [["产出指标", "数量指标", "c", "1", "1", "10", "10"],
                      ["总分", None, None, None, None, "30", "30"]], {(1, 0): (1, 5)})
    record = _record([first, rest], tmp_path)
    assert [r["level1"].text for r in record.indicators] == ["产出指标"] * 3
    assert [r["level2"].text for r in record.indicators] == ["数量指标"] * 3
    assert all(not r["level1"].flags for r in record.indicators)
    assert record.flags == ()


def test_a_closing_row_whose_label_is_misread_ends_the_rows_but_vouches_for_none(tmp_path) -> None:
    """A key cell running across the other columns ends the rows (the closing row, its
    label misread), but a scan's lost ruling can merge an indicator row's cells so: the
    record says rows may be missing."""
    table = _table(1, [*TOP, ["产出指标", "数量指标", "a", "1", "1", "10", "10"],
                       ["忌分", None, None, None, None, "10", "10"]], {**TOP_SPANS, (4, 0): (1, 5)})
    record = _record([table], tmp_path)
    assert [r["name"].text for r in record.indicators] == ["a"]
    assert Flag.ROWS_INCOMPLETE in record.flags


def test_a_row_whose_rulings_were_lost_is_read_flagged_when_the_closing_row_follows(tmp_path) -> None:
    """An indicator row run across its columns (a scan lost its rulings) with 总分 still to
    come is no closing row: it and the rows after it are read, it flagged."""
    table = _table(1, [*TOP, ["产出指标", "数量指标", "a", "1", "1", "10", "10"],
                       ["", "b 1 1", None, None, None, "10", "10"],
                       ["", "", "c", "1", "1", "10", "10"],
                       ["总分", None, None, None, None, "30", "30"]],
                   {**TOP_SPANS, (4, 1): (1, 4), (6, 0): (1, 5)})
    record = _record([table], tmp_path)
    assert [r["name"].text for r in record.indicators] == ["a", "b 1 1", "c"]
    assert "low_confidence" in record.indicators[1]["name"].flags
    assert not record.indicators[2]["name"].flags and Flag.ROWS_INCOMPLETE not in record.flags


def test_a_table_without_its_closing_row_is_flagged_rows_incomplete(tmp_path) -> None:
    table = _table(1, [*TOP, ["产出指标", "数量指标", "a", "1", "1", "10", "10"],
                       ["", "", "b", "1", "1", "10", "10"]], TOP_SPANS)
    record = _record([table], tmp_path)
    assert Flag.ROWS_INCOMPLETE in record.flags
    assert Flag.ROWS_INCOMPLETE in record.fields["total.score"].flags
    assert Flag.ROWS_INCOMPLETE in record.fields["total.weight"].flags
    # a blank cell the grid shows as a cell of its own is repeated, but flagged
    second = record.indicators[1]
    assert second["level1"].text == "产出指标" and Flag.LOW_CONFIDENCE in second["level1"].flags


def test_blank_cells_opening_the_table_take_the_first_span_below_flagged(tmp_path) -> None:
    """A scan's stray ruling cuts the table's first 一级指标 span above its text: nothing
    above to continue, so the blank cells take the name below them, flagged."""
    table = _table(1, [*TOP, ["", "数量指标", "a", "1", "1", "10", "10"],
                       ["产出指标", "数量指标", "b", "1", "1", "10", "10"],
                       ["总分", None, None, None, None, "20", "20"]],
                   {**TOP_SPANS, (5, 0): (1, 5)})
    record = _record([table], tmp_path)
    first, second = record.indicators
    assert first["level1"].text == "产出指标" and Flag.LOW_CONFIDENCE in first["level1"].flags
    assert second["level1"].text == "产出指标" and not second["level1"].flags


def test_a_header_misread_past_matching_is_known_by_its_place_between_its_neighbours(tmp_path) -> None:
    """实际完成值 read as noise: the one header cell between 年度指标值 and 分值 is its
    header; its cells are read, flagged (the column's name is inferred)."""
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "买陈亢戌伹", "分值", "得分"]
    table = _table(1, [TOP[0], TOP[1], header, ["产出指标", "数量指标", "a", "≥5个", "6个", "10", "10"],
                       ["总分", None, None, None, None, "10", "10"]], {**TOP_SPANS, (4, 0): (1, 5)})
    (row,) = _record([table], tmp_path).indicators
    assert row["actual"].text == "6个" and Flag.LOW_CONFIDENCE in row["actual"].flags
    assert row["target"].text == "≥5个" and not row["target"].flags


def test_two_headers_merged_by_a_lost_ruling_take_one_body_column_each(tmp_path) -> None:
    """一级指标 and 二级指标 printed as one cell (一级指标指标) over two body columns: the
    first column reads the left one, the second (its header lost) the right one, flagged;
    三级指标 is not taken for 二级指标."""
    header = ["一级指标指标", None, "三级指标", "年度指标值", "实际完成值", "分值", "得分"]
    table = _table(1, [TOP[0], TOP[1], header, ["产出指标", "数量指标", "a", "≥5个", "6个", "10", "10"],
                       ["总分", None, None, None, None, "10", "10"]],
                   {**TOP_SPANS, (2, 0): (1, 2), (4, 0): (1, 5)})
    (row,) = _record([table], tmp_path).indicators
    assert row["level1"].text == "产出指标" and row["level2"].text == "数量指标"
    assert Flag.LOW_CONFIDENCE in row["level2"].flags
    assert row["name"].text == "a" and not row["name"].flags


def test_two_headers_misread_side_by_side_are_the_two_cells_between_their_neighbours(
        tmp_path) -> None:
    """年度指标值 and 实际完成值 both read as noise: the two header cells between 三级指标
    and 分值 are theirs, in the layout's order, flagged."""
    header = ["一级指标", "二级指标", "三级指标", "买陈亢戌伹", "亢戌伹买陈", "分值", "得分"]
    table = _table(1, [TOP[0], TOP[1], header, ["产出指标", "数量指标", "a", "≥5个", "6个", "10", "10"],
                       ["总分", None, None, None, None, "10", "10"]], {**TOP_SPANS, (4, 0): (1, 5)})
    (row,) = _record([table], tmp_path).indicators
    assert row["target"].text == "≥5个" and Flag.LOW_CONFIDENCE in row["target"].flags
    assert row["actual"].text == "6个" and Flag.LOW_CONFIDENCE in row["actual"].flags


def test_a_cell_under_two_columns_is_flagged_in_both(tmp_path) -> None:
    """The ruling between 三级指标 and 年度指标值 lost on one row: its one cell is read
    by both columns, and both are flagged (its text may hold both fields)."""
    table = _table(1, [TOP[0], TOP[1], HEADER, ["产出指标", "数量指标", "a ≥5个", None, "6个", "10", "10"],
                       ["总分", None, None, None, None, "10", "10"]],
                   {**TOP_SPANS, (3, 2): (1, 2), (4, 0): (1, 5)})
    (row,) = _record([table], tmp_path).indicators
    assert Flag.LOW_CONFIDENCE in row["name"].flags and Flag.LOW_CONFIDENCE in row["target"].flags
    assert not row["actual"].flags


FUNDS_LAYOUT = """\
id: funds-only
name: 资金表
title: [资金表]
start_labels: [项目资金]
fields:
  project_name: 项目名称
matrices:
  funds:
    prefix: funds
    rows:
      total: 年度资金总额
      fiscal: 财政拨款
      carryover: 上年结转资金
      other: 其他资金
    columns:
      budget: {label: 年初预算数, type: amount}
      executed: {label: 全年执行数, type: amount}
"""


def test_matrix_rows_misread_past_matching_are_the_label_cells_between_their_neighbours(
        tmp_path) -> None:
    """财政拨款 and 上年结转资金 read as noise: the two label cells between 年度资金总额 and
    其他资金 are theirs, in the layout's order, their cells flagged; a first row misread
    is the label cell between the header row and the next row."""
    (tmp_path / "funds.yaml").write_text(FUNDS_LAYOUT, encoding="utf-8")
    layouts = load_layouts(tmp_path)

    def record(labels: list[str]):  # type: ignore[no-untyped-def]
        rows = [["项目名称", "x", None], ["项目资金", "年初预算数", "全年执行数"],
                *[[label, f"{i}0.00", f"{i}1.00"] for i, label in enumerate(labels, 1)]]
        cells = [Cell((XS[c], 100 + r * RH, XS[c + 1], 100 + (r + 1) * RH), r, c, 1, 1, text=t,
                      confidence=1.0) for r, row in enumerate(rows) for c, t in enumerate(row) if t]
        ys = tuple(100 + r * RH for r in range(len(rows) + 1))
        table = Table(1, (XS[0], ys[0], XS[3], ys[-1]), tuple(cells), ys, tuple(XS[:4]))
        got = map_form(FormInstance((1,), (table,), ()), layouts, 0.0)
        assert isinstance(got, tuple)
        return got[1].fields

    fields = record(["年度资金总额", "买陈亢戌", "伹买陈亢戌伹", "其他资金"])
    assert fields["funds.fiscal.budget"].text == "20.00" and fields["funds.carryover.executed"].text == "31.00"
    assert Flag.LOW_CONFIDENCE in fields["funds.fiscal.budget"].flags
    assert fields["funds.other.budget"].text == "40.00" and not fields["funds.other.budget"].flags
    fields = record(["买陈亢戌伹", "财政拨款", "上年结转资金", "其他资金"])
    assert fields["funds.total.executed"].text == "11.00"
    assert Flag.LOW_CONFIDENCE in fields["funds.total.executed"].flags


def test_a_label_with_marks_read_beside_it_is_found_flagged(tmp_path) -> None:
    """总分 read with a scan's specks beside it (总分00.08): the closing row is found, and
    so is the total matrix's row label; its values are read, flagged."""
    table = _table(1, [TOP[0], TOP[1], HEADER, ["产出指标", "数量指标", "a", "≥5个", "6个", "10", "10"],
                       ["总分00.08", None, None, None, None, "10", "9"]], {**TOP_SPANS, (4, 0): (1, 5)})
    record = _record([table], tmp_path)
    assert record.fields["total.weight"].text == "10" and record.fields["total.score"].text == "9"
    assert Flag.LOW_CONFIDENCE in record.fields["total.score"].flags
    assert len(record.indicators) == 1 and not record.flags


def test_a_label_merged_with_the_value_under_it_is_not_a_label_with_marks() -> None:
    """分值 over 10 in one cell (the ruling under the header lost) is a label and a value:
    only a label with marks on its own lines (总分00.08) is found once they are dropped."""
    from extractor.layout.labels import MARKED, LabelIndex

    table = _table(1, [["分值\n10", "总分00.08", None, None, None, None, None]], {})
    index = LabelIndex(FormInstance((1,), (table,), ()))
    assert [(h.score, h.cell.text) for h in index.find(("总分",))] == [(MARKED, "总分00.08")]
    assert all(h.cell.text != "分值\n10" for h in index.find(("分值",)))


def test_the_total_of_a_closing_row_whose_label_is_misread_is_read_from_that_row(tmp_path) -> None:
    """忌分 for 总分, past matching: the row the indicator rows ended at is the total
    matrix's row; its values are read, flagged (rows may be missing as well)."""
    table = _table(1, [*TOP, ["产出指标", "数量指标", "a", "1", "1", "10", "10"],
                       ["忌分", None, None, None, None, "10", "9"]], {**TOP_SPANS, (4, 0): (1, 5)})
    record = _record([table], tmp_path)
    assert record.fields["total.weight"].text == "10" and record.fields["total.score"].text == "9"
    assert Flag.LOW_CONFIDENCE in record.fields["total.score"].flags


def test_a_label_merged_into_the_value_before_it_is_found_and_the_value_kept_flagged(tmp_path) -> None:
    """The ruling between 主管部门's value and the 实施单位 label lost: one cell reads
    '教育局实施单位'. 实施单位 is found at its end, its value read right of it; the
    department's value is the cell's text before the label; both flagged."""
    merged = [["项目名称", "x", None, None, None, None, None],
              ["主管部门", "某区教育局实施单位", None, "一中", None, None, None], HEADER,
              ["产出指标", "数量指标", "a", "≥5个", "6个", "10", "10"],
              ["总分", None, None, None, None, "10", "10"]]
    table = _table(1, merged, {(0, 1): (1, 6), (1, 1): (1, 2), (1, 3): (1, 4), (4, 0): (1, 5)})
    record = _record([table], tmp_path)
    department, unit = record.fields["department"], record.fields["implementing_unit"]
    assert (department.text, unit.text) == ("某区教育局", "一中")
    assert Flag.LOW_CONFIDENCE in department.flags and Flag.LOW_CONFIDENCE in unit.flags


def test_only_a_label_after_a_value_is_found_at_a_cells_end() -> None:
    from extractor.layout.labels import AFTER_VALUE, LabelIndex, before_label

    table = _table(1, [["某区教育局实施单位", "部门\n单位", "实施单位之外", None, None, None, None]], {})
    index = LabelIndex(FormInstance((1,), (table,), ()))
    assert [(h.score, h.cell.text) for h in index.find(("实施单位",))] == [(AFTER_VALUE, "某区教育局实施单位")]
    keys = frozenset({"实施单位", "单位"})
    assert before_label("某区教育局\n实施单位", keys) == "某区教育局"
    assert before_label("实施单位", keys) is None  # the label alone: no value before it
    assert before_label("部门单位", keys) is None  # a label too short to be told at a cell's end


def test_a_key_cell_holding_two_rows_names_reads_both_rows(tmp_path) -> None:
    """A scan lost the ruling between two rows' 三级指标 cells (and their targets'): one key
    cell over two rows of 分值 and 得分. Each row is read from its own cells, the names
    merged in both flagged; read as one row, the second was lost and no flag said so."""
    table = _table(1, [*TOP, ["产出指标", "数量指标", "a\nb", "1\n2", "1", "10", "9"],
                       [None, None, None, None, "2", "20", "18"],
                       ["", "", "c", "3", "3", "70", "70"],
                       ["总分", None, None, None, None, "100", "97"]],
                   {**TOP_SPANS, (3, 0): (3, 1), (3, 1): (3, 1), (3, 2): (2, 1), (3, 3): (2, 1),
                    (6, 0): (1, 5)})
    record = _record([table], tmp_path)
    assert [r["weight"].text for r in record.indicators] == ["10", "20", "70"]
    assert [r["score"].text for r in record.indicators] == ["9", "18", "70"]
    assert [r["actual"].text for r in record.indicators] == ["1", "2", "3"]
    assert [r["name"].text for r in record.indicators] == ["a\nb", "a\nb", "c"]
    assert all("low_confidence" in r["name"].flags for r in record.indicators[:2])
    assert not record.indicators[2]["name"].flags


def _with_confidence(table: Table, row: int, confidence: float) -> Table:
    from dataclasses import replace
    cells = tuple(replace(c, confidence=confidence) if c.row == row else c for c in table.cells)
    return replace(table, cells=cells)


def test_a_header_misread_a_glyph_off_doubts_only_the_readings_not_sure_alone(tmp_path) -> None:
    """实际完戍值 (a glyph misread) still names its column. Its doubt stays on a reading two
    engines agreed on (0.95), where a poorly printed region makes a shared misreading
    likelier; a reading one engine was sure of alone (0.99) is not flagged for it."""
    header = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完戍值", "分值", "得分"]
    rows = [TOP[0], TOP[1], header, ["产出指标", "数量指标", "a", "≥5个", "6个", "10", "10"],
            ["", "", "b", "≥5个", "7个", "10", "10"], ["总分", None, None, None, None, "20", "20"]]
    table = _table(1, rows, {**TOP_SPANS, (5, 0): (1, 5)})
    table = _with_confidence(_with_confidence(table, 3, 0.99), 4, 0.95)
    record = _record([table], tmp_path)
    sure, agreed = (r["actual"] for r in record.indicators)
    assert sure.text == "6个" and not sure.flags and sure.confidence == 0.99
    assert agreed.text == "7个" and "low_confidence" in agreed.flags


def test_a_false_ruling_under_one_name_adds_no_row(tmp_path) -> None:
    """A seal's arc read as a ruling across 分值 and 得分 splits each into a filled cell and
    an empty one under a key cell of one name: one row, as printed."""
    table = _table(1, [*TOP, ["产出指标", "数量指标", "a", "1", "1", "10", "9"],
                       [None, None, None, None, None, "", ""],
                       ["总分", None, None, None, None, "10", "9"]],
                   {**TOP_SPANS, (3, 0): (2, 1), (3, 1): (2, 1), (3, 2): (2, 1), (3, 3): (2, 1),
                    (3, 4): (2, 1), (5, 0): (1, 5)})
    record = _record([table], tmp_path)
    assert [r["name"].text for r in record.indicators] == ["a"]
    assert not record.indicators[0]["name"].flags


def test_a_closed_column_reading_as_its_names_is_that_column_whatever_its_header(tmp_path) -> None:
    """二级指标 read as noise: the header cell between 一级指标 and 三级指标 is its header by
    place (INFERRED, cells flagged). Every cell under it reads as one of its vocabulary's
    names, which no other column holds: the column is known, its cells not flagged. One
    cell reading as no name leaves the column's doubt on all of them."""
    header = ["一级指标", "亢戌伹买", "三级指标", "年度指标值", "实际完成值", "分值", "得分"]

    def level2(second: str) -> list[Field]:
        rows = [TOP[0], TOP[1], header, ["产出指标", "数量指标", "a", "≥5个", "6个", "10", "10"],
                ["", second, "b", "≥5个", "6个", "10", "10"], ["总分", None, None, None, None, "20", "20"]]
        table = _table(1, rows, {**TOP_SPANS, (3, 0): (2, 1), (5, 0): (1, 5)})
        spec = (ROOT / "tests" / "data" / "mini-layout.yaml").read_text(encoding="utf-8").replace(
            "    level2: 二级指标\n", "    level2: {label: 二级指标, values: [数量指标, 质量指标]}\n")
        (tmp_path / "mini.yaml").write_text(spec, encoding="utf-8")
        form = FormInstance((1,), (table,), ())
        got = map_form(form, load_layouts(tmp_path), 0.0)
        assert isinstance(got, tuple)
        return [r["level2"] for r in got[1].indicators]

    assert [(f.text, f.flags) for f in level2("质量指标")] == [("数量指标", ()), ("质量指标", ())]
    assert all(Flag.LOW_CONFIDENCE in f.flags for f in level2("质重"))
