"""The batch's facts -> one self-contained HTML file: inline CSS, inline SVG charts,
no script, nothing fetched (no font, no CDN, no image but the charts drawn in it).

Text goes through the `report` catalog (extractor/locale) in the language asked for;
field labels come from the layout specs (the form's own Chinese labels).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from extractor.i18n import DEFAULT_LANGUAGE, HTML_LANG, N_, translations
from extractor.report.facts import HISTOGRAM_BINS, BatchFacts, Doc, JobFacts, batch_facts

HERE = Path(__file__).resolve().parent
LOCALE = HERE.parent / "locale"
DOMAIN = "report"
OUTCOME_NAMES = {
    "clean": N_("read, nothing flagged"),
    "needs_review": N_("read, needs review"),
    "page_errors": N_("read, some pages not"),
    "no_records": N_("no form found"),
    "failed": N_("failed"),
    "unfinished": N_("not finished yet"),
}


def _env(language: str) -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(LOCALE, DOMAIN, language), newstyle=True)  # type: ignore[attr-defined]
    return env


def field_label(key: str, labels: Mapping[str, str]) -> str:
    label = labels.get(key, "")
    return f"{label} · {key}" if label else key


def labels_of(docs: Iterable[Doc], layouts: Any = None) -> dict[str, str]:
    """The form's label of each field key of the layouts the documents use."""
    from extractor.sheets.tables import cell_labels
    from extractor.sheets.workbook import layout_index

    specs = layout_index(layouts)
    used = {r.get("layout") for d in docs for r in d.get("records") or ()}
    labels: dict[str, str] = {}
    for layout in sorted(u for u in used if u):
        for key, label in cell_labels(specs.get(layout)).items():
            labels.setdefault(key, label)
    return labels


def charts(facts: BatchFacts, labels: Mapping[str, str], gettext: Any) -> dict[str, str]:
    from extractor.report.charts import confidence_histogram_svg, flagged_share_svg

    flagged = [s for s in facts.fields if s.flagged]
    return {
        "fields": flagged_share_svg([field_label(s.key, labels) for s in flagged],
                                    [s.share for s in flagged],
                                    gettext("share of the field's cells flagged, in per cent"))
        if flagged else "",
        "confidence": confidence_histogram_svg(facts.confidences, gettext("confidence"),
                                               gettext("cells (log scale)"), HISTOGRAM_BINS)
        if facts.confidences else "",
    }


def build_report(
    pairs: Sequence[tuple[Doc | None, JobFacts | None]],
    *,
    title: str = "",
    language: str = DEFAULT_LANGUAGE,
    review_url: str | None = None,
    links: Mapping[tuple[int, int], str | None] | None = None,
    layouts: Any = None,
) -> str:
    """The report of a batch as one HTML string.

    `pairs` are (record-format document, job) of each document, either may be None;
    `links[(pair, record)]` is a record's review page (the service knows its id); else,
    with `review_url`, records link as the XLSX does (extractor.sheets.tables.review_link).
    """
    from extractor.sheets.tables import review_link

    if links is None and review_url:
        links = {(n, i): review_link(review_url, d, r) for n, (d, _) in enumerate(pairs) if d
                 for i, r in enumerate(d.get("records") or ())}
    facts = batch_facts(pairs, links)
    docs = [d for d, _ in pairs if d is not None]
    labels = labels_of(docs, layouts) if docs else {}
    gettext = translations(LOCALE, DOMAIN, language).gettext
    return _env(language).get_template("report.html").render(
        f=facts, title=title, lang=HTML_LANG[language], charts=charts(facts, labels, gettext),
        outcome_names=OUTCOME_NAMES, labels=labels, field_label=field_label,
    )


def documents_from_dir(folder: Path) -> list[dict[str, Any]]:
    """The record-format JSON files `extractor extract -o DIR` wrote (DIR/*.json)."""
    import json

    docs = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "source" in data and "records" in data:
            docs.append(data)
    return docs


def write_report(html: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
