"""Which layout a form is: each layout ranked by how well the form fits it, the best one
mapped (mapping.form_to_record), or layout_unmatched naming what was missing."""

from __future__ import annotations

from dataclasses import replace

from extractor.errors import ErrorCode
from extractor.layout.labels import title_key
from extractor.layout.mapping import form_to_record
from extractor.layout.spec import LayoutSpec
from extractor.layout.view import FormView
from extractor.models import DocumentError, FormInstance, Record, TextLine
from extractor.record import Flag

UNCERTAIN_FIT = 0.6  # under min_score, a form fitting at least this share of it is mapped flagged
MISREAD_TITLE = 0.75  # a layout's title read with one glyph off, as found as a title counts


def rank_layouts(view: FormView, layouts: list[LayoutSpec]) -> list[tuple[float, LayoutSpec]]:
    """Every layout with its fit, best first; on a tie the more specific (more labels) wins.

    A layout's fit is the found share of its labels and its title, over those
    plus what the form prints that belongs to other layouts only: their labels
    (exactly printed) and their title (when it names the form and this one's
    does not). So a layout lacking labels the form has loses to the one that
    has them, even when every label of its own is found.
    """
    keys = {spec.id: spec.label_keys for spec in layouts}
    titles = {spec.id: title_fit(view.form.lines_above, spec) for spec in layouts}
    scored = []
    for spec in layouts:
        others = set().union(*(keys[o.id] for o in layouts if o is not spec)) - keys[spec.id]
        foreign = sum(1 for k in others if k in view.labels.by_key)
        foreign += int(titles[spec.id] < 1.0 and 1.0 in titles.values())
        found = view.labels.found(spec.all_labels) + titles[spec.id]
        scored.append((found / (len(spec.all_labels) + 1 + foreign), spec))
    return sorted(scored, key=lambda pair: (-round(pair[0], 3), -len(pair[1].all_labels)))


def title_fit(lines: tuple[TextLine, ...], spec: LayoutSpec) -> float:
    """1.0 when a line above the table is one of the layout's titles, MISREAD_TITLE when it
    is one with a glyph lost, changed or added (a pen's stroke over 项 leaves 目支出绩效自评表),
    0.5 when a line holds one among other words (如 某某县项目支出绩效自评表 for
    项目支出绩效自评表), else 0."""
    keys = [title_key(ln.text) for ln in lines]
    patterns = spec.title_patterns
    if any(p.fullmatch(k) for p in patterns for k in keys):
        return 1.0
    if any(p.fullmatch(k) for p in spec.misread_title_patterns for k in keys):
        return MISREAD_TITLE
    return 0.5 if any(p.search(k) for p in patterns for k in keys) else 0.0


def map_form(
    form: FormInstance, layouts: list[LayoutSpec], min_score: float
) -> tuple[LayoutSpec, Record] | DocumentError:
    view = FormView.of(form)
    ranked = rank_layouts(view, layouts)
    best_score, best = ranked[0]
    if best_score >= min_score:
        return best, form_to_record(view, best, best_score)
    if best_score >= UNCERTAIN_FIT * min_score and title_fit(form.lines_above, best) >= MISREAD_TITLE:
        return best, uncertain(form_to_record(view, best, best_score))
    return unmatched_error(view, ranked, min_score)


def uncertain(record: Record) -> Record:
    """A form under its layout's own title (or that title one glyph off) whose labels
    were too poorly read to fit the layout well (a bad scan): mapped all the same, so a
    reviewer has its cells to correct, but every cell and the record flagged
    layout_uncertain."""
    flag = Flag.LAYOUT_UNCERTAIN
    return replace(
        record,
        fields={k: f.with_flags(flag) for k, f in record.fields.items()},
        indicators=tuple({k: f.with_flags(flag) for k, f in row.items()} for row in record.indicators),
        flags=(*record.flags, flag),
    )


SHOW_MISSING = 8  # labels named per candidate in a layout_unmatched message


def unmatched_error(
    view: FormView, ranked: list[tuple[float, LayoutSpec]], min_score: float
) -> DocumentError:
    """layout_unmatched that helps: the two best layouts, the labels (and title) of each
    the form does not print, and how to make a layout from this form."""
    page = view.form.pages[0]
    best = []
    for score, spec in ranked[:2]:
        missing = [labels[0] for labels in spec.all_labels if not view.labels.find(labels)]
        if title_fit(view.form.lines_above, spec) == 0.0:
            missing.insert(0, f"title {spec.titles[0]}")
        more = f" and {len(missing) - SHOW_MISSING} more" if len(missing) > SHOW_MISSING else ""
        best.append(f"{spec.id} {score:.2f}, not found: {', '.join(missing[:SHOW_MISSING]) or '-'}{more}")
    return DocumentError(
        ErrorCode.LAYOUT_UNMATCHED.value,
        f"the form on page {page} fits no layout well enough (need {min_score:.2f});"
        f" best: {' | '.join(best)}. A new template? Draft a layout from this form:"
        f" extractor layouts draft FILE --page {page} -o layouts/NEW.yaml",
        page,
    )
