"""Template variants of 项目支出绩效自评表: hand-written truth -> PDF + expected records.

    python -m samples.variants [--scans]

Each samples/truth/variants/<name>.json holds one variant: the layout id, a
`template` (the text lines above the table, the table as blocks of rows of
(merged) cells, the lines below it) and the `forms` (field texts and
indicator rows, as printed). A `mix` file instead lists forms of the other
files, interleaved into one annex. For every file this writes
samples/digital/variant-<name>.pdf (reportlab: stroked rulings, embedded
CJK font, wrapping, row-spanning cells, tables broken across pages between
rows) and samples/expected/variants/variant-<name>.json (the expected
document: each truth form typed and validated by its layout through
samples.expected.truth_to_record). With --scans, typical-level scans of
the first `scan_forms` forms (default 1) of each PDF go to samples/scans/variant-<name>-typical.pdf
(samples.scan_sim), listed in samples/scans/variants-manifest.json.

Template blocks: {"x": [per-mille column boundaries], "lead": text spanning
the block's rows in the first column, "rows": [[cell, ...], ...],
"each": [cell, ...] (one row per indicator), "merge": [keys whose equal
neighbours merge], "cols": [matrix columns: "{funds.total.*}" is one cell per
column], "keep": true (no page break before this block)}. A cell is a text or
{"t": text, "span": columns, "rows": rows, "align": "left"}; `{key}` in a
text is the form's field (or the indicator row's column).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.pdfgen.canvas import Canvas

from extractor.config import PROJECT_ROOT
from extractor.emit import record_to_dict, write_json
from extractor.ingest import sha256_file
from extractor.layout.spec import LayoutSpec, load_layout
from samples.expected import truth_to_record
from samples.form_grid import FormGrid, GridCell
from samples.render_pdf import FONT_NAME, Style, draw_centered, draw_rows, register_font, row_heights

SAMPLES = Path(__file__).resolve().parent
TRUTH = SAMPLES / "truth" / "variants"
DIGITAL = SAMPLES / "digital"
EXPECTED = SAMPLES / "expected" / "variants"
SCANS = SAMPLES / "scans"
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


# --- truth ----------------------------------------------------------------------


def load_variant(path: Path) -> dict[str, Any]:
    """A variant file with its forms expanded: compact funds rows and indicator lists become
    the field keys and row dicts of the record format."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if "mix" in data:
        return data
    cols, ind_cols = data.get("funds_cols", []), data["indicator_cols"]
    for form in data["forms"]:
        for row, values in form.pop("funds", {}).items():
            form["fields"].update({f"funds.{row}.{c}": v for c, v in zip(cols, values, strict=True)})
        form["indicators"] = [dict(zip(ind_cols, r, strict=True)) for r in form["indicators"]]
    return data


