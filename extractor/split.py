"""Page readings -> form instances.

A form starts at a table that prints a layout's start labels (项目名称 …) or
sits under a layout's title; a table at the top of a page that does neither
continues the open form above it (a form running onto the next page); any
other page content that is no form is reported, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.errors import ErrorCode
from extractor.layout.labels import label_key
from extractor.layout.spec import LayoutSpec
from extractor.models import DocumentError, FormInstance, PageReading, Table, TextLine

MIN_START_LABELS = 2


@dataclass
class _Open:
    pages: list[int]
    tables: list[Table]
    lines_above: tuple[TextLine, ...]
    closed: bool = False


def _start_keys(layouts: list[LayoutSpec]) -> list[set[str]]:
    return [{label_key(lb) for lb in spec.start_labels} for spec in layouts]


def _title_keys(layouts: list[LayoutSpec]) -> set[str]:
    return {label_key(t) for spec in layouts for t in spec.titles}


def _end_keys(layouts: list[LayoutSpec]) -> set[str]:
    return {label_key(e) for spec in layouts if spec.indicators for e in spec.indicators.end}


def starts_form(table: Table, above: tuple[TextLine, ...], layouts: list[LayoutSpec]) -> bool:
    keys = {label_key(c.text) for c in table.cells}
    need = [min(MIN_START_LABELS, len(s)) for s in _start_keys(layouts)]
    if any(len(s & keys) >= n for s, n in zip(_start_keys(layouts), need, strict=True)):
        return True
    titles = _title_keys(layouts)
    return any(any(t and t in label_key(ln.text) for t in titles) for ln in above[-3:])


def _lines_between(reading: PageReading, top: float, bottom: float) -> tuple[TextLine, ...]:
    return tuple(ln for ln in reading.lines if top <= ln.bbox[1] and ln.bbox[3] <= bottom + 1)


def split_forms(
    readings: list[PageReading], layouts: list[LayoutSpec]
) -> tuple[list[FormInstance], list[DocumentError]]:
    forms: list[_Open] = []
    errors: list[DocumentError] = []
    end_keys = _end_keys(layouts)
    for reading in sorted(readings, key=lambda r: r.page.number):
        used = False
        prev_bottom = 0.0
        for i, table in enumerate(reading.tables):
            above = _lines_between(reading, prev_bottom, table.bbox[1])
            prev_bottom = table.bbox[3]
            if starts_form(table, above, layouts):
                forms.append(_Open([reading.page.number], [table], above))
            elif i == 0 and forms and not forms[-1].closed and not above_has_text(above):
                form = forms[-1]
                if reading.page.number not in form.pages:
                    form.pages.append(reading.page.number)
                form.tables.append(table)
            else:
                continue
            used = True
            if {label_key(c.text) for c in table.cells} & end_keys:
                forms[-1].closed = True
        if not used and (reading.tables or reading.lines):
            errors.append(_not_a_form(reading))
    for f in forms:
        if end_keys and not f.closed:
            errors.append(
                DocumentError(
                    ErrorCode.FORM_INCOMPLETE.value,
                    f"the form starting on page {f.pages[0]} never reaches its closing row"
                    " (总分): a page may be missing",
                    f.pages[0],
                )
            )
    return [FormInstance(tuple(f.pages), tuple(f.tables), f.lines_above) for f in forms], errors


def above_has_text(lines: tuple[TextLine, ...]) -> bool:
    """A continuation starts at the top of its page: a headed table is another document."""
    return any(len(label_key(ln.text)) > 3 for ln in lines)


def _not_a_form(reading: PageReading) -> DocumentError:
    what = f"{len(reading.tables)} table(s)" if reading.tables else "text but no table"
    return DocumentError(
        ErrorCode.PAGE_NOT_A_FORM.value,
        f"page {reading.page.number} holds {what} and no form of a known layout",
        reading.page.number,
    )
