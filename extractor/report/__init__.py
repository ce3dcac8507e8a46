"""The batch report: record-format documents (and their jobs) -> one self-contained HTML.

    facts.py   documents + jobs -> BatchFacts (outcomes, errors, flagged shares, timings)
    charts.py  the charts, drawn by matplotlib to inline SVG (lazy: only when building)
    page.py    BatchFacts -> the HTML (templates/report.html, the `report` catalog)

`extractor report --from OUTDIR` reads the JSON `extract` wrote; the service's
`extractor report [--batch B]` (workers/commands.py) reads the result store.
"""

from extractor.report.facts import BatchFacts, JobFacts, batch_facts
from extractor.report.page import build_report, documents_from_dir, write_report

__all__ = ["BatchFacts", "JobFacts", "batch_facts", "build_report", "documents_from_dir", "write_report"]
