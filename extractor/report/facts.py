"""Record-format documents (and, from the service, their jobs) -> the facts of a batch.

Pure and typed: nothing here draws or renders. `JobFacts` is what the result store
knows beyond the documents (status, the failure of a job that left no document, its
timings); `extract --from OUTDIR` has only the documents, so the timings are absent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

Doc = Mapping[str, Any]
# the documents' outcomes, in the order the report lists them
OUTCOMES = ("clean", "needs_review", "page_errors", "no_records", "failed", "unfinished")
HISTOGRAM_BINS = 20  # confidence 0..1 in steps of 0.05
TOP_RECORDS = 20  # the records with most flags the report lists


@dataclass(frozen=True)
class JobFacts:
    """One document's job, as the result store has it."""

    name: str
    status: str  # queued | running | done | failed
    pages: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return max((self.finished_at - self.started_at).total_seconds(), 0.0)
        return None


@dataclass(frozen=True)
class ErrorSite:
    code: str
    file: str
    page: int | None
    message: str


@dataclass(frozen=True)
class FlaggedRecord:
    file: str
    position: int  # 1-based, the form's number in its document
    pages: tuple[int, ...]
    project: str
    flagged_cells: int
    flags: tuple[tuple[str, int], ...]  # flag -> cells carrying it, most first
    link: str | None


@dataclass(frozen=True)
class FieldShare:
    key: str  # `project_name`, `indicators.score`
    flagged: int
    seen: int

    @property
    def share(self) -> float:
        return self.flagged / self.seen if self.seen else 0.0


@dataclass(frozen=True)
class BatchFacts:
    documents: int
    pages: int
    records: int
    records_flagged: int
    cells: int
    cells_flagged: int
    outcomes: dict[str, list[str]]  # outcome -> files
    errors: dict[str, list[ErrorSite]]  # code -> where, most frequent code first
    fields: list[FieldShare]  # flagged share per field, highest first
    confidences: list[float] = field(repr=False)  # every read cell's confidence
    top_records: list[FlaggedRecord] = field(default_factory=list)
    seconds: float | None = None  # first start to last finish of the jobs
    pages_timed: int = 0  # the pages of the jobs that have timings

    @property
    def pages_per_second(self) -> float | None:
        return self.pages_timed / self.seconds if self.seconds else None


def _name(doc: Doc) -> str:
    return Path(str(doc["source"]["path"])).name


def _cells(rec: Doc) -> Iterator[tuple[str, Mapping[str, Any]]]:
    yield from (rec.get("fields") or {}).items()
    for row in rec.get("indicators") or ():
        for col, cell in row.items():
            yield f"indicators.{col}", cell


def outcome(doc: Doc | None, job: JobFacts | None) -> str:
    if job is not None and job.status == "failed":
        return "failed"
    if doc is None:
        return "unfinished"
    records = doc.get("records") or []
    if not records:
        return "failed" if doc.get("errors") else "no_records"
    if any(r.get("needs_review") for r in records):
        return "needs_review"
    return "page_errors" if doc.get("errors") else "clean"


def error_sites(doc: Doc | None, job: JobFacts | None) -> list[ErrorSite]:
    if doc is not None:
        return [ErrorSite(e["code"], _name(doc), e.get("page"), e.get("message", ""))
                for e in doc.get("errors") or ()]
    if job is not None and job.error_code:
        return [ErrorSite(job.error_code, job.name, None, job.error_message or "")]
    return []


def flagged_record(doc: Doc, i: int, rec: Doc, link: str | None) -> FlaggedRecord:
    counts: Counter[str] = Counter()
    flagged = 0
    for _, cell in _cells(rec):
        flags = cell.get("flags") or ()
        flagged += bool(flags)
        counts.update(flags)
    project = ((rec.get("fields") or {}).get("project_name") or {}).get("text", "")
    return FlaggedRecord(_name(doc), i + 1, tuple(rec.get("pages") or ()), project, flagged,
                         tuple(counts.most_common()), link)


def field_shares(docs: Sequence[Doc]) -> list[FieldShare]:
    """Per field (indicator columns pooled over rows): cells flagged / cells seen."""
    seen: Counter[str] = Counter()
    flagged: Counter[str] = Counter()
    for doc in docs:
        for rec in doc.get("records") or ():
            for key, cell in _cells(rec):
                seen[key] += 1
                flagged[key] += bool(cell.get("flags"))
    shares = [FieldShare(k, flagged[k], seen[k]) for k in seen]
    return sorted(shares, key=lambda s: (-s.share, -s.flagged, s.key))


def confidences(docs: Sequence[Doc]) -> list[float]:
    """The confidence of every cell that has a text (an empty cell has nothing to doubt)."""
    return [float(c.get("confidence", 1.0)) for d in docs for r in d.get("records") or ()
            for _, c in _cells(r) if (c.get("text") or "").strip()]


def _timing(jobs: Sequence[JobFacts]) -> tuple[float | None, int]:
    timed = [j for j in jobs if j.started_at and j.finished_at]
    if not timed:
        return None, 0
    start = min(j.started_at for j in timed if j.started_at)
    end = max(j.finished_at for j in timed if j.finished_at)
    return (end - start).total_seconds() or None, sum(j.pages or 0 for j in timed)


def batch_facts(
    pairs: Sequence[tuple[Doc | None, JobFacts | None]],
    links: Mapping[tuple[int, int], str | None] | None = None,
) -> BatchFacts:
    """The facts of a batch from (document, job) pairs; either side may be missing.

    `links[(pair index, record index)]` is a record's review page, when there is one.
    """
    docs = [d for d, _ in pairs if d is not None]
    outcomes: dict[str, list[str]] = {o: [] for o in OUTCOMES}
    errors: dict[str, list[ErrorSite]] = defaultdict(list)
    top: list[FlaggedRecord] = []
    for n, (doc, job) in enumerate(pairs):
        name = _name(doc) if doc is not None else (job.name if job else "?")
        outcomes[outcome(doc, job)].append(name)
        for site in error_sites(doc, job):
            errors[site.code].append(site)
        for i, rec in enumerate((doc or {}).get("records") or ()):
            top.append(flagged_record(doc or {}, i, rec, (links or {}).get((n, i))))
    shares = field_shares(docs)
    seconds, pages_timed = _timing([j for _, j in pairs if j is not None])
    records = [r for d in docs for r in d.get("records") or ()]
    return BatchFacts(
        documents=len(pairs),
        pages=sum(int(d["source"].get("pages") or 0) for d in docs),
        records=len(records),
        records_flagged=sum(bool(r.get("needs_review")) for r in records),
        cells=sum(s.seen for s in shares),
        cells_flagged=sum(s.flagged for s in shares),
        outcomes={o: files for o, files in outcomes.items() if files},
        errors=dict(sorted(errors.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
        fields=shares,
        confidences=confidences(docs),
        top_records=sorted((r for r in top if r.flagged_cells or r.flags),
                           key=lambda r: (-r.flagged_cells, r.file, r.position))[:TOP_RECORDS],
        seconds=seconds,
        pages_timed=pages_timed,
    )

