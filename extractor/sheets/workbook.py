"""The sheets -> the file: two header rows, frozen panes, an autofilter, widths.

Written with XlsxWriter, in memory (no temporary file per part); a format is
made once per (number format, fill, link) and shared by the cells that use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from extractor.layout.spec import LayoutSpec
from extractor.sheets.cells import Out, display_width
from extractor.sheets.tables import (
    Table,
    batch_records,
    flags_table,
    indicators_table,
    records_tables,
    summary_table,
)

HEADER_ROWS = 2  # the form's label, then the record key
HEADER_FILL = "D9D9D9"
LABEL_STYLE = {"bold": True}
KEY_STYLE = {"font_color": "#595959", "font_size": 9}
LINK_STYLE = {"font_color": "#0563C1", "underline": 1}
WIDTH_MIN, WIDTH_MAX = 6, 40  # characters; a long goal text is cut in view, not in the cell
COMMENT_AUTHOR = "extractor"
OPTIONS = {  # every text is written as text: never a formula, a URL or a number
    "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
    "strings_to_numbers": False, "nan_inf_to_errors": True,
}  # fmt: skip


class Formats:
    """The workbook's cell formats, each made once."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self.made: dict[tuple[str | None, str | None, bool], Format | None] = {}
        self.label = wb.add_format({**LABEL_STYLE, "pattern": 1, "bg_color": "#" + HEADER_FILL})
        self.key = wb.add_format({**KEY_STYLE, "pattern": 1, "bg_color": "#" + HEADER_FILL})

    def of(self, out: Out) -> Format | None:
        key = (out.fmt, out.fill, out.link is not None)
        if key not in self.made:
            spec: dict[str, Any] = {**LINK_STYLE} if out.link is not None else {}
            if out.fmt:
                spec["num_format"] = out.fmt
            if out.fill:
                spec.update(pattern=1, bg_color="#" + out.fill)
            self.made[key] = self.wb.add_format(spec) if spec else None
        return self.made[key]


def write_table(ws: Worksheet, table: Table, formats: Formats) -> None:
    widths = [max(display_width(c.label), display_width(c.key)) for c in table.columns]
    known: dict[str, int] = {}  # a text's width: texts repeat (the seed batch: 7,500 texts, 600 distinct)
    for j, col in enumerate(table.columns):
        ws.write_string(0, j, col.label, formats.label)
        ws.write_string(1, j, col.key, formats.key)
    for i, row in enumerate(table.rows, start=HEADER_ROWS):
        for j, out in enumerate(row):
            if (out.value is None or out.value == "") and not out.fill and not out.comment:
                continue
            put(ws, i, j, out, formats.of(out) if out.fmt or out.fill or out.link else None)
            if widths[j] < WIDTH_MAX:
                widths[j] = max(widths[j], _width(out.value, known))
    for j, w in enumerate(widths):
        ws.set_column(j, j, min(WIDTH_MAX, max(WIDTH_MIN, w + 2)))
    ws.freeze_panes(HEADER_ROWS, table.frozen)
    ws.autofilter(HEADER_ROWS - 1, 0, HEADER_ROWS - 1 + max(1, len(table.rows)), len(table.columns) - 1)


def _width(v: Any, known: dict[str, int]) -> int:
    if not isinstance(v, str):
        return display_width(v, WIDTH_MAX)
    if v not in known:
        known[v] = display_width(v, WIDTH_MAX)
    return known[v]


def put(ws: Worksheet, i: int, j: int, out: Out, fmt: Format | None) -> None:
    v = out.value
    if not (out.link and write_link(ws, i, j, out.link, fmt, "" if v is None else str(v))):
        if isinstance(v, str):
            if v:
                ws.write_string(i, j, v, fmt)
            else:
                ws.write_blank(i, j, None, fmt)
        elif isinstance(v, bool):
            ws.write_boolean(i, j, v, fmt)
        elif isinstance(v, int | float):
            ws.write_number(i, j, v, fmt)
        elif v is None:
            ws.write_blank(i, j, None, fmt)
        else:
            ws.write_string(i, j, str(v), fmt)
    if out.comment:
        lines = out.comment.split("\n")
        ws.write_comment(i, j, out.comment, {
            "author": COMMENT_AUTHOR, "height": 18 * len(lines) + 12,
            "width": max(160, 7 * max(display_width(ln) for ln in lines)),
        })  # fmt: skip


def write_link(ws: Worksheet, i: int, j: int, url: str, fmt: Format | None, text: str) -> bool:
    """Whether the cell got its link: XlsxWriter refuses a URL without a scheme (ValueError) and
    skips one beyond Excel's limits (2,079 characters, 65,530 links a sheet); the text stays."""
    try:
        return ws.write_url(i, j, url, fmt, text) == 0
    except ValueError:
        return False


def layout_index(layouts: Iterable[LayoutSpec] | Mapping[str, LayoutSpec] | None) -> dict[str, LayoutSpec]:
    if layouts is None:
        from extractor.config import load_settings
        from extractor.layout.spec import load_layouts

        layouts = load_layouts(load_settings().layouts_dir)
    return dict(layouts) if isinstance(layouts, Mapping) else {s.id: s for s in layouts}


def batch_tables(
    documents: list[dict[str, Any]], specs: Mapping[str, LayoutSpec], url: str | None
) -> list[Table]:
    """Every sheet's rows: a sheet per layout, then 绩效指标, 待核查 and 文件汇总."""
    entries = batch_records(documents)
    return [
        *records_tables(entries, specs, url),
        indicators_table(entries, specs),
        flags_table(entries, specs, url),
        summary_table(documents, entries, url),
    ]


def write_xlsx(
    documents: list[dict[str, Any]],
    path: Path,
    review_url: str | None = None,
    layouts: Iterable[LayoutSpec] | Mapping[str, LayoutSpec] | None = None,
) -> Path:
    """The batch's workbook at `path` (written to a .tmp beside it, then renamed).

    `documents` are record-format dicts (emit.document_to_dict, or the service's
    export with reviewed records in place); `layouts` default to the settings'
    layouts_dir; with `review_url`, each record links to its review page.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tables = batch_tables(documents, layout_index(layouts), review_url)
    wb = xlsxwriter.Workbook(str(tmp), OPTIONS)
    formats = Formats(wb)
    titles: set[str] = set()
    for table in tables:
        write_table(wb.add_worksheet(sheet_title(table.title, titles)), table, formats)
    wb.close()
    tmp.replace(path)
    return path


def sheet_title(title: str, taken: set[str]) -> str:
    """A title Excel takes (no []:*?/\\, not quoted, at most 31 characters), unique in `taken`
    ignoring case (layouts whose ids share their first 31 characters)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", title)
    while len(base.encode("utf-16-le")) > 62:  # Excel counts UTF-16 units
        base = base[:-1]
    base = base.strip("'") or "sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[: 30 - len(str(n))]}~{n}"
    taken.add(name.lower())
    return name
