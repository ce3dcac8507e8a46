"""Splitting pages into forms: continuations, running headers, unrelated tables."""

from __future__ import annotations

import shutil

from extractor.config import load_settings
from extractor.emit import document_to_dict
from extractor.layout.spec import load_layouts
from extractor.pipeline import extract_document

from .conftest import ROOT
from .pdfs import OTHER_TABLE, make_pdf
from .test_second_layout import HEADER

TOP = [
    [("项目名称", 80), ("教师培训项目", 380)],
    [("主管部门", 80), ("某区教育局", 150), ("实施单位", 80), ("某区第一中学", 150)],
    HEADER,
    [("产出指标", 60), ("数量指标", 70), ("培训人次", 110), ("≥50个", 70), ("62个", 70), ("60", 40), ("60", 40)],
]  # fmt: skip
REST = [
    [("效益指标", 60), ("社会效益指标", 70), ("家长满意度", 110), ("90%", 70), ("95%", 70), ("40", 40), ("38", 40)],
    [("总分", 380), ("100", 40), ("98", 40)],
]  # fmt: skip


def extract(tmp_path, pages):
    layouts_dir = tmp_path / "layouts"
    layouts_dir.mkdir(exist_ok=True)
    shutil.copy(ROOT / "tests" / "data" / "mini-layout.yaml", layouts_dir / "mini.yaml")
    pdf = make_pdf(tmp_path / "form.pdf", pages)
    settings = load_settings({}, layouts_dir=layouts_dir)
    return document_to_dict(extract_document(pdf, settings, load_layouts(layouts_dir)))


def test_a_continuation_under_a_running_header_joins_its_form(tmp_path):
    doc = extract(tmp_path, [
        [("line", "部门项目绩效自评表"), ("line", "（2021年度）"), ("table", TOP)],
        [("line", "某区教育局2021年度绩效自评材料"), ("table", REST)],
    ])  # fmt: skip
    assert doc["errors"] == []
    (record,) = doc["records"]
    assert record["pages"] == [1, 2]
    assert [r["name"]["text"] for r in record["indicators"]] == ["培训人次", "家长满意度"]
    assert record["fields"]["total.score"]["text"] == "98"
    assert record["fields"]["total.score"]["page"] == 2


def test_a_table_that_does_not_line_up_is_not_a_continuation(tmp_path):
    doc = extract(tmp_path, [
        [("line", "部门项目绩效自评表"), ("line", "（2021年度）"), ("table", TOP)],
        [("line", "资金分配表"), ("table", OTHER_TABLE)],
    ])  # fmt: skip
    assert [(e["page"], e["code"]) for e in doc["errors"]] == [(1, "form_incomplete"), (2, "page_not_a_form")]
    assert len(doc["records"]) == 1


SHARES = (0.0, 0.12, 0.26, 0.5, 0.64, 0.78, 0.89, 1.0)


def _table(page: int, x0: float, y0: float, scale: float, rows: list[list[str]],
           shares: tuple[float, ...] = SHARES):
    """A grid of cells at (x0, y0), its columns at the same shares of its width whatever
    the scale (a sheet fed at another offset and scale)."""
    from extractor.models import Cell, Table

    xs = [x0 + s * 500 * scale for s in shares]
    h = 20 * scale
    cells = [
        Cell((xs[c], y0 + r * h, xs[c + 1], y0 + (r + 1) * h), r, c, text=t)
        for r, row in enumerate(rows) for c, t in enumerate(row)
    ]
    ys = [y0 + r * h for r in range(len(rows) + 1)]
    return Table(page, (xs[0], y0, xs[-1], ys[-1]), tuple(cells), tuple(ys), tuple(xs))


MINI_TOP = [  # the top of a form of tests/data/mini-layout.yaml, down to its indicator header
    ["项目名称", "培训", "", "", "", "", ""],
    ["主管部门", "教育局", "实施单位", "一中", "", "", ""],
    ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
]


def _mini_pages(*tables):  # type: ignore[no-untyped-def]
    """A page per table, the mini layout's title over the first."""
    from extractor.models import Page, PageReading, TextLine

    title = TextLine("部门项目绩效自评表", (200, 60, 320, 75))
    return [PageReading(Page(n, 595, 842, "image"), (t,), (title,) if n == 1 else ())
            for n, t in enumerate(tables, 1)]


