"""The page step of a job: read pages, store them, send the assembly after the last one.

A text page reads in about 10 ms, less than the message and the two transactions of its
task, so the start step groups text pages (`page_groups`); an image page (OCR: seconds)
is a task of its own. Whatever its size, a task claims its pages in one transaction (each
page's delivery counted, the job's lease touched: store/pages.py) and saves them in one.

A group delivered again, or resumed, may have ended its process on one of its pages: it
reads nothing and sends each page back as a task of its own, so a page that kills its
process fails the job with `too_many_attempts` naming that page, after
EXTRACTOR_MAX_ATTEMPTS deliveries of it alone. A group stops at the soft time limit and
sends the rest back the same way: a page's `timeout` never depends on its group.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded

from extractor.errors import ErrorCode, ExtractError, TransientError, error_from_exception
from extractor.models import page_reading_to_dict
from extractor.pipeline import read_page
from workers.context import Context, code_message, fail_job, maybe_assemble
from workers.documents import open_for_text
from workers.store import JobView, PageOutcome

log = logging.getLogger(__name__)

# text pages per task, at most: about 80 ms of reading against 10-15 ms of queue and store
# per task, while a 50-page annex still spreads over 7 workers (bench/bench_service.py)
TEXT_PAGES_PER_TASK = 8


def page_groups(pages: Sequence[tuple[int, str]]) -> list[list[int]]:
    """Pending (page, kind) as page tasks: image pages one each and first (the longest go
    first, cheap groups fill in behind them), then the text pages in groups of even size."""
    groups = [[n] for n, kind in pages if kind != "text"]
    text = [n for n, kind in pages if kind == "text"]
    count = -(-len(text) // TEXT_PAGES_PER_TASK)  # groups; their sizes differ by one at most
    start = 0
    for i in range(count):
        end = start + len(text) // count + (i < len(text) % count)
        groups.append(text[start:end])
        start = end
    return groups


def run_pages(job_id: str, numbers: Sequence[int], ctx: Context) -> None:
    """Read the pages still pending among `numbers`, store them in one transaction, and
    send the assembly if they were the job's last ones."""
    claim = ctx.store.claim_pages(job_id, numbers, ctx.lease)
    if claim is None:  # the job is gone or finished
        return
    job, todo = claim.job, [n for n in numbers if n in claim.deliveries]
    if not todo:  # delivered again after its pages were saved: the assembly may be missing
        if job.pages_total is not None and job.pages_finished >= job.pages_total:
            ctx.dispatch.assemble(job_id)
        return
    most = max(claim.deliveries.values())
    if len(todo) > 1 and most > 1:
        _one_task_each(ctx, job_id, todo)
        return
    if most > ctx.settings.max_attempts:
        fail_job(ctx, job, ErrorCode.TOO_MANY_ATTEMPTS.value, _too_many(ctx, todo[0], most),
                 todo[0])
        return
    try:
        outcomes, unread = _read_pages(ctx, job, todo)
        ready = ctx.store.save_pages(job_id, outcomes)
    except TransientError:  # not the document's fault: these deliveries do not count
        with suppress(TransientError):
            ctx.store.uncount_pages(job_id, todo)
        raise
    if unread:
        _one_task_each(ctx, job_id, unread)
    if ready:
        ctx.dispatch.assemble(job_id)


def _read_pages(ctx: Context, job: JobView, numbers: list[int]) -> tuple[list[PageOutcome], list[int]]:
    """Each page's outcome in turn, and the pages left unread at the soft time limit."""
    outcomes: list[PageOutcome] = []
    for i, number in enumerate(numbers):
        try:
            outcomes.append(_read_page(ctx, job, number))
        except SoftTimeLimitExceeded:
            if len(numbers) > 1:
                return outcomes, numbers[i:]
            outcomes.append(_timeout(ctx, number))
    return outcomes, []


def _read_page(ctx: Context, job: JobView, number: int) -> PageOutcome:
    t0 = time.perf_counter()
    reading: dict[str, Any] | None = None
    error: tuple[str, str] | None = None
    try:
        doc = open_for_text(job.store_path, job.sha256, number,
                            lambda: ctx.store.page_sizes(job.id), ctx.settings)
        reading = page_reading_to_dict(read_page(doc, number, ctx.settings))
    except (TransientError, SoftTimeLimitExceeded):
        raise
    except Exception as e:  # a bad or buggy page: reported on that page, the rest goes on
        if not isinstance(e, ExtractError):
            log.exception("page %s of job %s", number, job.id)
        error = code_message(error_from_exception(e, number))
    return PageOutcome(number, reading, error, time.perf_counter() - t0)


def _timeout(ctx: Context, number: int) -> PageOutcome:
    limit = ctx.settings.task_soft_time_limit
    message = f"page {number} took longer than {limit} s"
    return PageOutcome(number, None, (ErrorCode.TIMEOUT.value, message), float(limit))


def _one_task_each(ctx: Context, job_id: str, numbers: list[int]) -> None:
    """Send each page back as a task of its own; this delivery read none of them."""
    ctx.store.uncount_pages(job_id, numbers)
    for number in numbers:
        ctx.dispatch.pages(job_id, [number])


def _too_many(ctx: Context, page: int, deliveries: int) -> str:
    return (
        f"page {page} was delivered {deliveries} times without finishing (its worker died"
        f" each time); giving up after EXTRACTOR_MAX_ATTEMPTS={ctx.settings.max_attempts}"
    )


def pages_timed_out(job_id: str, numbers: Sequence[int], ctx: Context) -> None:
    """A page task hit its time limit outside the reading code: a page alone becomes a
    `timeout` page error; the pages of a group still pending go back one task each."""
    pending = [n for n in numbers if ctx.store.page_status(job_id, n) == "pending"]
    if len(numbers) > 1:
        for number in pending:
            ctx.dispatch.pages(job_id, [number])
    elif pending and ctx.store.save_pages(job_id, [_timeout(ctx, n) for n in pending]):
        ctx.dispatch.assemble(job_id)
    elif not pending:
        maybe_assemble(ctx, job_id)
