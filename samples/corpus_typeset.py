"""Re-typeset the born-digital sample forms with other CJK and Latin faces (scan corpus).

The annex (samples/render_pdf.py) and the template variants (samples/variants.py)
are drawn with reportlab in WenQuanYi Zen Hei. For the scan corpus
(samples/scan_corpus.py) the same forms are drawn again in a Song, Ming, Kai or
Hei face with a separate Latin face for digits and ASCII, and with other type
sizes, paddings, row heights and ruling widths (thin as WPS prints a table,
thick as Excel's "all borders, thick" does). The texts are unchanged, so the
expected records of samples/expected/ still hold; only the pages move.

The two renderers are reused as they are: for the time of one render their
module-level font name, per-character font choice and page style are swapped
(`_swapped`). A character the CJK face lacks falls to the Latin face, then to
Zen Hei, then to DejaVu Sans, so no glyph is ever missing from a page.

There is no Fangsong face here: the one Debian packages (fonts-cwtex-fs) covers
Big5 only and lacks about 300 of the simplified characters of the forms. Nor is
Droid Sans Fallback: it has no ASCII, and the title and year lines are drawn in
the CJK face alone (their digits would be blank).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from samples import render_pdf, variants
from samples.render_pdf import Style

TT = Path("/usr/share/fonts/truetype")
ZENHEI = (TT / "wqy/wqy-zenhei.ttc", 0)
DEJAVU = (TT / "dejavu/DejaVuSans.ttf", 0)

# name -> (CJK face file, subfont), the Debian package that has it, style family
CJK_FACES: dict[str, tuple[Path, int, str, str]] = {
    "sungti": (TT / "arphic-gbsn00lp/gbsn00lp.ttf", 0, "fonts-arphic-gbsn00lp", "song"),
    "uming": (TT / "arphic/uming.ttc", 0, "fonts-arphic-uming", "ming"),
    "kaiti": (TT / "arphic-gkai00mp/gkai00mp.ttf", 0, "fonts-arphic-gkai00mp", "kai"),
    "ukai": (TT / "arphic/ukai.ttc", 0, "fonts-arphic-ukai", "kai"),
    "wenkai": (TT / "lxgw-wenkai/LXGWWenKai-Regular.ttf", 0, "fonts-lxgw-wenkai", "kai"),
    "microhei": (TT / "wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei", "hei"),
    "zenhei": (ZENHEI[0], 0, "fonts-wqy-zenhei", "hei"),
}
LATIN_FACES: dict[str, tuple[Path, str]] = {
    "liberation-serif": (TT / "liberation2/LiberationSerif-Regular.ttf", "fonts-liberation2"),
    "liberation-sans": (TT / "liberation2/LiberationSans-Regular.ttf", "fonts-liberation2"),
    "liberation-mono": (TT / "liberation2/LiberationMono-Regular.ttf", "fonts-liberation2"),
    "dejavu-serif": (TT / "dejavu/DejaVuSerif.ttf", "fonts-dejavu-core"),
    "dejavu-sans": (DEJAVU[0], "fonts-dejavu-core"),
}


@dataclass(frozen=True)
class Typeset:
    """One way of printing the forms: faces, sizes, padding, rulings (points)."""

    cjk: str
    latin: str
    body_size: float = 10.0
    pad: float = 3.0
    min_row: float = 19.0
    line_width: float = 0.6

    @property
    def key(self) -> str:
        return (f"{self.cjk}-{self.latin}-{self.body_size:g}-{self.pad:g}-"
                f"{self.min_row:g}-{self.line_width:g}")

    @property
    def family(self) -> str:
        return CJK_FACES[self.cjk][3]

    def style(self) -> Style:
        return replace(Style(), body_size=self.body_size, leading=self.body_size * 1.3,
                       pad_x=self.pad, pad_y=self.pad, min_row=self.min_row,
                       line_width=self.line_width)


def available(face: str) -> bool:
    return CJK_FACES[face][0].is_file()


def _register(name: str, path: Path, index: int = 0) -> str:
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
    return name


def _chooser(cjk: str, latin: str) -> Any:
    """Per character: Latin face for ASCII, else the CJK face, else Zen Hei, else DejaVu."""
    chain = [pdfmetrics.getFont(n) for n in (cjk, latin, "CorpusZenHei", "CorpusDejaVu")]

    def font_for(ch: str) -> str:
        if ord(ch) < 128 and ord(ch) in chain[1].face.charToGlyph:
            return str(chain[1].fontName)
        for font in (chain[0], chain[2], chain[3]):
            if ord(ch) in font.face.charToGlyph:
                return str(font.fontName)
        return str(chain[3].fontName)

    return font_for


@contextlib.contextmanager
def _swapped(ts: Typeset) -> Iterator[Style]:
    """Swap the renderers' font name, font chooser and style for one render."""
    path, index, _, _ = CJK_FACES[ts.cjk]
    cjk = _register(f"Corpus-{ts.cjk}", path, index)
    latin = _register(f"Corpus-{ts.latin}", LATIN_FACES[ts.latin][0])
    _register("CorpusZenHei", *ZENHEI)
    _register("CorpusDejaVu", *DEJAVU)
    render_pdf.register_font()  # the originals, so that restoring them is safe
    saved = (render_pdf.FONT_NAME, render_pdf._font_for, variants.FONT_NAME, variants.Style)
    style = ts.style()
    render_pdf.FONT_NAME = variants.FONT_NAME = cjk
    render_pdf._font_for = _chooser(cjk, latin)
    variants.Style = lambda: style  # type: ignore[assignment,misc]
    try:
        yield style
    finally:
        render_pdf.FONT_NAME, render_pdf._font_for, variants.FONT_NAME = saved[:3]
        variants.Style = saved[3]  # type: ignore[misc]


def typeset_annex(ts: Typeset, out: Path) -> list[list[int]]:
    """The seed annex drawn in `ts` to `out`; each form's 1-based pages."""
    from samples.seed import SEED, parse_seed

    annex = parse_seed(SEED)
    with _swapped(ts) as style:
        rendered = render_pdf.render_pdf(annex, out, style)
    return rendered.form_pages


def typeset_variant(name: str, ts: Typeset, out: Path) -> list[list[int]]:
    """The template variant `name` (samples/truth/variants/<name>.json) drawn in `ts`."""
    loaded = {p.stem: variants.load_variant(p) for p in sorted(variants.TRUTH.glob("*.json"))}
    items = variants.variant_items(name, loaded)
    with _swapped(ts):
        return variants.render(out, [(t, f) for t, f, _ in items], bool(loaded[name].get("flow")))
