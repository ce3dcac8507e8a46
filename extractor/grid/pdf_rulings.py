"""The text path: a PDF page's ruling lines -> tables; its chars -> cell text and lines."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from extractor.grid.build import Segment, TableIndex, segments_to_tables
from extractor.models import BBox, Cell, Page, PageReading, Table, TextLine
from extractor.record import Flag

MIN_EDGE = 2.0  # points; shorter strokes are glyph decorations, not rulings
STRAY_CONFIDENCE = 0.5  # a cell that took a char printed across its border


def edges_to_segments(edges: list[dict[str, Any]]) -> list[Segment]:
    segments = []
    for e in edges:
        if e["orientation"] == "h" and e["x1"] - e["x0"] >= MIN_EDGE:
            segments.append(Segment(True, float(e["top"]), float(e["x0"]), float(e["x1"])))
        elif e["orientation"] == "v" and e["bottom"] - e["top"] >= MIN_EDGE:
            segments.append(Segment(False, float(e["x0"]), float(e["top"]), float(e["bottom"])))
    return segments


def read_text_page(pdf_page: Any, page: Page) -> PageReading:
    """The reference text reader (pdfminer through pdfplumber)."""
    tables = segments_to_tables(edges_to_segments(pdf_page.edges), page.number)
    return fill_tables(page, tables, pdf_page.chars, "pdfplumber")


def fill_tables(
    page: Page, tables: list[Table], chars: list[dict[str, Any]], engine: str
) -> PageReading:
    """Put each char into the cell holding its centre; the rest become text lines.

    A char inside a table but in no cell (a grid the rulings do not close) joins
    the nearest cell, which is then flagged: nothing printed is dropped.
    """
    in_cells: dict[tuple[int, int], list[dict[str, Any]]] = {}
    outside: list[dict[str, Any]] = []
    stray: set[tuple[int, int]] = set()
    indexes = [TableIndex(t) for t in tables]
    for ch in _visible_chars(chars):
        x = (ch["x0"] + ch["x1"]) / 2
        y = (ch["top"] + ch["bottom"]) / 2
        ti = next((i for i, ix in enumerate(indexes) if ix.contains(x, y)), None)
        if ti is None:
            outside.append(ch)
            continue
        ci = indexes[ti].find(x, y)
        if ci is None:
            ci = _nearest_cell(tables[ti], x, y)
            stray.add((ti, ci))
        in_cells.setdefault((ti, ci), []).append(ch)
    filled = tuple(_with_text(t, ti, in_cells, stray) for ti, t in enumerate(tables))
    lines = tuple(TextLine(text, bbox) for text, bbox in chars_to_lines(outside))
    return PageReading(page, filled, lines, len(stray), engine)


def _nearest_cell(table: Table, x: float, y: float) -> int:
    def distance(c: Cell) -> float:
        x0, y0, x1, y1 = c.bbox
        return max(x0 - x, 0, x - x1) + max(y0 - y, 0, y - y1)

    return min(range(len(table.cells)), key=lambda i: distance(table.cells[i]))


def _visible_chars(chars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Non-blank chars, without the overprinted duplicates some producers use for bold."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for ch in chars:
        if not ch["text"].strip():
            continue
        key = (ch["text"], round(ch["x0"]), round(ch["top"]))
        if key in seen:
            continue
        seen.add(key)
        out.append(ch)
    return out


def _with_text(
    table: Table,
    ti: int,
    in_cells: dict[tuple[int, int], list[dict[str, Any]]],
    stray: set[tuple[int, int]],
) -> Table:
    cells = []
    for ci, cell in enumerate(table.cells):
        text = "\n".join(t for t, _ in chars_to_lines(in_cells.get((ti, ci), [])))
        unsure = (ti, ci) in stray
        cells.append(
            replace(
                cell,
                text=text,
                confidence=STRAY_CONFIDENCE if unsure else 1.0,
                flags=(Flag.LOW_CONFIDENCE,) if unsure else (),
            )
        )
    return replace(table, cells=tuple(cells))


def chars_to_lines(chars: list[dict[str, Any]]) -> list[tuple[str, BBox]]:
    """Group chars into lines (top to bottom), each line's chars left to right."""
    if not chars:
        return []
    ordered = sorted(chars, key=lambda c: (c["top"] + c["bottom"]) / 2)
    lines: list[list[dict[str, Any]]] = []
    for ch in ordered:
        mid = (ch["top"] + ch["bottom"]) / 2
        if lines:
            last = lines[-1]
            ref = sum((c["top"] + c["bottom"]) / 2 for c in last) / len(last)
            height = max(c["bottom"] - c["top"] for c in last)
            if abs(mid - ref) <= height * 0.5:
                last.append(ch)
                continue
        lines.append([ch])
    out = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        text = _join_line(line)
        bbox = (
            min(c["x0"] for c in line),
            min(c["top"] for c in line),
            max(c["x1"] for c in line),
            max(c["bottom"] for c in line),
        )
        out.append((text, bbox))
    return out


def _join_line(line: list[dict[str, Any]]) -> str:
    """Chars to text, restoring a space where a wide gap separates two Latin words."""
    parts = [line[0]["text"]]
    for prev, ch in itertools.pairwise(line):
        gap = ch["x0"] - prev["x1"]
        size = max(prev.get("size", 10.0), 1.0)
        if gap > size * 0.3 and prev["text"].isascii() and ch["text"].isascii():
            parts.append(" ")
        parts.append(ch["text"])
    return "".join(parts)
