"""Record-format documents -> an XLSX people can work in (docs/export.md).

Sheets: one per layout (a row per record), 绩效指标 (a row per indicator row,
keyed by its record), 待核查 (a row per flag) and 文件汇总 (a row per
document). Amounts, rates and scores are numbers with number formats; the
printed text is a comment where it is more than the number. Each header is
two rows: the form's label, then the record key under it. Flagged cells are
filled (READING_FILL or RULE_FILL) with a comment giving their flags and
confidence; cells a reviewer decided are REVIEWED_FILL.

    cells.py     one record CELL -> one worksheet cell (number, format, fill, comment)
    tables.py    documents -> the sheets' rows (labels from the layout specs)
    workbook.py  the sheets -> the file through XlsxWriter (headers, widths, frozen panes, filters)
"""

from extractor.sheets.cells import READING_DOUBTS, READING_FILL, REVIEWED_FILL, RULE_FILL
from extractor.sheets.tables import SHEET_FLAGS, SHEET_INDICATORS, SHEET_SUMMARY
from extractor.sheets.workbook import write_xlsx

__all__ = [
    "READING_DOUBTS", "READING_FILL", "REVIEWED_FILL", "RULE_FILL", "SHEET_FLAGS",
    "SHEET_INDICATORS", "SHEET_SUMMARY", "write_xlsx",
]  # fmt: skip
