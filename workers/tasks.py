"""Thin Celery tasks: JSON ids in, a call into jobs.py, nothing else.

Transient errors (the database or the broker unavailable) are retried with
exponential backoff and jitter; everything else is handled in jobs.py, where
bad input fails the job once, with its error code and message. The worker
process hooks (the store opened, layouts and OCR engines loaded once per
process) are here too: celery_app.py builds the app without importing this
module; a worker imports it through the app's `include`.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_process_init, worker_process_shutdown, worker_ready

from extractor.config import Settings, load_settings
from extractor.errors import ErrorCode, TransientError
from workers import documents, jobs, page_step
from workers.celery_app import app, visibility_timeout
from workers.store import ResultStore
from workers.sweep import sweep

log = logging.getLogger(__name__)

TRANSIENT: tuple[type[Exception], ...] = (
    TransientError,  # includes store.StoreUnavailable
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)
MAX_RETRIES = 12  # with backoff capped at 60 s: rides out about ten minutes of outage


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


class CeleryDispatch:
    def start(self, job_id: str) -> None:
        start_job.apply_async((job_id,))

    def pages(self, job_id: str, numbers: list[int]) -> None:
        read_pages.apply_async((job_id, list(numbers)))

    def assemble(self, job_id: str) -> None:
        assemble_job.apply_async((job_id,))


def task_lease_seconds(settings: Settings) -> float:
    """A task's touch of its job's lease holds as long as Redis may keep its message from
    everyone else (the visibility timeout) plus the longest the next run may take: a job
    not touched for that long has no message left anywhere."""
    return float(visibility_timeout(settings) + settings.task_time_limit)


_context: list[jobs.Context] = []


def worker_context() -> jobs.Context:
    """The store, pipeline and dispatch of this worker process, built once."""
    if not _context:
        s = settings()
        _context.append(
            jobs.Context(s, ResultStore(s.database_url), CeleryDispatch(), task_lease_seconds(s),
                         in_process=False)
        )
    return _context[0]


class JobTask(Task):
    autoretry_for = TRANSIENT
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = MAX_RETRIES
    acks_late = True
    reject_on_worker_lost = True

    def on_failure(
        self, exc: Exception, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any],
        einfo: Any,
    ) -> None:
        """A time limit, retries run out, or a bug: never leave the job running for ever.

        A page over its time limit becomes a `timeout` error of that page (the
        document goes on); anything else fails the job with its code.
        """
        if not args:
            return
        job_id = str(args[0])
        timed_out = isinstance(exc, SoftTimeLimitExceeded | TimeLimitExceeded)
        try:
            ctx = worker_context()
            if self.name in ("extractor.page", "extractor.pages") and timed_out and len(args) > 1:
                pages = args[1] if isinstance(args[1], list) else [args[1]]
                page_step.pages_timed_out(job_id, [int(p) for p in pages], ctx)
                return
            job = ctx.store.get_job(job_id)
            if job is not None and not job.finished:
                code = ErrorCode.TIMEOUT if timed_out else ErrorCode.INTERNAL
                message = f"{self.name} gave up: {type(exc).__name__}: {exc}"
                jobs.fail_job(ctx, job, code.value, message)
        except Exception:
            log.warning("could not record the failure of job %s", job_id, exc_info=True)


@app.task(base=JobTask, name="extractor.start")
def start_job(job_id: str) -> None:
    jobs.run_start(job_id, worker_context())


@app.task(base=JobTask, name="extractor.pages")
def read_pages(job_id: str, pages: list[int]) -> None:
    page_step.run_pages(job_id, pages, worker_context())


@app.task(base=JobTask, name="extractor.page")
def read_page(job_id: str, page: int) -> None:
    """One page: the messages of workers before page groups (a queue that outlives them)."""
    page_step.run_pages(job_id, [page], worker_context())


@app.task(base=JobTask, name="extractor.assemble")
def assemble_job(job_id: str) -> None:
    jobs.run_assemble(job_id, worker_context())


@app.task(name="extractor.sweep", ignore_result=True)
def sweep_jobs() -> int:
    """Periodic (celery beat, `extractor worker --beat`): resume the abandoned jobs."""
    return len(sweep(worker_context()))


@worker_ready.connect
def _sweep_at_start(**_: Any) -> None:
    """A worker that starts resumes what workers before it abandoned, on a thread (the
    worker is ready meanwhile) with its own store (the main process must not hand a
    database connection to pool children forked later)."""
    threading.Thread(target=_sweep_once, name="sweep-at-start", daemon=True).start()


def _sweep_once() -> None:
    s = settings()
    try:
        store = ResultStore(s.database_url)
    except Exception:
        log.warning("sweep at worker start: the store is not ready", exc_info=True)
        return
    try:
        ctx = jobs.Context(s, store, CeleryDispatch(), task_lease_seconds(s), in_process=False)
        for swept in sweep(ctx):
            log.warning("job %s %s", swept.job.id, swept.action)
    except Exception:
        log.warning("sweep at worker start failed", exc_info=True)
    finally:
        store.close()


# --- once per worker process ------------------------------------------------------


def warm(settings: Settings) -> None:
    """Load what every task needs once per worker process: layouts and OCR engines."""
    jobs.layouts(settings.layouts_dir)
    if settings.ocr_engine == "none":
        return
    from extractor import ocr

    name = ocr.DEFAULT if settings.ocr_engine == "auto" else settings.ocr_engine
    names = [name, *(ocr.OPINIONS.get(name, ()) if settings.ocr_second_opinion else ())]
    for n in names:
        ocr.get_engine(n)


@worker_process_init.connect
def _init_worker_process(**_: Any) -> None:
    """Open the store (migrations run) and load layouts and OCR engines, once per process."""
    try:
        worker_context()
    except Exception:  # the database may be down: the first task retries it
        log.warning("worker process init: the store is not ready yet", exc_info=True)
    try:
        warm(settings())
    except Exception:
        log.warning("worker process init: warming the pipeline failed", exc_info=True)
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass


@worker_process_shutdown.connect
def _shutdown_worker_process(**_: Any) -> None:
    documents.close_all()
