"""A synthetic 项目支出绩效自评表 page for the scan-path tests (none of samples/' PDFs).

`seed_forms()` parses the seed, samples/seeds/annex2-2022.txt (rows separated
by blank lines, a TAB-led line per cell); `render_form_pdf()` draws one form
as a ruled table with reportlab and returns the truth: every cell's bbox in
PDF points, its fine grid position and spans, and its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from samples.seed import SEED

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT = "WQY"
PAGE_W, PAGE_H = 595.0, 842.0
LEFT, RIGHT = 40.0, 555.0
FONT_SIZE = 9.0
LINE_H = 11.5

# x extents of the blocks (points)
IND_X = [40, 70, 120, 180, 290, 345, 400, 435, 470, 555]  # 绩效指标 block columns
FUND_X = [40, 120, 235, 300, 360, 415, 460, 510, 555]  # 项目资金 block columns


@dataclass(frozen=True)
class TruthCell:
    bbox: tuple[float, float, float, float]
    text: str
    row_span: int = 1  # in drawn rows (not the fine grid)


def seed_forms(path: Path = SEED) -> list[list[list[str]]]:
    """Every form of the seed as rows of cell texts (continuation lines joined by \\n)."""
    forms: list[list[list[str]]] = []
    row: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() == "项目支出绩效自评表":
            forms.append([])
            row = None
        elif not forms:
            continue
        elif raw.startswith("\t"):
            if row is None:
                row = []
                forms[-1].append(row)
            row.append(raw[1:])
        elif raw.strip() == "":
            row = None
        elif row:
            row[-1] += "\n" + raw
    return forms


def _wrap(text: str, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out: list[str] = []
    for para in text.strip().split("\n"):
        line = ""
        for ch in para.strip():
            if stringWidth(line + ch, FONT, FONT_SIZE) > width - 6:
                out.append(line)
                line = ""
            line += ch
        out.append(line)
    return [ln for ln in out if ln] or [""]


def _layout_rows(rows: list[list[str]]) -> list[list[tuple[float, float, str]]]:
    """Each drawn row as (x0, x1, text) cells; "" at a merge position means 'merged above'."""
    out = []
    for cells in rows:
        n, first = len(cells), cells[0].replace("\n", "")
        if first == "项目名称":
            out.append([(40, 120, cells[0]), (120, 555, cells[1])])
        elif n == 4 and first in ("主管部门", "项目负责人"):
            xs = [40, 120, 290, 400, 555]
            out.append([(xs[i], xs[i + 1], cells[i]) for i in range(4)])
        elif n == 8:
            out.append([(FUND_X[i], FUND_X[i + 1], cells[i]) for i in range(8)])
        elif n == 3:
            out.append([(40, 120, cells[0]), (120, 345, cells[1]), (345, 555, cells[2])])
        elif n == 9:
            out.append([(IND_X[i], IND_X[i + 1], cells[i]) for i in range(9)])
        elif n == 4 and first == "总分":
            out.append([(40, 400, cells[0]), (400, 435, cells[1]), (435, 470, cells[2]),
                        (470, 555, cells[3])])
    return out


def _merges_up(cells: list[tuple[float, float, str]], i: int, prev_ok: bool) -> bool:
    """A blank first/second/third cell of a funds, goal or indicator row is merged above."""
    if not prev_ok or cells[i][2].strip():
        return False
    x0 = cells[i][0]
    return (len(cells) == 9 and x0 in (40, 70, 120)) or (len(cells) in (8, 3) and x0 == 40)


def render_form_pdf(rows: list[list[str]], out: Path, year: str = "（2022年度）") -> list[TruthCell]:
    """Draw one form on one A4 page; the truth cells in PDF points (origin top-left)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    laid = _layout_rows(rows)
    heights = [max(22.0, max(len(_wrap(t, x1 - x0)) for x0, x1, t in r) * LINE_H + 8) for r in laid]
    c = canvas.Canvas(str(out), pagesize=(PAGE_W, PAGE_H))
    c.setFont(FONT, 16)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 50, "项目支出绩效自评表")
    c.setFont(FONT, 11)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 72, year)
    top = 90.0
    ys = [top]
    for h in heights:
        ys.append(ys[-1] + h)
    truth: dict[tuple[float, int], TruthCell] = {}  # (x0, first row) -> cell
    open_at: dict[float, int] = {}
    for r, cells in enumerate(laid):
        prev_xs = {x0 for x0, _, _ in laid[r - 1]} if r else set()
        for i, (x0, x1, text) in enumerate(cells):
            if _merges_up(cells, i, x0 in prev_xs and x0 in open_at):
                start = open_at[x0]
                old = truth[(x0, start)]
                truth[(x0, start)] = TruthCell((x0, ys[start], x1, ys[r + 1]), old.text,
                                               old.row_span + 1)
                continue
            open_at[x0] = r
            truth[(x0, r)] = TruthCell((x0, ys[r], x1, ys[r + 1]), text)
        for x0 in list(open_at):
            if x0 not in {x for x, _, _ in cells}:
                del open_at[x0]
    c.setLineWidth(0.8)
    c.setFont(FONT, FONT_SIZE)
    for cell in truth.values():
        x0, y0, x1, y1 = cell.bbox
        c.rect(x0, PAGE_H - y1, x1 - x0, y1 - y0)
        lines = _wrap(cell.text, x1 - x0)
        ty = (y0 + y1) / 2 - (len(lines) * LINE_H) / 2 + FONT_SIZE
        for ln in lines:
            c.drawCentredString((x0 + x1) / 2, PAGE_H - ty, ln)
            ty += LINE_H
    c.showPage()
    c.save()
    return sorted(truth.values(), key=lambda t: (t.bbox[1], t.bbox[0]))
