"""Draw an annex of 项目支出绩效自评表 straight to PDF with reportlab.

Every border is a stroked line (real ruling lines), the CJK font is embedded
(a TrueType face: reportlab cannot embed the CFF-flavoured Noto CJK), each
form starts on a new page and a table that does not fit continues on the
next page, breaking only between rows.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from samples.form_grid import FormGrid, GridCell, form_to_grid
from samples.seed import Annex, Form

FONT_NAME = "WQYZenHei"
FALLBACK_NAME = "DejaVuSans"
FALLBACK_FILE = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # fonts-dejavu-core
FONT_FILE = "wqy-zenhei.ttc"
FONT_PACKAGE = "fonts-wqy-zenhei"

NO_LINE_START = set("，。、；：？！）》」』’”%…,.;:?!)]")
NO_LINE_END = set("（《「『‘“([")
_TOKEN = re.compile(r"[A-Za-z0-9.%/\-:]+|.", re.S)


@dataclass(frozen=True)
class Style:
    """Page geometry and type sizes, in points."""

    page_w: float = A4[0]
    page_h: float = A4[1]
    margin_left: float = 62.0
    margin_right: float = 56.0
    margin_top: float = 64.0
    margin_bottom: float = 60.0
    body_size: float = 10.0
    leading: float = 13.0
    pad_x: float = 3.0
    pad_y: float = 3.0
    min_row: float = 19.0
    heading_size: float = 14.0
    title_size: float = 18.0
    year_size: float = 12.0
    line_width: float = 0.6

    @property
    def table_w(self) -> float:
        return self.page_w - self.margin_left - self.margin_right


@dataclass
class Rendered:
    """Bookkeeping of a render: 1-based pages of every form."""

    form_pages: list[list[int]] = field(default_factory=list)
    n_pages: int = 0


class FontMissingError(RuntimeError):
    pass


def find_cjk_font() -> Path:
    """The TrueType WenQuanYi Zen Hei collection, located with fc-list."""
    try:
        out = subprocess.run(
            ["fc-list", "-f", "%{file}\n"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        out = ""
    paths = [Path(p) for p in out.splitlines() if p.endswith(FONT_FILE)]
    paths.append(Path("/usr/share/fonts/truetype/wqy") / FONT_FILE)
    for path in paths:
        if path.is_file():
            return path
    raise FontMissingError(
        f"TrueType CJK font {FONT_FILE} not found; install the Debian package "
        f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE})"
    )


def register_font() -> str:
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(find_cjk_font()), subfontIndex=0))
        if Path(FALLBACK_FILE).is_file():
            pdfmetrics.registerFont(TTFont(FALLBACK_NAME, FALLBACK_FILE))
    return FONT_NAME


def _font_for(ch: str) -> str:
    """The CJK font, or the fallback for a char it has no glyph for (wqy lacks U+2022 •)."""
    font = pdfmetrics.getFont(FONT_NAME)
    if ord(ch) in font.face.charToGlyph or FALLBACK_NAME not in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    return FALLBACK_NAME


def _runs(text: str) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for ch in text:
        font = _font_for(ch)
        if runs and runs[-1][0] == font:
            runs[-1] = (font, runs[-1][1] + ch)
        else:
            runs.append((font, ch))
    return runs


def draw_runs(c: Canvas, x: float, y: float, text: str, size: float) -> None:
    for font, run in _runs(text):
        c.setFont(font, size)
        c.drawString(x, y, run)
        x += pdfmetrics.stringWidth(run, font, size)


# --- text wrapping -----------------------------------------------------------


def _width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in _runs(text))


def wrap_line(text: str, width: float, size: float) -> list[str]:
    """Greedy wrap of one paragraph: CJK breaks anywhere, ASCII runs stay whole
    when they fit, no line starts with closing punctuation."""
    lines: list[str] = []
    cur = ""
    for token in _TOKEN.findall(text):
        if _width(cur + token, size) <= width:
            cur += token
        elif token in NO_LINE_START and len(cur) > 1:
            lines.append(cur[:-1])
            cur = cur[-1] + token
        elif _width(token, size) > width or not cur:  # a run wider than the cell breaks anywhere
            for ch in token:
                if cur and _width(cur + ch, size) > width:
                    lines.append(cur)
                    cur = ""
                cur += ch
        else:
            if cur[-1] in NO_LINE_END:
                lines.append(cur[:-1])
                cur = cur[-1]
            else:
                lines.append(cur)
                cur = ""
            cur += token
    lines.append(cur)
    return lines


def wrap_text(text: str, width: float, size: float) -> list[str]:
    if not text:
        return []
    return [ln for para in text.split("\n") for ln in wrap_line(para, width, size)]


# --- layout: row heights and pages ------------------------------------------


def cell_x(cell: GridCell, style: Style) -> tuple[float, float]:
    w = style.table_w
    return style.margin_left + w * cell.x0 / 1000, style.margin_left + w * cell.x1 / 1000


def cell_lines(cell: GridCell, style: Style) -> list[str]:
    x0, x1 = cell_x(cell, style)
    return wrap_text(cell.text, x1 - x0 - 2 * style.pad_x, style.body_size)


def row_heights(grid: FormGrid, style: Style) -> list[float]:
    heights = [style.min_row] * grid.n_rows
    need = {c: len(cell_lines(c, style)) * style.leading + 2 * style.pad_y for c in grid.cells}
    for cell in grid.cells:
        if cell.row_span == 1:
            heights[cell.row] = max(heights[cell.row], need[cell])
    for cell in grid.cells:
        rows = range(cell.row, cell.row + cell.row_span)
        deficit = need[cell] - sum(heights[r] for r in rows)
        if cell.row_span > 1 and deficit > 0:
            heights[rows[-1]] += deficit
    return heights


def paginate(heights: list[float], first_room: float, room: float) -> list[range]:
    """Rows of each page: a row never splits; a new page when the next row does not fit."""
    pages: list[range] = []
    start, used, avail = 0, 0.0, first_room
    for i, h in enumerate(heights):
        if used + h > avail and i > start:
            pages.append(range(start, i))
            start, used, avail = i, 0.0, room
        used += h
    pages.append(range(start, len(heights)))
    return pages


# --- drawing -----------------------------------------------------------------


def draw_centered(c: Canvas, text: str, y: float, size: float, style: Style, bold: bool) -> None:
    t = c.beginText()
    t.setFont(FONT_NAME, size)
    if bold:
        c.setLineWidth(size / 30)
        t.setTextRenderMode(2)
    t.setTextOrigin((style.page_w - _width(text, size)) / 2, y)
    t.textOut(text)
    c.drawText(t)


def draw_title(c: Canvas, form: Form, heading: str, style: Style) -> float:
    """Annex heading (first page only), title and year line; returns the table top (y up)."""
    y = style.page_h - style.margin_top
    if heading:
        c.setFont(FONT_NAME, style.heading_size)
        c.drawString(style.margin_left, y - style.heading_size, heading)
        y -= style.heading_size * 2.2
    y -= style.title_size
    draw_centered(c, form.title, y, style.title_size, style, bold=True)
    y -= style.title_size * 0.6 + style.year_size * 1.2
    draw_centered(c, form.year_line, y, style.year_size, style, bold=False)
    return y - style.year_size


def draw_cell_text(c: Canvas, cell: GridCell, top: float, bottom: float, style: Style) -> None:
    lines = cell_lines(cell, style)
    x0, x1 = cell_x(cell, style)
    size = style.body_size
    y = top - (top - bottom - len(lines) * style.leading) / 2
    c.setFont(FONT_NAME, size)
    for line in lines:
        base = y - (style.leading - size) / 2 - size * 0.86
        if cell.align == "left":
            draw_runs(c, x0 + style.pad_x, base, line, size)
        else:
            draw_runs(c, (x0 + x1 - _width(line, size)) / 2, base, line, size)
        y -= style.leading


def draw_rows(c: Canvas, grid: FormGrid, rows: range, edges: list[float], style: Style) -> None:
    """Cells of one page; edges[i] is the y (up) of the top of row rows[0] + i."""
    c.setLineWidth(style.line_width)
    for cell in grid.cells:
        first = max(cell.row, rows.start)
        end = min(cell.row + cell.row_span, rows.stop)
        if first >= end:
            continue
        top, bottom = edges[first - rows.start], edges[end - rows.start]
        x0, x1 = cell_x(cell, style)
        for seg in (
            (x0, top, x1, top),
            (x0, bottom, x1, bottom),
            (x0, top, x0, bottom),
            (x1, top, x1, bottom),
        ):
            c.line(*seg)
        if cell.row == first:
            draw_cell_text(c, cell, top, bottom, style)


def draw_form(c: Canvas, form: Form, heading: str, style: Style, page_no: int) -> list[int]:
    grid = form_to_grid(form)
    heights = row_heights(grid, style)
    table_top = draw_title(c, form, heading, style)
    first_room = table_top - style.margin_bottom
    room = style.page_h - style.margin_top - style.margin_bottom
    pages = paginate(heights, first_room, room)
    for i, rows in enumerate(pages):
        if i:
            c.showPage()
            table_top = style.page_h - style.margin_top
        edges = [table_top]
        for r in rows:
            edges.append(edges[-1] - heights[r])
        draw_rows(c, grid, rows, edges, style)
    c.showPage()
    return list(range(page_no, page_no + len(pages)))


def render_pdf(annex: Annex, out: Path, style: Style | None = None) -> Rendered:
    style = style or Style()
    register_font()
    out.parent.mkdir(parents=True, exist_ok=True)
    c = Canvas(
        str(out),
        pagesize=(style.page_w, style.page_h),
        invariant=1,
        pageCompression=1,
        initialFontName=FONT_NAME,
        initialFontSize=style.body_size,
    )
    c.setTitle(annex.heading or "项目支出绩效自评表")
    c.setAuthor("")
    c.setCreator("samples.render_pdf")
    result = Rendered()
    for i, form in enumerate(annex.forms):
        pages = draw_form(c, form, annex.heading if i == 0 else "", style, result.n_pages + 1)
        result.form_pages.append(pages)
        result.n_pages += len(pages)
    c.save()
    return result
