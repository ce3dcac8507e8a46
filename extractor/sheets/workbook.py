"""The sheets -> the file: two header rows, frozen panes, an autofilter, widths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from extractor.layout.spec import LayoutSpec
from extractor.sheets.cells import Out, display_width
from extractor.sheets.tables import (
    Table,
    flags_table,
    indicators_table,
    records_tables,
    summary_table,
)

HEADER_ROWS = 2  # the form's label, then the record key
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
LABEL_FONT = Font(bold=True)
KEY_FONT = Font(color="595959", size=9)
LINK_FONT = Font(color="0563C1", underline="single")
WIDTH_MIN, WIDTH_MAX = 6, 40  # characters; a long goal text is cut in view, not in the cell
COMMENT_AUTHOR = "extractor"


def write_table(ws: Worksheet, table: Table) -> None:
    widths = [max(display_width(c.label), display_width(c.key)) for c in table.columns]
    for j, col in enumerate(table.columns, start=1):
        for r, text, font in ((1, col.label, LABEL_FONT), (2, col.key, KEY_FONT)):
            c = ws.cell(r, j, text)
            c.font, c.fill = font, HEADER_FILL
    for i, row in enumerate(table.rows, start=HEADER_ROWS + 1):
        for j, out in enumerate(row, start=1):
            if (out.value is not None and out.value != "") or out.fill or out.comment:
                put(ws, i, j, out)
                if widths[j - 1] < WIDTH_MAX:
                    widths[j - 1] = max(widths[j - 1], display_width(out.value, WIDTH_MAX))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(WIDTH_MAX, max(WIDTH_MIN, w + 2))
    ws.freeze_panes = ws.cell(HEADER_ROWS + 1, table.frozen + 1)
    last = get_column_letter(len(table.columns))
    ws.auto_filter.ref = f"A{HEADER_ROWS}:{last}{HEADER_ROWS + max(1, len(table.rows))}"


def put(ws: Worksheet, i: int, j: int, out: Out) -> None:
    c = ws.cell(i, j, out.value)
    if isinstance(out.value, str) and out.value.startswith("="):
        c.data_type = "s"  # printed text, never a formula
    if out.fmt:
        c.number_format = out.fmt
    if out.fill:
        c.fill = out.fill
    if out.comment:
        lines = out.comment.split("\n")
        c.comment = Comment(
            out.comment, COMMENT_AUTHOR, height=18 * len(lines) + 12,
            width=max(160, 7 * max(display_width(ln) for ln in lines)),
        )
    if out.link:
        c.hyperlink, c.font = out.link, LINK_FONT


def layout_index(layouts: Iterable[LayoutSpec] | Mapping[str, LayoutSpec] | None) -> dict[str, LayoutSpec]:
    if layouts is None:
        from extractor.config import load_settings
        from extractor.layout.spec import load_layouts

        layouts = load_layouts(load_settings().layouts_dir)
    return dict(layouts) if isinstance(layouts, Mapping) else {s.id: s for s in layouts}


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
    specs = layout_index(layouts)
    tables = [
        *records_tables(documents, specs, review_url),
        indicators_table(documents, specs),
        flags_table(documents, specs, review_url),
        summary_table(documents, review_url),
    ]
    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        write_table(wb.create_sheet(table.title), table)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
