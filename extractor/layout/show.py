"""A layout checked by eye: `extractor layouts show FILE --layout ID [--page N] [-o page.png]`.

The page image with every cell the layout maps outlined and labelled with its field
name and the value that would be emitted (green; orange when the cell is flagged), the
indicator rows (teal; their column names on the first row), the labels the layout looks
for (blue), and every inked cell that nothing reads (red, with a cross): a person sees at
a glance what a draft gets wrong. The labels drawn are field names and numbers, so no CJK
font is needed (DejaVu Sans when the system has it, else PIL's own font).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from extractor.config import Settings
from extractor.layout.labels import label_key
from extractor.layout.spec import LayoutSpec
from extractor.models import BBox, Field, FormInstance, Record

SHOW_DPI = 100  # enough to read the labels, small enough to mail
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "DejaVuSans.ttf")
GREEN, ORANGE, TEAL, BLUE, RED = (0, 150, 60), (230, 120, 0), (0, 140, 160), (40, 90, 220), (220, 30, 30)
EXIT_OK, EXIT_USAGE = 0, 2


@dataclass
class Marks:
    """What to draw on one page, in PDF points."""

    values: list[tuple[BBox, str, bool]] = field(default_factory=list)  # (box, caption, flagged)
    rows: list[tuple[BBox, str]] = field(default_factory=list)
    labels: list[BBox] = field(default_factory=list)
    unmapped: list[BBox] = field(default_factory=list)


def _caption(key: str, f: Field) -> str:
    value = f"={f.value:g}" if f.value is not None else ""
    flags = f" [{','.join(f.flags)}]" if f.flags else ""
    return f"{key}{value}{flags}"


def record_marks(form: FormInstance, record: Record, spec: LayoutSpec, page: int) -> Marks:
    marks = Marks()
    used: set[BBox] = set()
    for key, f in record.fields.items():
        if f.bbox is not None and f.page == page:
            marks.values.append((f.bbox, _caption(key, f), bool(f.flags)))
            used.add(f.bbox)
    for i, row in enumerate(record.indicators):
        for col, f in row.items():
            if f.bbox is None or f.page != page or f.bbox in used:
                continue
            used.add(f.bbox)
            if f.flags:
                marks.values.append((f.bbox, _caption(f"[{i}].{col}", f), True))
            else:
                value = f"={f.value:g}" if f.value is not None else ""
                marks.rows.append((f.bbox, f"{col}{value}" if i == 0 else value))
    keys = spec.label_keys
    for table in form.tables:
        if table.page != page:
            continue
        for cell in table.cells:
            if cell.bbox in used or not cell.text.strip():
                continue
            if label_key(cell.text) in keys:
                marks.labels.append(cell.bbox)
            else:
                marks.unmapped.append(cell.bbox)
    return marks


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for name in FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def draw_marks(image: Image.Image, marks: Marks, scale: float, title: str) -> Image.Image:
    out = image.convert("RGB")
    draw = ImageDraw.Draw(out)
    font = _font(max(8, round(5.5 * scale)))

    def box(b: BBox, pad: float = 0) -> tuple[float, float, float, float]:
        return (b[0] * scale + pad, b[1] * scale + pad, b[2] * scale - pad, b[3] * scale - pad)

    for b in marks.labels:
        draw.rectangle(box(b, 1), outline=BLUE, width=1)
    for b in marks.unmapped:
        x0, y0, x1, y1 = box(b, 2)
        draw.rectangle((x0, y0, x1, y1), outline=RED, width=2)
        draw.line((x0, y0, x1, y1), fill=RED, width=1)
        draw.line((x0, y1, x1, y0), fill=RED, width=1)
    for b, caption in marks.rows:
        draw.rectangle(box(b, 1), outline=TEAL, width=1)
        if caption:
            draw.text((b[0] * scale + 2, b[1] * scale + 1), caption, fill=TEAL, font=font)
    for b, caption, flagged in marks.values:
        colour = ORANGE if flagged else GREEN
        draw.rectangle(box(b, 1), outline=colour, width=2)
        draw.text((b[0] * scale + 3, b[1] * scale + 2), caption, fill=colour, font=font)
    draw.text((6, 4), title, fill=(0, 0, 0), font=_font(max(9, round(7 * scale))))
    return out


def show_page(
    path: Path, page: int, spec: LayoutSpec, settings: Settings, dpi: int = SHOW_DPI
) -> Image.Image:
    """The page with the marks of every form of `spec` on it (mapped as `extract` maps)."""
    from extractor import ingest
    from extractor.layout.choose import rank_layouts
    from extractor.layout.mapping import form_to_record
    from extractor.layout.rules import validate
    from extractor.layout.view import FormView
    from extractor.pipeline import read_document
    from extractor.split import split_forms

    _, readings, errors = read_document(path, settings)
    forms, _ = split_forms(readings, [spec])
    forms = [f for f in forms if page in f.pages]
    doc = ingest.open_document(path, settings)
    try:
        pixels, scale = ingest.page_image(doc, page, dpi)
    finally:
        doc.close()
    if not forms:
        reason = "; ".join(e.message for e in errors) or f"no form of {spec.id} on page {page}"
        return draw_marks(Image.fromarray(pixels), Marks(), scale, reason)
    marks, fits = Marks(), []
    for form in forms:
        view = FormView.of(form)
        fit = rank_layouts(view, [spec])[0][0]
        fits.append(f"{fit:.3f}")
        m = record_marks(form, validate(form_to_record(view, spec, fit), spec), spec, page)
        marks.values += m.values
        marks.rows += m.rows
        marks.labels += m.labels
        marks.unmapped += m.unmapped
    title = (
        f"{path.name} p{page}  layout {spec.id} fit {', '.join(fits)}:  {len(marks.values)} values (green),"
        f" {len(marks.labels)} labels (blue), {len(marks.unmapped)} unread (red)"
    )
    return draw_marks(Image.fromarray(pixels), marks, scale, title)


def find_layout(layout: str | None, settings: Settings) -> LayoutSpec:
    from extractor.errors import LayoutSpecError
    from extractor.layout.spec import load_layout, load_layouts

    if layout and layout.endswith((".yaml", ".yml")):
        return load_layout(Path(layout))
    specs = load_layouts(settings.layouts_dir)
    found = [s for s in specs if s.id == layout]
    if not found:
        known = ", ".join(s.id for s in specs)
        raise LayoutSpecError(str(settings.layouts_dir), "id", f"no layout {layout!r} (known: {known})")
    return found[0]


def show_command(path: Path, page: int, layout: str | None, output: str | None, settings: Settings) -> int:
    if not layout:
        print("extractor: layouts show needs --layout ID (or a YAML file)", file=sys.stderr)
        return EXIT_USAGE
    spec = find_layout(layout, settings)
    out = Path(output or f"{path.stem}-p{page}-{spec.id}.png")
    show_page(path, page, spec, settings).save(out)
    print(f"{out}: page {page} of {path} on layout {spec.id}", file=sys.stderr)
    return EXIT_OK
