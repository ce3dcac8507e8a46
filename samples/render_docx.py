"""Build an annex of 项目支出绩效自评表 as a Word document, then a PDF via LibreOffice.

One real Word table per form: merged cells are true merges (gridSpan /
vMerge via python-docx's cell.merge), rows are marked cantSplit so a row
never splits across pages, every form starts on a new page.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from samples.form_grid import FormGrid, GridCell, form_to_grid
from samples.seed import Annex, Form

BODY_FONTS = ("SimSun", "Noto Serif CJK SC", "Noto Sans CJK SC", "WenQuanYi Zen Hei")
TITLE_FONTS = ("SimHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei")
BODY_SIZE = Pt(10)
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)  # A4 portrait
MARGINS = {"top": Mm(22), "bottom": Mm(20), "left": Mm(22), "right": Mm(20)}
SOFFICE_TIMEOUT = 300
CELL_MARGIN_TWIPS = 57  # 0.1 cm left and right inside every cell


def pick_font(candidates: tuple[str, ...]) -> str:
    """The first candidate family fc-list knows (the last one if fc-list is missing)."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return candidates[-1]
    families = {name.strip() for line in out.splitlines() for name in line.split(",")}
    return next((c for c in candidates if c in families), candidates[-1])


def set_run_font(run_or_style: object, name: str, size: Pt | None = None, bold: bool = False) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = name
    font.bold = bold
    if size is not None:
        font.size = size
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def tight(paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> Paragraph:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.0
    paragraph.alignment = align
    return paragraph


def new_document(body_font: str) -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    for side, value in MARGINS.items():
        setattr(section, f"{side}_margin", value)
    normal = doc.styles["Normal"]
    set_run_font(normal, body_font, BODY_SIZE)
    return doc


def add_line(
    doc: DocxDocument, text: str, font: str, size: Pt, align: WD_ALIGN_PARAGRAPH, bold: bool = False
) -> Paragraph:
    p = tight(doc.add_paragraph(), align)
    p.paragraph_format.keep_with_next = True
    set_run_font(p.add_run(text), font, size, bold)
    return p


def add_title(doc: DocxDocument, form: Form, heading: str, fonts: tuple[str, str], first: bool) -> None:
    body_font, title_font = fonts
    if heading:
        add_line(doc, heading, title_font, Pt(14), WD_ALIGN_PARAGRAPH.LEFT)
        add_line(doc, "", body_font, Pt(10), WD_ALIGN_PARAGRAPH.LEFT)
    title = add_line(doc, form.title, title_font, Pt(18), WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    title.paragraph_format.page_break_before = not first
    add_line(doc, form.year_line, body_font, Pt(12), WD_ALIGN_PARAGRAPH.CENTER)
    add_line(doc, "", body_font, Pt(6), WD_ALIGN_PARAGRAPH.CENTER)


def _set(el: BaseOxmlElement, tag: str, before: tuple[str, ...] = (), **attrs: str) -> Any:
    """Get or add the child `tag` (inserted before the first of `before`, schema order)."""
    child = el.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        successor = next((s for s in (el.find(qn(t)) for t in before) if s is not None), None)
        if successor is None:
            el.append(child)
        else:
            successor.addprevious(child)
    for key, value in attrs.items():
        child.set(qn(f"w:{key}"), value)
    return child


def format_table(table: Table, widths: list[int]) -> None:
    """Fixed layout, explicit grid widths, rows that never split, a minimum row height."""
    table.style = "Table Grid"
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    _set(tbl_pr, "w:tblLayout", before=("w:tblCellMar", "w:tblLook"), type="fixed")
    margins = _set(tbl_pr, "w:tblCellMar", before=("w:tblLook",))
    for side in ("left", "right"):
        _set(margins, f"w:{side}", w=str(CELL_MARGIN_TWIPS), type="dxa")
    for col, width in zip(table.columns, widths, strict=True):
        col.width = width
    for row in table.rows:
        _set(row._tr.get_or_add_trPr(), "w:cantSplit")
        row.height = Mm(6.2)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def fill_cell(cell: _Cell, grid_cell: GridCell) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    align = WD_ALIGN_PARAGRAPH.LEFT if grid_cell.align == "left" else WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(grid_cell.text.split("\n")):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        tight(p, align)
        if line:
            p.add_run(line)


def add_form_table(doc: DocxDocument, grid: FormGrid, text_width: int) -> Table:
    bounds = grid.x_bounds()
    edges = [round(text_width * b / 1000) for b in bounds]
    widths = [b - a for a, b in itertools.pairwise(edges)]
    table = doc.add_table(rows=grid.n_rows, cols=len(widths))
    format_table(table, widths)
    for gc in grid.cells:
        c0, c1 = bounds.index(gc.x0), bounds.index(gc.x1) - 1
        cell = table.cell(gc.row, c0)
        if (gc.row_span, c1) != (1, c0):
            cell = cell.merge(table.cell(gc.row + gc.row_span - 1, c1))
        fill_cell(cell, gc)
    return table


def build_docx(annex: Annex, out: Path) -> Path:
    fonts = (pick_font(BODY_FONTS), pick_font(TITLE_FONTS))
    doc = new_document(fonts[0])
    text_width = PAGE_WIDTH - MARGINS["left"] - MARGINS["right"]
    for i, form in enumerate(annex.forms):
        add_title(doc, form, annex.heading if i == 0 else "", fonts, first=i == 0)
        add_form_table(doc, form_to_grid(form), text_width)
    add_line(doc, "", fonts[0], Pt(1), WD_ALIGN_PARAGRAPH.LEFT)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.core_properties.author = ""
    doc.core_properties.title = annex.heading
    doc.save(str(out))
    return out


def docx_to_pdf(docx: Path, outdir: Path, timeout: int = SOFFICE_TIMEOUT) -> Path:
    """Convert with a private LibreOffice profile (works as root and concurrently)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("soffice not found; install the Debian package libreoffice-writer-nogui")
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
        ]
        subprocess.run(cmd, check=True, timeout=timeout, capture_output=True)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = outdir / (docx.stem + ".pdf")
    if not pdf.is_file():
        raise RuntimeError(f"LibreOffice did not write {pdf}")
    return pdf


def render_word(annex: Annex, docx_path: Path) -> Path:
    """Write the .docx and the PDF LibreOffice makes of it, side by side."""
    build_docx(annex, docx_path)
    return docx_to_pdf(docx_path, docx_path.parent)