def test_a_continuation_at_another_offset_and_scale_joins_by_its_columns() -> None:
    from extractor.models import Page, PageReading
    from extractor.split import split_forms

    layouts = load_layouts(ROOT / "layouts")
    first = _table(1, 50, 100, 1.0, [["项目名称", "x", "", "", "", "", ""],
                                      ["主管部门", "x", "实施单位", "x", "", "", ""],
                                      ["产出指标", "数量指标", "培训人次", "50", "62", "10", "10"]])
    rest = _table(2, 92, 60, 0.96, [["效益指标", "社会效益", "满意度", "90%", "95%", "10", "9"],
                                     ["总分", "", "", "", "", "100", "98"]])
    pages = [PageReading(Page(n, 595, 842, "image"), (t,), ()) for n, t in ((1, first), (2, rest))]
    forms, errors = split_forms(pages, layouts)
    assert errors == [] and len(forms) == 1 and forms[0].pages == (1, 2)
    # another table (other columns) at the same place is not taken as the form's
    shifted = (0.0, *(s + 13 / 480 for s in SHARES[1:-1]), 1.0)
    other = _table(2, 92, 60, 0.96, [["a", "b", "c", "d", "e", "f", "g"]], shifted)
    pages[1] = PageReading(Page(2, 595, 842, "image"), (other,), ())
    _forms, errors = split_forms(pages, layouts)
    assert [e.code for e in errors] == ["page_not_a_form", "form_incomplete"]


def test_a_continuation_joins_by_its_first_row_whatever_rows_follow() -> None:
    """The rows after a continuation's first (the closing rows: 总分, 评价结论) may cut
    columns of their own; the first row's edges are the form's, and it joins."""
    from extractor.models import Cell, Page, PageReading, Table
    from extractor.split import split_forms

    layouts = load_layouts(ROOT / "layouts")
    first = _table(1, 50, 100, 1.0, [["项目名称", "x", "", "", "", "", ""],
                                      ["主管部门", "x", "实施单位", "x", "", "", ""],
                                      ["产出指标", "数量指标", "培训人次", "50", "62", "10", "10"]])
    rest = _table(2, 92, 60, 0.96, [["效益指标", "社会效益", "满意度", "90%", "95%", "10", "9"]])
    x0, y0, x1, y1 = rest.bbox
    closing = (Cell((x0, y1, x0 + 0.33 * (x1 - x0), y1 + 19), 1, 0, text="总分"),
               Cell((x0 + 0.33 * (x1 - x0), y1, x1, y1 + 19), 1, 1, text="98"))
    rest = Table(2, (x0, y0, x1, y1 + 19), rest.cells + closing, (*rest.row_edges, y1 + 19),
                 tuple(sorted({*rest.col_edges, x0 + 0.33 * (x1 - x0)})))
    pages = [PageReading(Page(n, 595, 842, "image"), (t,), ()) for n, t in ((1, first), (2, rest))]
    forms, errors = split_forms(pages, layouts)
    assert errors == [] and len(forms) == 1 and forms[0].pages == (1, 2)


def test_a_continuation_at_another_offset_and_scale_maps_to_the_same_columns() -> None:
    """The continuation's columns are found at the header's shares of its own table's
    width, not at the header's x on the first page."""
    from extractor.layout.choose import map_form
    from extractor.layout.spec import LayoutSpec
    from extractor.models import Record
    from extractor.split import split_forms

    layouts = load_layouts(ROOT / "tests" / "data")
    first = _table(1, 50, 100, 1.0, [*MINI_TOP,
                                                                            ["产出指标", "数量指标", "培训人次", "50", "62", "60", "60"]])
    rest = _table(2, 92, 60, 0.9, [["效益指标", "社会效益", "满意度", "90%", "95%", "40", "38"],
                                    ["总分", "", "", "", "", "100", "98"]])
    pages = _mini_pages(first, rest)
    (form,), _errors = split_forms(pages, layouts)
    mapped = map_form(form, layouts, 0.5)
    assert isinstance(mapped, tuple) and isinstance(mapped[0], LayoutSpec)
    record: Record = mapped[1]
    assert [{k: f.text for k, f in row.items()} for row in record.indicators][1] == {
        "level1": "效益指标", "level2": "社会效益", "name": "满意度", "target": "90%",
        "actual": "95%", "weight": "40", "score": "38"}
    assert (record.fields["total.weight"].text, record.fields["total.score"].text) == ("100", "98")


