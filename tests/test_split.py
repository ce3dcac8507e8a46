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


def _table(page: int, x0: float, y0: float, scale: float, rows: list[list[str]]):
    """A grid of cells at (x0, y0), its columns at the same shares of its width whatever
    the scale (a sheet fed at another offset and scale)."""
    from extractor.models import Cell, Table

    shares = [0.0, 0.12, 0.26, 0.5, 0.64, 0.78, 0.89, 1.0]
    xs = [x0 + s * 500 * scale for s in shares]
    h = 20 * scale
    cells = [
        Cell((xs[c], y0 + r * h, xs[c + 1], y0 + (r + 1) * h), r, c, text=t)
        for r, row in enumerate(rows) for c, t in enumerate(row)
    ]
    ys = [y0 + r * h for r in range(len(rows) + 1)]
    return Table(page, (xs[0], y0, xs[-1], ys[-1]), tuple(cells), tuple(ys), tuple(xs))


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
    other = _table(2, 92, 60, 0.96, [["a", "b", "c", "d", "e", "f", "g"]])
    other = other.__class__(2, other.bbox, other.cells, other.row_edges,
                            tuple(x + 13 for x in other.col_edges[:-1]) + other.col_edges[-1:])
    pages[1] = PageReading(Page(2, 595, 842, "image"), (other,), ())
    _forms, errors = split_forms(pages, layouts)
    assert [e.code for e in errors] == ["page_not_a_form", "form_incomplete"]
