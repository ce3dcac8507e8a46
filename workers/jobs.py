"""The flow of one job, free of Celery: submit -> start -> read each page -> assemble.

    submit    store the file by content, write the job row, dispatch start
    start     open the document, record its pages, dispatch one task per page
    page      read one page, store its PageReading JSON; the last page dispatches assemble
    assemble  build the records from the stored pages, save document + records + cells

Reading and assembling are extractor.pipeline's own `read_page` and `assemble`,
the functions `extractor extract` runs in one process.

Every step may run twice (a redelivered task) and must leave the same rows.
Each step counts its deliveries in the store: Redis has no dead-letter
queue, so a document that kills its worker every time fails after
`max_attempts` with `too_many_attempts`. Transient errors (database or
broker unavailable) propagate for the queue to retry and do not count.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from celery.exceptions import SoftTimeLimitExceeded

from extractor import ingest
from extractor.config import Settings
from extractor.emit import document_to_dict
from extractor.errors import ErrorCode, ExtractError, TransientError, error_from_exception
from extractor.layout.spec import LayoutSpec, load_layouts
from extractor.models import (
    DocumentError,
    DocumentResult,
    Source,
    page_reading_from_dict,
    page_reading_to_dict,
)
from extractor.pipeline import assemble, read_page
from workers import intake, lease
from workers.store import JobView, ResultStore

log = logging.getLogger(__name__)

STATUSES = ("queued", "running", "done", "failed")


class Dispatch(Protocol):
    """Where the next steps go: Celery tasks (tasks.CeleryDispatch) or a local queue."""

    def start(self, job_id: str) -> None: ...

    def page(self, job_id: str, number: int) -> None: ...

    def assemble(self, job_id: str) -> None: ...


@dataclass
class Context:
    settings: Settings
    store: ResultStore
    dispatch: Dispatch
    lease_seconds: float = lease.LEASE_SECONDS  # how long a touch of a job's lease holds
    in_process: bool = True  # the steps run in this process (else: Celery tasks via Redis)

    @property
    def lease_owner(self) -> str:
        return lease.owner_id(self.in_process)

    @property
    def lease(self) -> tuple[str, float]:
        return self.lease_owner, self.lease_seconds


@lru_cache(maxsize=4)
def layouts(layouts_dir: Path) -> list[LayoutSpec]:
    """The layout specs, loaded once per process: a worker assembles many documents."""
    return load_layouts(layouts_dir)


@dataclass(frozen=True)
class Submitted:
    job_id: str
    created: bool  # False: the same bytes were submitted before; this is that job
    resumed: bool = False  # ... and it had been abandoned by its process: started again


# --- submit ---------------------------------------------------------------------


def submit(path: Path, ctx: Context, *, force: bool = False, batch: str | None = None,
           links: intake.LinkRule = intake.FOLLOW) -> Submitted:
    """Take `path` in (opened once, a regular file, links by `links`: workers/intake.py) and
    make it a job; the same bytes again give the existing job back."""
    path = Path(path)
    with intake.opened_regular(path, links) as f:
        sha, staged = intake.stage(f, Path(ctx.settings.store))
    try:
        existing = ctx.store.find_job_by_sha(sha)
        if existing is not None and not force:
            if lease.resume_if_abandoned(existing.id, ctx):  # its process died: resume it
                return Submitted(existing.id, False, resumed=True)
            if existing.status == "queued":  # its start message may have been lost: send another
                ctx.dispatch.start(existing.id)
            return Submitted(existing.id, False)
        stored = intake.keep(staged, sha, path.suffix, Path(ctx.settings.store))
    finally:
        staged.unlink(missing_ok=True)
    job_id = ctx.store.create_job(sha, path.name, str(stored), batch, lease=ctx.lease)
    try:
        ctx.dispatch.start(job_id)
    except Exception:
        ctx.store.delete_job(job_id)  # no task will ever run it: do not leave it queued
        raise
    return Submitted(job_id, True)


# --- start --------------------------------------------------------------------


def run_start(job_id: str, ctx: Context) -> None:
    job = ctx.store.get_job(job_id)
    if job is None or job.finished:
        return
    if job.pages_total is None:  # else a redelivery after the pages were recorded
        _open_and_record(ctx, job)
    for number in ctx.store.pending_pages(job_id):
        ctx.dispatch.page(job_id, number)
    _maybe_assemble(ctx, job_id)


def _open_and_record(ctx: Context, job: JobView) -> None:
    with _delivery(ctx, job, "start") as go:
        if not go:
            return
        try:
            doc = _open(ctx, job)
        except (ExtractError, OSError) as e:
            if isinstance(e, TransientError):
                raise
            if isinstance(e, ExtractError):
                fail_job(ctx, job, *_code_message(error_from_exception(e)))
            else:
                fail_job(ctx, job, ErrorCode.FILE_NOT_FOUND.value, f"{type(e).__name__}: {e}")
            return
        ctx.store.mark_running(job.id, doc.kind, [(p.number, p.kind) for p in doc.pages])


# --- page -------------------------------------------------------------------


def run_page(job_id: str, number: int, ctx: Context) -> None:
    job = ctx.store.get_job(job_id)
    if job is None or job.finished:
        return
    if ctx.store.page_status(job_id, number) == "pending":
        with _delivery(ctx, job, "page", number) as go:
            if not go:
                return
            _read_and_save(ctx, job, number)
    _maybe_assemble(ctx, job_id)


def _read_and_save(ctx: Context, job: JobView, number: int) -> None:
    t0 = time.perf_counter()
    reading: dict[str, Any] | None = None
    error: tuple[str, str] | None = None
    try:
        doc = _open(ctx, job)
        reading = page_reading_to_dict(read_page(doc, number, ctx.settings))
    except TransientError:
        raise
    except SoftTimeLimitExceeded:
        limit = ctx.settings.task_soft_time_limit
        error = (ErrorCode.TIMEOUT.value, f"page {number} took longer than {limit} s")
    except Exception as e:  # a bad or buggy page: reported on that page, the rest goes on
        if not isinstance(e, ExtractError):
            log.exception("page %s of job %s", number, job.id)
        error = _code_message(error_from_exception(e, number))
    ctx.store.save_page(job.id, number, reading, error, time.perf_counter() - t0)


def page_timed_out(job_id: str, number: int, ctx: Context) -> None:
    """The page task hit its time limit outside the reading code: a `timeout` page error."""
    if ctx.store.page_status(job_id, number) == "pending":
        limit = ctx.settings.task_soft_time_limit
        message = f"page {number} took longer than {limit} s"
        ctx.store.save_page(job_id, number, None, (ErrorCode.TIMEOUT.value, message), float(limit))
    _maybe_assemble(ctx, job_id)


def _maybe_assemble(ctx: Context, job_id: str) -> None:
    job = ctx.store.get_job(job_id)
    total = job.pages_total if job else None
    if job and not job.finished and total is not None and job.pages_finished >= total:
        ctx.dispatch.assemble(job_id)


# --- assemble -------------------------------------------------------------------


def run_assemble(job_id: str, ctx: Context) -> None:
    job = ctx.store.get_job(job_id)
    if job is None or job.finished:
        return
    with _delivery(ctx, job, "assemble") as go:
        if not go:
            return
        t0 = time.perf_counter()
        pages = ctx.store.pages(job_id)
        readings = [page_reading_from_dict(p.reading) for p in pages if p.reading is not None]
        errors = [
            DocumentError(p.error_code or ErrorCode.INTERNAL.value, p.error_message or "", p.page)
            for p in pages
            if p.status == "failed"
        ]
        try:
            spec = layouts(ctx.settings.layouts_dir)
            doc = document_to_dict(assemble(_source(job), readings, spec, errors, ctx.settings))
        except TransientError:
            raise
        except SoftTimeLimitExceeded:
            limit = ctx.settings.task_soft_time_limit
            fail_job(ctx, job, ErrorCode.TIMEOUT.value, f"assembling took longer than {limit} s")
            return
        except Exception as e:
            if not isinstance(e, ExtractError):
                log.exception("assembling job %s", job_id)
            fail_job(ctx, job, *_code_message(error_from_exception(e)))
            return
        ctx.store.save_document(job_id, doc, assemble_seconds=time.perf_counter() - t0)


def _source(job: JobView) -> Source:
    kind = job.kind if job.kind in ("born_digital", "scanned", "mixed") else "born_digital"
    return Source(job.filename, job.sha256, job.pages_total or 0, kind)  # type: ignore[arg-type]


# --- failing a job ---------------------------------------------------------------


def fail_job(ctx: Context, job: JobView, code: str, message: str, page: int | None = None) -> None:
    """Finish the job as failed; its document still gets stored, with no records and the error."""
    result = DocumentResult(_source(job), errors=(DocumentError(code, message, page),))
    ctx.store.save_document(job.id, document_to_dict(result), failed=(code, message))


def _code_message(error: DocumentError) -> tuple[str, str]:
    return error.code, error.message


@contextmanager
def _delivery(
    ctx: Context, job: JobView, task: str, page: int | None = None
) -> Iterator[bool]:
    """Count this delivery; yield False (job failed) past max_attempts; transient: uncount."""
    n = ctx.store.count_delivery(job.id, page, task, lease=ctx.lease)
    if n > ctx.settings.max_attempts:
        where = f"page {page}" if page is not None else f"the {task} step"
        message = (
            f"{where} was delivered {n} times without finishing (its worker died each time);"
            f" giving up after EXTRACTOR_MAX_ATTEMPTS={ctx.settings.max_attempts}"
        )
        fail_job(ctx, job, ErrorCode.TOO_MANY_ATTEMPTS.value, message, page)
        yield False
        return
    try:
        yield True
    except TransientError:
        with suppress(TransientError):
            ctx.store.uncount_delivery(job.id, page, task)
        raise


# --- open documents, kept per process: the pages of a few annexes arrive interleaved ---

OPEN_DOCUMENTS = 4
_open_docs: OrderedDict[str, ingest.Document] = OrderedDict()


def _open(ctx: Context, job: JobView) -> ingest.Document:
    doc = _open_docs.get(job.store_path)
    if doc is not None:
        _open_docs.move_to_end(job.store_path)
        return doc
    doc = ingest.open_document(Path(job.store_path), ctx.settings)
    _open_docs[job.store_path] = doc
    while len(_open_docs) > OPEN_DOCUMENTS:
        _close(_open_docs.popitem(last=False)[1])
    return doc


def close_cached_document() -> None:
    while _open_docs:
        _close(_open_docs.popitem()[1])


def _close(doc: ingest.Document) -> None:
    try:
        doc.close()
    except Exception:
        log.debug("closing a cached document", exc_info=True)


# --- in-process mode: the same steps, run from a local queue -----------------------


class LocalDispatch:
    """Runs the steps in this process (no Redis): the embedded default."""

    def __init__(self, retries: int = 8, backoff_max: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep):
        self.queue: list[tuple[str, tuple[Any, ...]]] = []
        self.retries = retries
        self.backoff_max = backoff_max
        self.sleep = sleep

    def start(self, job_id: str) -> None:
        self.queue.append(("start", (job_id,)))

    def page(self, job_id: str, number: int) -> None:
        self.queue.append(("page", (job_id, number)))

    def assemble(self, job_id: str) -> None:
        self.queue.append(("assemble", (job_id,)))

    def drain(self, ctx: Context) -> None:
        steps: dict[str, Callable[..., None]] = {
            "start": run_start, "page": run_page, "assemble": run_assemble,
        }
        if not self.queue:
            return
        try:
            with lease.Heartbeat(ctx.store, ctx.lease_seconds):  # our jobs' leases renewed
                while self.queue:
                    name, args = self.queue.pop(0)
                    self._with_retries(steps[name], args, ctx)
        finally:
            close_cached_document()

    def _with_retries(self, step: Callable[..., None], args: tuple[Any, ...], ctx: Context) -> None:
        for attempt in range(self.retries + 1):
            try:
                step(*args, ctx)
                return
            except TransientError as e:
                if attempt == self.retries:
                    raise
                delay = min(self.backoff_max, 2.0**attempt)
                log.warning("%s; retrying in %.0f s", e, delay)
                self.sleep(delay)
