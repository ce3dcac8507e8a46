"""The report's charts: matplotlib (Agg) drawn once, at build time, to inline SVG.

Text is drawn as paths (`svg.fonttype: path`), so the SVG needs no font where it is
opened; Chinese labels need a CJK font where it is built: the first of CJK_FONTS
installed (scripts/setup.sh installs fonts-noto-cjk and fonts-wqy-zenhei) is used.
matplotlib is imported here only, and only when a report is built.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "Noto Serif CJK SC")
BAR_COLOUR = "#c0504d"
HIST_COLOUR = "#4f81bd"
MAX_BARS = 25  # the flagged-share chart shows the fields flagged most
WIDTH_IN = 7.5  # inches; at 72 points an inch the SVG is 540 pt wide


@lru_cache(maxsize=1)
def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [name for name in CJK_FONTS if name in installed]
    plt.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": [*cjk, "DejaVu Sans"],
        "svg.fonttype": "path",
        "svg.hashsalt": "form-extractor",  # the same input draws the same SVG
        "axes.unicode_minus": False,
        "font.size": 9,
    })
    return plt


def cjk_font() -> str | None:
    """The CJK font the charts use, or None (Chinese labels would then be boxes)."""
    fonts = _pyplot().rcParams["font.sans-serif"]
    return fonts[0] if fonts and fonts[0] in CJK_FONTS else None


def _svg(draw: Callable[[Any, Any], None], height_in: float) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height_in))
    try:
        draw(fig, ax)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    svg = buf.getvalue()
    return re.sub(r"^.*?(<svg)", r"\1", svg, count=1, flags=re.S)  # no XML prolog nor DOCTYPE


def flagged_share_svg(labels: Sequence[str], shares: Sequence[float], xlabel: str) -> str:
    """Horizontal bars: the share of each field's cells that are flagged, highest on top."""
    labels, shares = list(labels)[:MAX_BARS], list(shares)[:MAX_BARS]

    def draw(fig: Any, ax: Any) -> None:
        y = range(len(labels))
        ax.barh(list(y), [s * 100 for s in shares], color=BAR_COLOUR)
        ax.set_yticks(list(y), labels)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.set_xlim(0, max([*(s * 100 for s in shares), 1.0]) * 1.1)
        for i, s in enumerate(shares):
            ax.text(s * 100, i, f" {s:.0%}", va="center", fontsize=8)
        ax.spines[["top", "right"]].set_visible(False)

    return _svg(draw, 0.9 + 0.24 * max(len(labels), 1))


def confidence_histogram_svg(values: Sequence[float], xlabel: str, ylabel: str, bins: int) -> str:
    """How confident the readings were: cells per confidence bin (log scale: most are 1.0)."""

    def draw(fig: Any, ax: Any) -> None:
        ax.hist(list(values), bins=bins, range=(0.0, 1.0), color=HIST_COLOUR, edgecolor="white")
        if values:
            ax.set_yscale("log")
        ax.set_xlim(0, 1)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.spines[["top", "right"]].set_visible(False)

    return _svg(draw, 2.8)