def fill(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


# --- the table as a grid of merged cells --------------------------------------------


@dataclass
class _Grid:
    cells: list[GridCell] = field(default_factory=list)
    n_rows: int = 0
    keep: set[int] = field(default_factory=set)  # rows that may not start a page (a kept block)


def _cell(spec: Any) -> dict[str, Any]:
    return {"t": spec} if isinstance(spec, str) else dict(spec)


def _expand(row: list[Any], cols: list[str]) -> list[Any]:
    out: list[Any] = []
    for spec in row:
        m = re.fullmatch(r"\{([^{}]+)\.\*\}", spec) if isinstance(spec, str) else None
        out += [f"{{{m.group(1)}.{c}}}" for c in cols] if m else [spec]
    return out


def _merged_runs(rows: list[dict[str, str]], keys: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Runs of equal neighbours per key; a key's run also ends where an earlier key's does."""
    runs: dict[str, list[tuple[int, int]]] = {}
    bounds: set[int] = {0, len(rows)}
    for key in keys:
        starts = sorted(
            bounds | {i for i in range(1, len(rows)) if rows[i][key] != rows[i - 1][key]}
        )
        runs[key] = list(itertools.pairwise(starts))
        bounds |= set(starts)
    return runs


def _place_rows(
    grid: _Grid, xs: list[int], rows: list[list[dict[str, Any]]], taken: set[tuple[int, int]]
) -> None:
    """Put rows of cells on the grid, skipping slots that a cell from above still spans."""
    for r, row in enumerate(rows):
        slot = 0
        for cell in row:
            while (r, slot) in taken:
                slot += 1
            span, down = int(cell.get("span", 1)), int(cell.get("rows", 1))
            for dr in range(down):
                taken.update((r + dr, slot + k) for k in range(span))
            x0, x1 = xs[slot], xs[slot + span]
            align = cell.get("align", "center")
            grid.cells.append(GridCell(grid.n_rows + r, x0, x1, cell["t"], down, align))
            slot += span
    grid.n_rows += len(rows)


def block_rows(block: dict[str, Any], form: dict[str, Any]) -> list[list[dict[str, Any]]]:
    values = form["fields"]
    cols = block.get("cols", [])
    rows = [
        [{**_cell(c), "t": fill(_cell(c)["t"], values)} for c in _expand(r, cols)]
        for r in block.get("rows", [])
    ]
    if "each" in block:
        inds = form["indicators"]
        runs = _merged_runs(inds, block.get("merge", []))
        starts = {k: {a: b - a for a, b in v} for k, v in runs.items()}
        for i, ind in enumerate(inds):
            row = []
            for spec in block["each"]:
                cell = _cell(spec)
                key = _PLACEHOLDER.fullmatch(cell["t"])
                merged = key and key.group(1) in starts
                if merged and i not in starts[key.group(1)]:  # type: ignore[union-attr]
                    continue  # covered by the merged cell above
                if merged:
                    cell["rows"] = starts[key.group(1)][i]  # type: ignore[union-attr]
                row.append({**cell, "t": fill(cell["t"], {**values, **ind})})
            rows.append(row)
    return rows


def form_grid(template: dict[str, Any], form: dict[str, Any]) -> tuple[FormGrid, set[int]]:
    grid = _Grid()
    for block in template["table"]:
        rows = block_rows(block, form)
        xs = block["x"]
        taken: set[tuple[int, int]] = set()
        if "lead" in block:
            grid.cells.append(GridCell(grid.n_rows, xs[0], xs[1], block["lead"], len(rows)))
            taken = {(r, 0) for r in range(len(rows))}
        if block.get("keep"):
            grid.keep.update(range(grid.n_rows, grid.n_rows + len(rows)))
        _place_rows(grid, xs, rows, taken)
    return FormGrid(tuple(grid.cells), grid.n_rows, {}), grid.keep


# --- drawing ----------------------------------------------------------------------


@dataclass
class _Page:
    canvas: Canvas
    style: Style
    number: int = 1
    y: float = 0.0  # distance from the page top already used

    def new(self) -> None:
        self.canvas.showPage()
        self.number += 1
        self.y = self.style.margin_top

    @property
    def room(self) -> float:
        return self.style.page_h - self.style.margin_bottom - self.y


def line_height(line: dict[str, Any]) -> float:
    return float(line.get("size", 12)) * 1.6


def draw_line(page: _Page, line: dict[str, Any], text: str) -> None:
    size, st = float(line.get("size", 12)), page.style
    base = st.page_h - page.y - size * 1.2
    if line.get("align") == "left":
        page.canvas.setFont(FONT_NAME, size)
        page.canvas.drawString(st.margin_left, base, text)
    else:
        draw_centered(page.canvas, text, base, size, st, bool(line.get("bold")))
    page.y += line_height(line)


def draw_table(page: _Page, grid: FormGrid, keep: set[int], below: float) -> None:
    """Rows top down, a new page when the next row (and what must stay with it) does not fit."""
    heights = row_heights(grid, page.style)
    start, last = 0, grid.n_rows - 1
    while start < grid.n_rows:
        end, used = start, 0.0
        while end < grid.n_rows and used + heights[end] + (below if end == last else 0) <= page.room:
            used += heights[end]
            end += 1
        while start < end < grid.n_rows and end in keep:
            end -= 1  # a kept block moves with the row before it
            used -= heights[end]
        if end == start:
            if page.y > page.style.margin_top + 1:
                page.new()
                continue
            end, used = start + 1, heights[start]
        top = page.style.page_h - page.y
        edges = [top]
        for r in range(start, end):
            edges.append(edges[-1] - heights[r])
        draw_rows(page.canvas, grid, range(start, end), edges, page.style)
        page.y += used
        start = end
        if start < grid.n_rows:
            page.new()


def draw_form(page: _Page, template: dict[str, Any], form: dict[str, Any], flow: bool) -> list[int]:
    grid, keep = form_grid(template, form)
    heights = row_heights(grid, page.style)
    above = template.get("above", [])
    below = template.get("below", [])
    need = sum(line_height(ln) for ln in above) + sum(heights[:4])
    at_top = page.y <= page.style.margin_top + 1
    if not at_top and (not flow or need > page.room):
        page.new()
    first = page.number
    for ln in above:
        draw_line(page, ln, fill(ln["text"], form["fields"]))
    page.y += 4
    below_h = sum(line_height(ln) for ln in below) + 8
    draw_table(page, grid, keep, below_h)
    page.y += 8
    for ln in below:
        draw_line(page, ln, fill(ln["text"], form["fields"]))
    page.y += 18
    return list(range(first, page.number + 1))


def render(path: Path, items: list[tuple[dict[str, Any], dict[str, Any]]], flow: bool) -> list[list[int]]:
    """(template, form) pairs into one PDF; returns each form's 1-based pages."""
    register_font()
    style = Style()
    path.parent.mkdir(parents=True, exist_ok=True)
    canvas = Canvas(str(path), pagesize=(style.page_w, style.page_h), invariant=1, pageCompression=1)
    canvas.setCreator("samples.variants")
    page = _Page(canvas, style, y=style.margin_top)
    pages = [draw_form(page, template, form, flow) for template, form in items]
    canvas.showPage()
    canvas.save()
    return pages


# --- expected records ----------------------------------------------------------


def expected_document(
    pdf: Path, forms: list[tuple[LayoutSpec, dict[str, Any]]], pages: list[list[int]], n_pages: int
) -> dict[str, Any]:
    return {
        "source": {
            "path": str(pdf.relative_to(PROJECT_ROOT)),
            "sha256": sha256_file(pdf),
            "pages": n_pages,
            "kind": "born_digital",
        },
        "records": [
            record_to_dict(truth_to_record(spec, form, p))
            for (spec, form), p in zip(forms, pages, strict=True)
        ],
        "errors": [],
    }


Item = tuple[dict[str, Any], dict[str, Any], str]  # template, form, layout id


def variant_items(name: str, variants: dict[str, dict[str, Any]]) -> list[Item]:
    data = variants[name]
    if "mix" in data:
        return [variant_items(src, variants)[i] for src, i in data["mix"]]
    return [(data["template"], form, data["layout"]) for form in data["forms"]]


def make(name: str, variants: dict[str, dict[str, Any]], layouts_dir: Path) -> dict[str, Any]:
    items = variant_items(name, variants)
    pdf = DIGITAL / f"variant-{name}.pdf"
    pages = render(pdf, [(t, f) for t, f, _ in items], bool(variants[name].get("flow")))
    import pypdfium2 as pdfium

    n_pages = len(pdfium.PdfDocument(str(pdf)))
    specs = {lid: load_layout(layouts_dir / f"{lid}.yaml") for lid in {lid for _, _, lid in items}}
    doc = expected_document(pdf, [(specs[lid], f) for _, f, lid in items], pages, n_pages)
    write_json(doc, EXPECTED / f"variant-{name}.json")
    return doc


def make_scan(name: str, doc: dict[str, Any], n_forms: int = 2) -> dict[str, Any]:
    """A typical-level scan (samples.scan_sim) of the pages of a variant's first forms;
    returns its manifest entry: the pages, and which expected records it holds whole."""
    from samples.scan_sim import scanned_pages, write_pdf

    last = max(p for r in doc["records"][:n_forms] for p in r["pages"])
    pages = list(range(1, last + 1))
    out = SCANS / f"variant-{name}-typical.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_pdf(out, scanned_pages(DIGITAL / f"variant-{name}.pdf", pages, "typical", f"variant-{name}"))
    held = [i for i, r in enumerate(doc["records"]) if set(r["pages"]) <= set(pages)]
    return {
        "file": str(out.relative_to(SAMPLES)),
        "source": f"digital/variant-{name}.pdf",
        "expected": f"expected/variants/variant-{name}.json",
        "level": "typical",
        "pages": pages,
        "records": held,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", action="store_true", help="also write typical-level scans")
    parser.add_argument("--layouts", type=Path, default=PROJECT_ROOT / "layouts")
    args = parser.parse_args(argv)
    variants = {p.stem: load_variant(p) for p in sorted(TRUTH.glob("*.json"))}
    scans = []
    for name in variants:
        doc = make(name, variants, args.layouts)
        flagged = sum(bool(r["flags"]) for r in doc["records"])
        pages, forms = doc["source"]["pages"], len(doc["records"])
        print(f"variant-{name}: {pages} pages, {forms} forms, {flagged} flagged")
        n_scan = int(variants[name].get("scan_forms", 1))  # 0: no scan
        if args.scans and n_scan:
            scans.append(make_scan(name, doc, n_scan))
            print(f"  {scans[-1]['file']}: pages {scans[-1]['pages']}")
    if scans:
        (SCANS / "variants-manifest.json").write_text(json.dumps(scans, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
