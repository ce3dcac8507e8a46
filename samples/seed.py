"""Parse a plain-text seed dump of a 项目支出绩效自评表 annex into ground truth.

The dump format (samples/seeds/README.md): a line without a leading TAB outside a
table is a paragraph (annex heading, title, year line); blocks separated by
blank lines are table rows; each line starting with a TAB is one cell; a line
without a TAB inside a row continues the previous cell (a wrapped line).

The parse is structural: rows are recognised by their labels (项目名称, the
项目资金 header, 年度总体目标, the 绩效指标 header, 总分), never by position.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import extractor.record as _record

SEED = Path(__file__).resolve().parent / "seeds" / "annex2-2022.txt"  # the public annex (seeds/README.md)
# the standard form's names are the extractor's (extractor/record.py)
FUND_ROWS = _record.FUND_ROWS
FUND_COLS = _record.FUND_COLUMNS
INDICATOR_KEYS: tuple[str, ...] = tuple(c.value for c in _record.IndicatorColumn)
FIELD_NAMES: tuple[str, ...] = _record.STANDARD_FIELDS

_PAIR_LABELS = {
    "项目名称": "project_name",
    "主管部门": "department",
    "实施单位": "implementing_unit",
    "项目负责人": "project_lead",
    "联系电话": "phone",
}
_FUND_COL_LABELS = {
    "年初预算数": "budget_initial",
    "全年预算数": "budget_full_year",
    "全年执行数": "executed",
    "分值": "weight",
    "执行率": "execution_rate",
    "得分": "score",
}
_FUND_ROW_LABELS = (
    ("年度资金总额", "total"),
    ("财政拨款", "fiscal"),
    ("上年结转", "carryover"),
    ("其他资金", "other"),
)
_INDICATOR_LABELS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "年度指标值": "target",
    "实际完成值": "actual",
    "分值": "weight",
    "得分": "score",
    "偏差原因分析及改进措施": "deviation",
}
_YEAR_LINE = re.compile(r"^[（(]\s*\d{4}\s*年度?\s*[)）]$")

Row = list[str]


class SeedError(ValueError):
    """The seed does not have the structure of a 项目支出绩效自评表 annex."""


@dataclass
class Form:
    title: str
    year_line: str
    fields: dict[str, str]
    indicators: list[dict[str, str]]
    merges: dict[str, list[list[int]]]


@dataclass
class Annex:
    seed: str
    heading: str
    forms: list[Form] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"


def squash(text: str) -> str:
    """A label with all whitespace removed, for matching."""
    return re.sub(r"\s+", "", text)


def clean_cell(raw: str) -> str:
    """Strip a cell; a cell that is only whitespace (e.g. "　") becomes ""."""
    return raw.strip()


# --- text -> blocks ---------------------------------------------------------


def text_to_blocks(text: str) -> list[str | Row]:
    """Paragraphs (str) and table rows (list of raw cell texts), in order."""
    blocks: list[str | Row] = []
    row: Row | None = None
    for line in text.splitlines():
        if line == "":
            if row is not None:
                blocks.append(row)
            row = None
        elif line.startswith("\t"):
            row = [] if row is None else row
            row.append(line[1:])
        elif row is not None and row:
            row[-1] += "\n" + line
        else:
            blocks.append(line.strip())
    if row is not None:
        blocks.append(row)
    return [b if isinstance(b, str) else [clean_cell(c) for c in b] for b in blocks]


def blocks_to_groups(blocks: list[str | Row]) -> list[tuple[list[str], list[Row]]]:
    """(paragraphs before a table, the table's rows) for every table."""
    groups: list[tuple[list[str], list[Row]]] = []
    paras: list[str] = []
    rows: list[Row] = []
    for block in blocks:
        if isinstance(block, str):
            if rows:
                groups.append((paras, rows))
                paras, rows = [], []
            if block:
                paras.append(block)
        else:
            rows.append(block)
    if rows:
        groups.append((paras, rows))
    return groups


# --- one table -> one form ---------------------------------------------------


def _kind(row: Row) -> str:
    first = squash(row[0]) if row else ""
    if first in _PAIR_LABELS:
        return "pair"
    if first.startswith("项目资金"):
        return "funds"
    if first == "年度总体目标":
        return "goal"
    if first == "绩效指标":
        return "indicators"
    if first == "总分":
        return "total"
    return "data"


def join_split_rows(rows: list[Row], width: int) -> list[Row]:
    """Re-join a row the dump broke in two (a stray blank line inside a row)."""
    out: list[Row] = []
    for row in rows:
        if out and len(out[-1]) < width and len(out[-1]) + len(row) <= width:
            out[-1] = out[-1] + row
        else:
            out.append(list(row))
    return out


def _sections(rows: list[Row]) -> list[tuple[Row, list[Row]]]:
    """Each labelled row with the unlabelled data rows that follow it."""
    sections: list[tuple[Row, list[Row]]] = []
    for row in rows:
        if _kind(row) == "data":
            if not sections:
                raise SeedError(f"table starts with an unlabelled row: {row!r}")
            sections[-1][1].append(row)
        else:
            sections.append((row, []))
    return sections


def pairs_to_fields(row: Row) -> dict[str, str]:
    fields: dict[str, str] = {}
    for i in range(0, len(row) - 1, 2):
        key = _PAIR_LABELS.get(squash(row[i]))
        if key is None:
            raise SeedError(f"unknown label {row[i]!r} in {row!r}")
        fields[key] = row[i + 1]
    return fields


def _fund_row_key(label: str) -> str:
    flat = squash(label)
    for needle, key in _FUND_ROW_LABELS:
        if needle in flat:
            return key
    raise SeedError(f"unknown 项目资金 row label {label!r}")


def funds_to_fields(header: Row, data: list[Row]) -> dict[str, str]:
    columns = {i: _FUND_COL_LABELS[squash(h)] for i, h in enumerate(header) if squash(h) in _FUND_COL_LABELS}
    if sorted(columns.values()) != sorted(FUND_COLS):
        raise SeedError(f"项目资金 header lacks columns: {header!r}")
    fields: dict[str, str] = {}
    for row in join_split_rows(data, len(header)):
        label = next((c for c in row if c), "")
        key = _fund_row_key(label)
        for i, col in columns.items():
            fields[f"funds.{key}.{col}"] = row[i] if i < len(row) else ""
    return fields


def goal_to_fields(header: Row, data: list[Row]) -> dict[str, str]:
    if len(data) != 1:
        raise SeedError(f"年度总体目标 block has {len(data)} text rows")
    texts = data[0][-2:]
    index = {squash(h): i for i, h in enumerate(header[-2:])}
    return {
        "goal.expected": texts[index.get("预期目标", 0)],
        "goal.actual": texts[index.get("实际完成情况", 1)],
    }


def total_to_fields(row: Row) -> dict[str, str]:
    return {"total.weight": row[1] if len(row) > 1 else "", "total.score": row[2] if len(row) > 2 else ""}


def rows_to_indicators(header: Row, data: list[Row]) -> list[dict[str, str]]:
    columns = {
        i: _INDICATOR_LABELS[squash(h)] for i, h in enumerate(header) if squash(h) in _INDICATOR_LABELS
    }
    if sorted(columns.values()) != sorted(INDICATOR_KEYS):
        raise SeedError(f"绩效指标 header lacks columns: {header!r}")
    out = []
    for row in join_split_rows(data, len(header)):
        out.append({key: (row[i] if i < len(row) else "") for i, key in sorted(columns.items())})
    return [{k: ind[k] for k in INDICATOR_KEYS} for ind in out]


def fill_merged(indicators: list[dict[str, str]]) -> dict[str, list[list[int]]]:
    """Repeat merged 一级/二级 texts down (in place) and return their row spans.

    An empty 一级指标 cell continues the one above. An empty 二级指标 cell
    continues the one above unless a new 一级指标 starts on that row.
    """
    spans: dict[str, list[list[int]]] = {"level1": [], "level2": []}
    for i, ind in enumerate(indicators):
        new_l1 = bool(ind["level1"]) or i == 0
        if new_l1:
            spans["level1"].append([i, i + 1])
        else:
            spans["level1"][-1][1] = i + 1
            ind["level1"] = indicators[i - 1]["level1"]
        if new_l1 or ind["level2"]:
            spans["level2"].append([i, i + 1])
        else:
            spans["level2"][-1][1] = i + 1
            ind["level2"] = indicators[i - 1]["level2"]
    return spans


def table_to_form(paras: list[str], rows: list[Row]) -> Form:
    year_idx = next((i for i in range(len(paras) - 1, -1, -1) if _YEAR_LINE.match(paras[i])), None)
    if year_idx is None or year_idx == 0:
        raise SeedError(f"no title and year line above the table: {paras!r}")
    fields = {name: "" for name in FIELD_NAMES}
    fields["year"] = paras[year_idx]
    indicators: list[dict[str, str]] = []
    for head, data in _sections(rows):
        kind = _kind(head)
        if kind == "pair":
            fields.update(pairs_to_fields(head))
        elif kind == "funds":
            fields.update(funds_to_fields(head, data))
        elif kind == "goal":
            fields.update(goal_to_fields(head, data))
        elif kind == "indicators":
            indicators = rows_to_indicators(head, data)
        elif kind == "total":
            fields.update(total_to_fields(head))
    merges = fill_merged(indicators)
    return Form(paras[year_idx - 1], paras[year_idx], fields, indicators, merges)


def parse_seed(path: str | Path) -> Annex:
    path = Path(path)
    groups = blocks_to_groups(text_to_blocks(path.read_text(encoding="utf-8")))
    if not groups:
        raise SeedError(f"{path}: no table found")
    first_paras = groups[0][0]
    heading = "\n".join(first_paras[:-2]) if len(first_paras) > 2 else ""
    forms = [table_to_form(paras, rows) for paras, rows in groups]
    return Annex(seed=path.name, heading=heading, forms=forms)
