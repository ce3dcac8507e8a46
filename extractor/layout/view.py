"""One form as the mapping reads it: its cells by label and by position, across pages."""

from __future__ import annotations

from dataclasses import dataclass

from extractor.grid.build import TableIndex
from extractor.layout.labels import LabelIndex
from extractor.models import Cell, FormInstance

NUDGE = 2.0  # points past a label's edge to land inside the neighbouring cell


@dataclass
class FormView:
    form: FormInstance
    labels: LabelIndex
    tables: list[TableIndex]

    @classmethod
    def of(cls, form: FormInstance) -> FormView:
        return cls(form, LabelIndex(form), [TableIndex(t) for t in form.tables])

    def cell_at(self, ti: int, x: float, y: float) -> tuple[int, Cell] | None:
        """The cell at a point; past the bottom of a table, the top of the next one."""
        cell = self.tables[ti].cell_at(x, y)
        if cell is not None:
            return ti, cell
        if y > self.form.tables[ti].bbox[3] and ti + 1 < len(self.tables):
            nxt = self.form.tables[ti + 1]
            cell = self.tables[ti + 1].cell_at(self.x_on(ti + 1, x, ti), nxt.bbox[1] + NUDGE)
            if cell is not None:
                return ti + 1, cell
        return None

    def x_on(self, ti: int, x: float, source: int) -> float:
        """An x read off table `source`, at the same share of table `ti`'s width: a page
        a form runs onto may sit at its own offset and scale (a separately fed sheet)."""
        if self.form.x_maps and ti != source:  # the split fitted the tables' columns
            (s1, o1), (s2, o2) = self.form.x_maps[source], self.form.x_maps[ti]
            return (s1 * x + o1 - o2) / s2
        a, b = self.form.tables[source].bbox, self.form.tables[ti].bbox
        if (a[0], a[2]) == (b[0], b[2]) or a[2] <= a[0]:
            return x
        return b[0] + (x - a[0]) / (a[2] - a[0]) * (b[2] - b[0])