def test_a_form_starts_under_its_title_whatever_specks_lie_between() -> None:
    """A scan's specks and bleed-through read as lines between the title and the table
    (its 项目名称 row lost to a seal, say) do not hide the title."""
    from extractor.models import TextLine
    from extractor.split import starts_form

    layouts = load_layouts(ROOT / "layouts")
    table = _table(1, 50, 140, 1.0, [["实施单位", "某局", "联系电话", "6500", "", "", ""]])
    above = tuple(TextLine(t, (100, y, 300, y + 12)) for t, y in
                  (("项目支出绩效自评表", 60), ("P", 80), ("(2022年度)", 95), ("实天", 110), ("I", 125)))
    assert starts_form(table, above, layouts)
    assert not starts_form(table, above[1:], layouts)


def test_a_closing_label_with_a_marks_reading_beside_it_closes_the_form() -> None:
    """'0010总分': a pen mark read as digits beside the closing label still closes the form,
    and its row is the closing row, not an indicator."""
    from extractor.layout.choose import map_form
    from extractor.split import split_forms

    layouts = load_layouts(ROOT / "tests" / "data")
    table = _table(1, 50, 100, 1.0, [*MINI_TOP,
                                                                            ["产出指标", "数量指标", "培训人次", "50", "62", "100", "98"],
                                      ["0010总分", "m", "", "", "", "100", "98"]])
    forms, errors = split_forms(_mini_pages(table), layouts)
    assert errors == []
    mapped = map_form(forms[0], layouts, 0.5)
    assert isinstance(mapped, tuple)
    assert len(mapped[1].indicators) == 1 and not mapped[1].flags


def test_a_continuation_joins_and_maps_when_the_first_page_lost_its_outer_column() -> None:
    """The first page's table lost its leftmost column (its wall not found): the boxes no
    longer correspond, but the second page's first-row edges fit the first table's
    columns at some offset and scale, and its columns are read through that fit."""
    from extractor.layout.choose import map_form
    from extractor.models import Cell, Table
    from extractor.split import split_forms

    layouts = load_layouts(ROOT / "tests" / "data")
    first = _table(1, 50, 100, 1.0, [*MINI_TOP,
                                                                            ["产出指标", "数量指标", "培训人次", "50", "62", "60", "60"]])
    # keep the label column's header (so the layout is found) but lose its wall: the
    # table now starts at the second column, its cells right of it unchanged
    x1 = first.col_edges[1]
    cells = tuple(c for c in first.cells if c.col > 0 or c.text == "一级指标")
    cells = tuple(Cell((x1 - 1, *c.bbox[1:]), c.row, 1, text=c.text) if c.text == "一级指标" else c
                  for c in cells)
    first = Table(1, (x1 - 1, *first.bbox[1:]), cells, first.row_edges, first.col_edges[1:])
    rest = _table(2, 92, 60, 0.96, [["效益指标", "社会效益", "满意度", "90%", "95%", "40", "38"],
                                     ["总分", "", "", "", "", "100", "98"]])
    pages = _mini_pages(first, rest)
    (form,), errors = split_forms(pages, layouts)
    assert errors == [] and form.pages == (1, 2) and form.x_maps
    mapped = map_form(form, layouts, 0.0)
    assert isinstance(mapped, tuple)
    row = {k: f.text for k, f in mapped[1].indicators[-1].items()}
    assert (row["name"], row["target"], row["weight"], row["score"]) == ("满意度", "90%", "40", "38")


def test_a_form_starts_at_its_start_labels_misread_under_a_misread_title() -> None:
    """A seal's ring over 项目名称 and 主管部门 (read 日名称, 管部门), the title read
    项目文出端放自评表: the start labels, matched as the layout's labels are, still start
    the form; a table of other labels does not."""
    from extractor.models import TextLine
    from extractor.split import starts_form

    layouts = load_layouts(ROOT / "layouts")
    above = (TextLine("项目文出端放自评表", (100, 60, 300, 72)),)
    table = _table(1, 50, 140, 1.0, [["工\n1", "日名称", "普法宣传经费", "", "", "", ""],
                                     ["", "管部门", "某局", "实施单位", "某局", "", ""]])
    assert starts_form(table, above, layouts)
    other = _table(1, 50, 140, 1.0, [["项目单价", "12", "主要内容", "培训", "", "", ""]])
    assert not starts_form(other, above, layouts)


FUNDS_ONLY = [  # a form's top whose page ends before its indicator table: other columns
    ["项目名称", "培训", "", "", "", "", ""],
    ["主管部门", "教育局", "实施单位", "一中", "", "", ""],
    ["项目资金", "年初预算数", "全年预算数", "全年执行数", "", "", ""],
]
FUNDS_SHARES = (0.0, 0.2, 0.45, 0.55, 0.7, 0.8, 0.95, 1.0)
INDICATORS = [["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分"],
              ["产出指标", "数量指标", "培训人次", "50", "62", "60", "60"],
              ["总分", "", "", "", "", "100", "98"]]


