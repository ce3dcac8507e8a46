"""The table of one 项目支出绩效自评表 as a grid of (merged) cells, for both renderers.

Rows are logical table rows, top to bottom; x positions are in per-mille of
the table width. Each block of the form has its own column boundaries, as in
the Word original (they need not line up between blocks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from samples.seed import FUND_COLS, FUND_ROWS, INDICATOR_KEYS, Form

Align = Literal["left", "center"]

# column boundaries (per mille of the table width) of each block
PAIR_X = (0, 150, 500, 650, 1000)
FUND_X = (0, 105, 275, 410, 545, 680, 770, 910, 1000)
GOAL_X = (0, 140, 570, 1000)
IND_X = (0, 45, 145, 260, 445, 545, 645, 715, 785, 1000)
TOTAL_X = (0, IND_X[6], IND_X[7], IND_X[8], 1000)

FUND_HEADERS = ("年初预\n算数", "全年预\n算数", "全年\n执行数", "分值", "执行率", "得分")
FUND_LABELS = {
    "total": "年度资金总额",
    "fiscal": "其中：当年财政\n拨款",
    "carryover": "上年结转资金",
    "other": "其他资金",
}
IND_HEADERS = (
    "一级指标",
    "二级指标",
    "三级指标",
    "年度\n指标值",
    "实际\n完成值",
    "分值",
    "得分",
    "偏差原因分析及改进\n措施",
)
VERTICAL_LABEL = "绩\n效\n指\n标"


@dataclass(frozen=True)
class GridCell:
    row: int
    x0: int
    x1: int
    text: str = ""
    row_span: int = 1
    align: Align = "center"


@dataclass(frozen=True)
class FormGrid:
    cells: tuple[GridCell, ...]
    n_rows: int
    block_starts: dict[str, int]  # first row of each block, by name

    def x_bounds(self) -> tuple[int, ...]:
        """Every column boundary used by any cell, left to right (a Word tblGrid)."""
        return tuple(sorted({c.x0 for c in self.cells} | {c.x1 for c in self.cells}))


def _row(row: int, xs: tuple[int, ...], texts: tuple[str, ...]) -> list[GridCell]:
    return [GridCell(row, xs[i], xs[i + 1], t) for i, t in enumerate(texts)]


def header_cells(form: Form) -> list[GridCell]:
    f = form.fields
    return [
        GridCell(0, 0, PAIR_X[1], "项目名称"),
        GridCell(0, PAIR_X[1], 1000, f["project_name"]),
        *_row(1, PAIR_X, ("主管部门", f["department"], "实施单位", f["implementing_unit"])),
        *_row(2, PAIR_X, ("项目负责人", f["project_lead"], "联系电话", f["phone"])),
    ]


def funds_cells(form: Form, top: int) -> list[GridCell]:
    cells = [
        GridCell(top, 0, FUND_X[1], "项目资金\n（万元）", row_span=1 + len(FUND_ROWS)),
        *_row(top, FUND_X[1:], ("", *FUND_HEADERS)),
    ]
    for i, key in enumerate(FUND_ROWS, start=1):
        values = tuple(form.fields[f"funds.{key}.{col}"] for col in FUND_COLS)
        cells += _row(top + i, FUND_X[1:], (FUND_LABELS[key], *values))
    return cells


def goal_cells(form: Form, top: int) -> list[GridCell]:
    f = form.fields
    return [
        GridCell(top, 0, GOAL_X[1], "年度总体目标", row_span=2),
        *_row(top, GOAL_X[1:], ("预期目标", "实际完成情况")),
        GridCell(top + 1, GOAL_X[1], GOAL_X[2], f["goal.expected"], align="left"),
        GridCell(top + 1, GOAL_X[2], GOAL_X[3], f["goal.actual"], align="left"),
    ]


def indicator_cells(form: Form, top: int) -> list[GridCell]:
    n = len(form.indicators)
    cells = [
        GridCell(top, 0, IND_X[1], VERTICAL_LABEL, row_span=1 + n),
        *_row(top, IND_X[1:], IND_HEADERS),
    ]
    for col, key in enumerate(INDICATOR_KEYS[:2], start=1):
        for first, end in form.merges[key]:
            text = form.indicators[first][key]
            cells.append(GridCell(top + 1 + first, IND_X[col], IND_X[col + 1], text, end - first))
    for i, ind in enumerate(form.indicators):
        texts = tuple(ind[k] for k in INDICATOR_KEYS[2:])
        cells += _row(top + 1 + i, IND_X[3:], texts)
    return cells


def total_cells(form: Form, row: int) -> list[GridCell]:
    f = form.fields
    return _row(row, TOTAL_X, ("总分", f["total.weight"], f["total.score"], ""))


def form_to_grid(form: Form) -> FormGrid:
    starts = {"header": 0, "funds": 3}
    starts["goal"] = starts["funds"] + 1 + len(FUND_ROWS)
    starts["indicators"] = starts["goal"] + 2
    starts["total"] = starts["indicators"] + 1 + len(form.indicators)
    cells = (
        header_cells(form)
        + funds_cells(form, starts["funds"])
        + goal_cells(form, starts["goal"])
        + indicator_cells(form, starts["indicators"])
        + total_cells(form, starts["total"])
    )
    return FormGrid(tuple(cells), starts["total"] + 1, starts)
