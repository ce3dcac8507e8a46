"""The flow of one job, free of Celery: submit -> start -> read the pages -> assemble.

    submit    store the file by content, write the job row, dispatch start
    start     open the document, record its pages, dispatch the page tasks: each image
              page alone, text pages in groups (page_step.page_groups)
    pages     read them, store their PageReading JSON in one transaction; the task that
              stores the last pages dispatches assemble (workers/page_step.py)
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

from extractor.emit import document_to_dict
from extractor.errors import ErrorCode, ExtractError, TransientError, error_from_exception
from extractor.layout.spec import LayoutSpec, load_layouts
from extractor.models import DocumentError, page_reading_from_dict
from extractor.pipeline import assemble
from workers import intake, lease
from workers.context import Context, code_message, fail_job, job_source, maybe_assemble
from workers.documents import close_all, open_stored
from workers.page_step import page_groups, run_pages
from workers.store import JobView

log = logging.getLogger(__name__)

STATUSES = ("queued", "running", "done", "failed")


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
    for group in page_groups(ctx.store.pending_pages(job_id)):
        ctx.dispatch.pages(job_id, group)
    maybe_assemble(ctx, job_id)


def _open_and_record(ctx: Context, job: JobView) -> None:
    with _delivery(ctx, job, "start") as go:
        if not go:
            return
        try:
            doc = open_stored(job.store_path, ctx.settings)
        except (ExtractError, OSError) as e:
            if isinstance(e, TransientError):
                raise
            if isinstance(e, ExtractError):
                fail_job(ctx, job, *code_message(error_from_exception(e)))
            else:
                fail_job(ctx, job, ErrorCode.FILE_NOT_FOUND.value, f"{type(e).__name__}: {e}")
            return
        ctx.store.mark_running(job.id, doc.kind, [(p.number, p.kind) for p in doc.pages],
                               [(p.width, p.height) for p in doc.pages])


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
            doc = document_to_dict(assemble(job_source(job), readings, spec, errors, ctx.settings))
        except TransientError:
            raise
        except SoftTimeLimitExceeded:
            limit = ctx.settings.task_soft_time_limit
            fail_job(ctx, job, ErrorCode.TIMEOUT.value, f"assembling took longer than {limit} s")
            return
        except Exception as e:
            if not isinstance(e, ExtractError):
                log.exception("assembling job %s", job_id)
            fail_job(ctx, job, *code_message(error_from_exception(e)))
            return
        ctx.store.save_document(job_id, doc, assemble_seconds=time.perf_counter() - t0)


@contextmanager
def _delivery(ctx: Context, job: JobView, task: str) -> Iterator[bool]:
    """Count this delivery of the start or assemble step; yield False (job failed) past
    max_attempts; a transient error takes it back. (Pages: page_step.py.)"""
    n = ctx.store.count_delivery(job.id, None, task, lease=ctx.lease)
    if n > ctx.settings.max_attempts:
        message = (
            f"the {task} step was delivered {n} times without finishing (its worker died each"
            f" time); giving up after EXTRACTOR_MAX_ATTEMPTS={ctx.settings.max_attempts}"
        )
        fail_job(ctx, job, ErrorCode.TOO_MANY_ATTEMPTS.value, message)
        yield False
        return
    try:
        yield True
    except TransientError:
        with suppress(TransientError):
            ctx.store.uncount_delivery(job.id, None, task)
        raise


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

    def pages(self, job_id: str, numbers: list[int]) -> None:
        self.queue.append(("pages", (job_id, list(numbers))))

    def assemble(self, job_id: str) -> None:
        self.queue.append(("assemble", (job_id,)))

    def drain(self, ctx: Context) -> None:
        steps: dict[str, Callable[..., None]] = {
            "start": run_start, "pages": run_pages, "assemble": run_assemble,
        }
        if not self.queue:
            return
        try:
            with lease.Heartbeat(ctx.store, ctx.lease_seconds):  # our jobs' leases renewed
                while self.queue:
                    name, args = self.queue.pop(0)
                    self._with_retries(steps[name], args, ctx)
        finally:
            close_all()

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
