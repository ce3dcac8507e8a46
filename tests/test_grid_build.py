"""Ruling segments -> tables of merged cells (shared by the text and the scan path)."""

from __future__ import annotations

from extractor.grid.build import Segment, TableIndex, segments_to_tables


def box(x0, y0, x1, y1):
    return [Segment(True, y0, x0, x1), Segment(True, y1, x0, x1),
            Segment(False, x0, y0, y1), Segment(False, x1, y0, y1)]  # fmt: skip


def test_merged_cells_get_spans():
    # a 3x3 grid where the left column is one merged cell and the top right is merged across
    segs = box(0, 0, 300, 90)
    segs += [Segment(False, 100, 0, 90), Segment(False, 200, 30, 90)]
    segs += [Segment(True, 30, 100, 300), Segment(True, 60, 100, 300)]
    (table,) = segments_to_tables(segs, page=1)
    spans = sorted((c.row, c.col, c.row_span, c.col_span) for c in table.cells)
    assert spans == [(0, 0, 3, 1), (0, 1, 1, 2), (1, 1, 1, 1), (1, 2, 1, 1), (2, 1, 1, 1), (2, 2, 1, 1)]
    index = TableIndex(table)
    assert index.cell_at(50, 80).row_span == 3
    assert index.cell_at(250, 10).col_span == 2


def test_lines_drawn_in_pieces_and_as_thin_rectangles():
    # each border drawn as pieces (one per cell, like Word) and as a filled 0.5pt rectangle
    segs = []
    for x in (0, 100, 200):
        segs += [Segment(True, 0, x, x + 100), Segment(True, 0.5, x, x + 100)]
        segs += [Segment(True, 40, x, x + 100), Segment(True, 40.4, x, x + 100)]
    for x in (0, 100, 200, 300):
        segs += [Segment(False, x, 0, 20), Segment(False, x, 20, 40), Segment(False, x + 0.5, 0, 40)]
    (table,) = segments_to_tables(segs, page=1)
    assert len(table.cells) == 3 and all(c.row_span == 1 for c in table.cells)


def test_a_broken_line_still_separates_but_a_missing_one_merges():
    segs = box(0, 0, 200, 40)
    segs += [Segment(False, 100, 0, 15), Segment(False, 100, 22, 40)]  # a gap of 7 of 40
    assert len(segments_to_tables(segs, page=1)[0].cells) == 2
    segs = [*box(0, 0, 200, 60), Segment(True, 40, 0, 200), Segment(False, 100, 0, 8)]  # a stub
    (table,) = segments_to_tables(segs, page=1)
    assert len(table.cells) == 2 and table.cells[0].col_span == 2


def test_two_tables_on_a_page_and_stray_lines():
    segs = [*box(0, 0, 100, 40), Segment(False, 50, 0, 40)]
    segs += [*box(0, 100, 100, 140), Segment(True, 120, 0, 100)]
    segs += [Segment(True, 300, 0, 400)]  # a signature line, no table
    tables = segments_to_tables(segs, page=1)
    assert [len(t.cells) for t in tables] == [2, 2]
    assert tables[0].bbox[1] < tables[1].bbox[1]


def test_rows_with_their_own_column_boundaries():
    # like Word: each row's inner borders at different x
    segs = [*box(0, 0, 300, 60), Segment(True, 30, 0, 300)]
    segs += [Segment(False, 120, 0, 30), Segment(False, 80, 30, 60), Segment(False, 200, 30, 60)]
    (table,) = segments_to_tables(segs, page=1)
    top = sorted(c.bbox[0] for c in table.cells if c.bbox[1] == 0)
    bottom = sorted(c.bbox[0] for c in table.cells if c.bbox[1] == 30)
    assert top == [0, 120] and bottom == [0, 80, 200]
