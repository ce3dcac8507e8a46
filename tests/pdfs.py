"""Small PDFs made on the fly for tests (reportlab, the CJK font of fonts-wqy-zenhei)."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT = "WQY"
PAGE_W, PAGE_H = A4

Row = list[tuple[str, float]]  # (text, width in points); "" for an empty cell


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_FILE, subfontIndex=0))
    return FONT


def draw_table(c: Canvas, top: float, rows: list[Row], left: float = 60, height: float = 22) -> float:
    """Rows of cells, each row its own widths (like Word); returns the bottom y (top-left origin)."""
    c.setFont(_font(), 10)
    y = PAGE_H - top
    for row in rows:
        x = left
        for text, width in row:
            c.rect(x, y - height, width, height)
            if text:
                c.drawString(x + 3, y - height + 7, text)
            x += width
        y -= height
    return PAGE_H - y


def make_pdf(path: Path, pages: list[list[tuple[str, object]]]) -> Path:
    """Each page a list of ("line", text) and ("table", rows) items, top to bottom."""
    c = Canvas(str(path), pagesize=A4, invariant=1)
    for items in pages:
        top = 60.0
        for kind, what in items:
            if kind == "line":
                c.setFont(_font(), 14)
                c.drawCentredString(PAGE_W / 2, PAGE_H - top - 14, str(what))
                top += 26
            else:
                top = draw_table(c, top, what) + 12  # type: ignore[arg-type]
        c.showPage()
    c.save()
    return path


OTHER_TABLE: list[Row] = [
    [("序号", 60), ("单位名称", 200), ("金额（万元）", 120)],
    [("1", 60), ("某某单位", 200), ("12.5", 120)],
    [("2", 60), ("另一单位", 200), ("7.0", 120)],
]
