"""The one data model that flows through the stages.

Geometry types (Page, Cell, Table, TextLine, PageReading, FormInstance) are
internal; Field, Record and DocumentResult are what gets emitted (see
record.py and docs/record-format.md). All coordinates are PDF points,
origin top-left of the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

BBox = tuple[float, float, float, float]
PageKind = Literal["text", "image"]
DocumentKind = Literal["born_digital", "scanned", "mixed"]


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    kind: PageKind


@dataclass(frozen=True)
class Cell:
    """One (possibly merged) table cell with the text read from it."""

    bbox: BBox
    row: int  # index into Table.row_edges: the cell spans rows [row, row + row_span)
    col: int
    row_span: int = 1
    col_span: int = 1
    text: str = ""
    confidence: float = 1.0
    flags: tuple[str, ...] = ()

    @property
    def x_mid(self) -> float:
        return (self.bbox[0] + self.bbox[2]) / 2

    @property
    def y_mid(self) -> float:
        return (self.bbox[1] + self.bbox[3]) / 2


@dataclass(frozen=True)
class Table:
    page: int
    bbox: BBox
    cells: tuple[Cell, ...]
    row_edges: tuple[float, ...] = ()  # y of every horizontal grid line, top to bottom
    col_edges: tuple[float, ...] = ()  # x of every vertical grid line, left to right


@dataclass(frozen=True)
class TextLine:
    """A line of text outside every table (a title, a year line, a note)."""

    text: str
    bbox: BBox
    confidence: float = 1.0


@dataclass(frozen=True)
class PageReading:
    """What one page gave: its tables with cell text, and the lines around them."""

    page: Page
    tables: tuple[Table, ...]
    lines: tuple[TextLine, ...]
    stray_chars: int = 0  # text-layer chars inside a table's bbox but outside every cell
    engine: str = "text_layer"


@dataclass(frozen=True)
class FormInstance:
    """One filled-in form: the tables (one per page it spans) and the lines around them."""

    pages: tuple[int, ...]
    tables: tuple[Table, ...]
    lines_above: tuple[TextLine, ...]
    # lines under its last table, down to the next table or the page's end (signatures)
    lines_below: tuple[TextLine, ...] = ()
    # per table, (scale, offset) taking its x to the first table's: x0 = scale * x + offset
    # (a page the form runs onto may sit at its own offset and scale); () for identity
    x_maps: tuple[tuple[float, float], ...] = ()
    # the tables (indices) with a row of text under their bottom edge, outside the grid:
    # a row whose bottom ruling a scan lost (split.row_below)
    rows_below: tuple[int, ...] = ()


@dataclass(frozen=True)
class Field:
    """One emitted CELL of record-format.md."""

    text: str
    value: float | None = None
    confidence: float = 1.0
    flags: tuple[str, ...] = ()
    page: int | None = None
    bbox: BBox | None = None

    def with_flags(self, *flags: str) -> Field:
        merged = tuple(dict.fromkeys(self.flags + flags))
        return Field(self.text, self.value, self.confidence, merged, self.page, self.bbox)


@dataclass(frozen=True)
class RuleFailure:
    rule: str
    cells: tuple[str, ...]  # field keys, e.g. "total.score" or "indicators[3].score"
    message: str


@dataclass(frozen=True)
class Record:
    layout: str
    pages: tuple[int, ...]
    fields: dict[str, Field]
    indicators: tuple[dict[str, Field], ...]
    flags: tuple[str, ...] = ()
    failures: tuple[RuleFailure, ...] = ()
    layout_score: float = 1.0

    @property
    def needs_review(self) -> bool:
        if self.flags:
            return True
        cells = list(self.fields.values()) + [c for row in self.indicators for c in row.values()]
        return any(c.flags for c in cells)


@dataclass(frozen=True)
class DocumentError:
    code: str
    message: str
    page: int | None = None


@dataclass(frozen=True)
class Source:
    path: str
    sha256: str
    pages: int
    kind: DocumentKind


@dataclass(frozen=True)
class DocumentResult:
    source: Source
    records: tuple[Record, ...] = ()
    errors: tuple[DocumentError, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)


# --- JSON round trip of a PageReading (workers pass page results between tasks) ---


def page_reading_to_dict(reading: PageReading) -> dict[str, Any]:
    p = reading.page
    return {
        "page": {"number": p.number, "width": p.width, "height": p.height, "kind": p.kind},
        "tables": [
            {
                "page": t.page,
                "bbox": list(t.bbox),
                "row_edges": list(t.row_edges),
                "col_edges": list(t.col_edges),
                "cells": [
                    {
                        "bbox": list(c.bbox),
                        "row": c.row,
                        "col": c.col,
                        "row_span": c.row_span,
                        "col_span": c.col_span,
                        "text": c.text,
                        "confidence": c.confidence,
                        "flags": list(c.flags),
                    }
                    for c in t.cells
                ],
            }
            for t in reading.tables
        ],
        "lines": [
            {"text": ln.text, "bbox": list(ln.bbox), "confidence": ln.confidence}
            for ln in reading.lines
        ],
        "stray_chars": reading.stray_chars,
        "engine": reading.engine,
    }


def _bbox(v: Any) -> BBox:
    x0, y0, x1, y1 = (float(n) for n in v)
    return (x0, y0, x1, y1)


def page_reading_from_dict(d: dict[str, Any]) -> PageReading:
    p = d["page"]
    tables = tuple(
        Table(
            page=t["page"],
            bbox=_bbox(t["bbox"]),
            row_edges=tuple(t["row_edges"]),
            col_edges=tuple(t["col_edges"]),
            cells=tuple(
                Cell(
                    bbox=_bbox(c["bbox"]),
                    row=c["row"],
                    col=c["col"],
                    row_span=c["row_span"],
                    col_span=c["col_span"],
                    text=c["text"],
                    confidence=c["confidence"],
                    flags=tuple(c["flags"]),
                )
                for c in t["cells"]
            ),
        )
        for t in d["tables"]
    )
    lines = tuple(
        TextLine(ln["text"], _bbox(ln["bbox"]), ln["confidence"]) for ln in d["lines"]
    )
    page = Page(p["number"], p["width"], p["height"], p["kind"])
    return PageReading(page, tables, lines, d.get("stray_chars", 0), d.get("engine", ""))