def test_a_continuation_opening_the_indicator_table_joins_by_its_headers() -> None:
    """A page break just before the indicator table: the next page's table shares no
    column with the open one, but its first row prints the indicator headers the form has
    not printed yet; as does a header row whose top ruling was lost (read as lines)."""
    from extractor.models import Page, PageReading, TextLine
    from extractor.split import split_forms

    layouts = load_layouts(ROOT / "tests" / "data")
    first = _table(1, 50, 100, 1.0, FUNDS_ONLY, FUNDS_SHARES)
    rest = _table(2, 70, 60, 0.97, INDICATORS)
    (form,), errors = split_forms(_mini_pages(first, rest), layouts)
    assert errors == [] and form.pages == (1, 2)
    headless = _table(2, 70, 80, 0.97, INDICATORS[1:])
    header = (TextLine("一级指标 二级指标", (70, 62, 180, 78)), TextLine("三级指标", (200, 62, 240, 78)))
    pages = _mini_pages(first, headless)
    pages[1] = PageReading(Page(2, 595, 842, "image"), (headless,), header)
    (form,), errors = split_forms(pages, layouts)
    assert errors == [] and form.pages == (1, 2)
    # a table of other columns and headers stays apart
    other = _table(2, 70, 60, 0.97, [["序号", "名称", "数量", "单价", "金额", "备注", "x"]])
    _forms, errors = split_forms(_mini_pages(first, other), layouts)
    assert [e.code for e in errors] == ["page_not_a_form", "form_incomplete"]


def test_a_form_broken_into_two_tables_on_one_page_keeps_both() -> None:
    """A ruling lost across the whole table parts it in two on the page; the lower one,
    lined up with the form's columns, goes on with it rather than being dropped."""
    from extractor.models import Page, PageReading
    from extractor.split import split_forms

    layouts = load_layouts(ROOT / "tests" / "data")
    upper = _table(1, 50, 100, 1.0, [*MINI_TOP, ["产出指标", "数量指标", "培训人次", "50", "62", "60", "60"]])
    lower = _table(1, 50, 200, 1.0, [["效益指标", "社会效益", "满意度", "90%", "95%", "40", "38"],
                                      ["总分", "", "", "", "", "100", "98"]])
    page = PageReading(Page(1, 595, 842, "image"), (upper, lower), _mini_pages(upper)[0].lines)
    (form,), errors = split_forms([page], layouts)
    assert errors == [] and form.tables == (upper, lower)


def test_a_row_read_under_a_table_the_form_runs_on_from_marks_its_rows_incomplete() -> None:
    """A faded copy's last row before a page break, its bottom ruling lost, is read as a
    line under the grid: the rows after it may hold its place, so they and the record
    say rows may be missing. A narrow footer there, or the same line on the closing
    page, says nothing."""
    from extractor.layout.choose import map_form
    from extractor.models import PageReading, Record, TextLine
    from extractor.record import Flag
    from extractor.split import split_forms

    layouts = load_layouts(ROOT / "tests" / "data")
    first = _table(1, 50, 100, 1.0, [*MINI_TOP, ["产出指标", "数量指标", "培训人次", "50", "62", "30", "30"]])
    rest = _table(2, 92, 60, 0.9, [["效益指标", "社会效益", "满意度", "90%", "95%", "40", "38"],
                                    ["总分", "", "", "", "", "100", "98"]])
    lost = TextLine("产出指标 质量指标 合格率 100% 100% 30 30", (40, 181, 420, 199))
    footer = TextLine("第1页", (280, 190, 310, 199))

    def read(lines: tuple[TextLine, ...]) -> Record:
        one, two = _mini_pages(first, rest)
        pages = [PageReading(one.page, one.tables, one.lines + lines), two]
        (form,), _errors = split_forms(pages, layouts)
        mapped = map_form(form, layouts, 0.5)
        assert isinstance(mapped, tuple)
        return mapped[1]

    record = read((lost,))
    assert Flag.ROWS_INCOMPLETE in record.flags
    assert [Flag.ROWS_INCOMPLETE in row["name"].flags for row in record.indicators] == [False, True]
    assert Flag.ROWS_INCOMPLETE in record.fields["total.weight"].flags
    for lines in ((), (footer,)):
        record = read(lines)
        assert Flag.ROWS_INCOMPLETE not in record.flags
        assert not any(Flag.ROWS_INCOMPLETE in f.flags for row in record.indicators for f in row.values())
