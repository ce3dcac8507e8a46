"""The common field names of the shipped layouts, by printed label, for drafting a layout.

A draft names a field, a funds row, a funds column or an indicator column by the name
the shipped layouts give the same label (so a batch mixing templates exports column by
column), then by ALIASES: wordings met on real forms for those same names. A label found
in neither gets a slug (draft.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractor.layout.labels import label_key
from extractor.layout.spec import LayoutSpec
from extractor.models import Cell

Named = tuple[str, str]  # (common name, type)

# Other wordings of the common names (label -> name, type), kept apart from any layout so
# that a draft from a form of a new template still finds them.
ALIASES: dict[str, dict[str, Named]] = {
    "fields": {
        "项目年度目标": ("goal.expected", "text"),
        "年度目标完成情况": ("goal.actual", "text"),
        "项目负责人": ("project_lead", "name"),
        "联系电话": ("phone", "phone"),
    },
    "rows": {
        "总额": ("total", ""),
        "资金总额": ("total", ""),
        "年度资金总额": ("total", ""),
        "财政资金": ("fiscal", ""),
        "财政拨款": ("fiscal", ""),
        "当年财政拨款": ("fiscal", ""),
        "本年财政拨款": ("fiscal", ""),
        "上年结转资金": ("carryover", ""),
        "上年结转": ("carryover", ""),
        "其他资金": ("other", ""),
    },
    "columns": {
        "年初预算": ("budget_initial", "amount"),
        "年初预算数": ("budget_initial", "amount"),
        "全年预算数": ("budget_full_year", "amount"),
        "调整预算数": ("budget_full_year", "amount"),
        "调整后预算数": ("budget_full_year", "amount"),
        "全年执行数": ("executed", "amount"),
        "预算执行数": ("executed", "amount"),
        "执行数": ("executed", "amount"),
        "执行率": ("execution_rate", "percent"),
        "预算执行率": ("execution_rate", "percent"),
        "分值": ("weight", "score"),
        "权重": ("weight", "score"),
        "得分": ("score", "score"),
    },
    "indicators": {
        "一级指标": ("level1", "text"),
        "二级指标": ("level2", "text"),
        "三级指标": ("name", "text"),
        "年度指标值": ("target", "measure"),
        "指标值": ("target", "measure"),
        "实际完成值": ("actual", "measure"),
        "全年实际值": ("actual", "measure"),
        "完成值": ("actual", "measure"),
        "分值": ("weight", "score"),
        "权重": ("weight", "score"),
        "得分": ("score", "score"),
        "偏差原因分析及改进措施": ("deviation", "text"),
        "偏差原因分析": ("deviation", "text"),
    },
}
# Labels printed before a colon in a signature line under the table.
SIGNATURE_LABELS = (
    "项目负责人",
    "财务负责人",
    "单位负责人",
    "填报人",
    "联系人",
    "联系电话",
    "审核人",
    "填报日期",
)
_LINE_LABEL = re.compile(r"^\^?([^\W\d_]{2,12}):")


@dataclass
class Vocabulary:
    """label key -> (common name, type), per kind: fields, rows, columns, indicators."""

    names: dict[str, dict[str, Named]] = field(default_factory=dict)
    titles: tuple[str, ...] = ()  # the plain-text titles of the shipped layouts
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # indicator column -> values
    # indicator column -> the column its values sit under, and (value, entry there) pairs
    groups: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=dict)

    def name(self, kind: str, text: str) -> Named | None:
        table = self.names.get(kind, {})
        key = label_key(text)
        return table.get(key) or table.get(key.removeprefix("其中"))


def vocabulary(layouts: list[LayoutSpec]) -> Vocabulary:
    """The shipped layouts' names first, then ALIASES."""
    names: dict[str, dict[str, Named]] = {k: {} for k in ALIASES}
    values: dict[str, tuple[str, ...]] = {}
    groups: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    for spec in layouts:
        for f in spec.fields:
            for lb in f.labels or _line_label(f.line_pattern):
                names["fields"].setdefault(label_key(lb), (f.key, f.type))
        for m in spec.matrices:
            if m.columns_from:
                continue
            for row, labels in m.rows:
                for lb in labels:
                    names["rows"].setdefault(label_key(lb), (row, ""))
            for c in m.columns:
                for lb in c.labels:
                    names["columns"].setdefault(label_key(lb), (c.key, c.type))
        for c in spec.indicators.columns if spec.indicators else ():
            for lb in c.labels:
                names["indicators"].setdefault(label_key(lb), (c.key, c.type))
            if c.values:
                values.setdefault(c.key, c.values)
            if c.within:
                groups.setdefault(c.key, (c.within, c.parents))
    for kind, table in ALIASES.items():
        for lb, named in table.items():
            names[kind].setdefault(label_key(lb), named)
    titles = tuple(t for s in layouts for t in s.titles if re.fullmatch(r"\w+", t))
    return Vocabulary(names, titles, values, groups)


def _line_label(pattern: str | None) -> tuple[str, ...]:
    m = _LINE_LABEL.match(pattern or "")
    return (m.group(1),) if m else ()


@dataclass
class Item:
    """One named thing of the draft: a field, a matrix row or column, an indicator column."""

    key: str
    label: str  # as printed, whitespace removed
    type: str = "text"
    common: bool = True  # named by the vocabulary (else a slug: the label goes in a comment)
    value: str = "right"
    line: str | None = None
    lines: str = "above"
    values: tuple[str, ...] = ()  # an indicator column's closed vocabulary (layout/closed.py)
    within: str | None = None  # ... the column its values sit under, and how (spec.ColumnSpec)
    parents: tuple[tuple[str, str], ...] = ()


def printed(cell_or_text: Cell | str) -> str:
    text = cell_or_text if isinstance(cell_or_text, str) else cell_or_text.text
    return re.sub(r"\s+", "", text)


class Names:
    """Hands out field names: the common name once, else a stable slug."""

    def __init__(self, vocab: Vocabulary):
        self.vocab, self.used = vocab, set()  # type: ignore[var-annotated]

    def item(self, kind: str, label: str, slug: str, default_type: str = "text") -> Item:
        named = self.vocab.name(kind, label)
        if named and named[0] not in self.used:
            self.used.add(named[0])
            if kind != "indicators":
                return Item(named[0], printed(label), named[1] or default_type)
            within, parents = self.vocab.groups.get(named[0], (None, ()))
            return Item(named[0], printed(label), named[1] or default_type,
                        values=self.vocab.values.get(named[0], ()), within=within, parents=parents)
        key = slug
        while key in self.used:
            key += "_"
        self.used.add(key)
        return Item(key, printed(label), default_type, common=False)
