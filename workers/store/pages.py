"""The pages of a job (page_results): recorded when it starts, claimed and saved by page tasks.

A page task reads one page or several (workers/jobs.py groups cheap text pages), in two
transactions whatever their number: `claim_pages` counts the delivery of each page still
pending and touches the job's lease, `save_pages` stores what was read and says whether
every page of the job is now finished. Saving locks the job row first, so of two tasks
finishing the last pages of a job at once the later one sees both and sends the assembly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update

from workers.store.db import utcnow
from workers.store.schema import Job, PageResult
from workers.store.views import FINISHED, JobView, PageView, job_view

UNFINISHED = ("queued", "running")


@dataclass(frozen=True)
class PageOutcome:
    """A page's reading (the PageReading JSON) or its coded error, and the seconds it took."""

    page: int
    reading: dict[str, Any] | None
    error: tuple[str, str] | None  # (code, message)
    seconds: float


@dataclass(frozen=True)
class PageClaim:
    job: JobView
    deliveries: dict[int, int]  # each page still pending -> its deliveries, this one counted


_PAGE_TABLE = cast(Table, PageResult.__table__)  # Core: one UPDATE, many parameter sets
_PAGE_ROW = _PAGE_TABLE.c
_SAVE_PAGE = (
    update(_PAGE_TABLE)
    .where(_PAGE_ROW.job_id == bindparam("b_job"), _PAGE_ROW.page == bindparam("b_page"))
    .values(status=bindparam("b_status"), reading=bindparam("b_reading"),
            error_code=bindparam("b_code"), error_message=bindparam("b_message"),
            seconds=bindparam("b_seconds"), finished_at=bindparam("b_finished"))
)


class Pages:
    """Mixed into ResultStore: the page rows of a job."""

    def _tx(self) -> Any:
        raise NotImplementedError

    def _read(self) -> Any:
        raise NotImplementedError

    def _insert(self) -> Any:
        raise NotImplementedError

    def mark_running(self, job_id: str, kind: str, pages: Sequence[tuple[int, str]],
                     sizes: Sequence[tuple[float, float]] | None = None) -> None:
        """The document opened: record its pages, (number, kind) and their (width, height)
        in `sizes` (once: a redelivery inserts nothing new)."""
        with self._tx() as s:
            s.execute(
                update(Job).where(Job.id == job_id, Job.status == "queued")
                .values(status="running", started_at=utcnow())
            )
            s.execute(update(Job).where(Job.id == job_id).values(kind=kind, pages_total=len(pages)))
            if pages:
                size: list[tuple[float | None, float | None]] = (
                    list(sizes) if sizes is not None else [(None, None)] * len(pages))
                ins = self._insert()(PageResult).values([
                    {"job_id": job_id, "page": n, "kind": k, "status": "pending", "deliveries": 0,
                     "width": w, "height": h}
                    for (n, k), (w, h) in zip(pages, size, strict=True)
                ])
                s.execute(ins.on_conflict_do_nothing(index_elements=["job_id", "page"]))

    def claim_pages(self, job_id: str, pages: Sequence[int],
                    lease: tuple[str, float]) -> PageClaim | None:
        """One transaction: touch the job's `lease` (owner, seconds) and count one more
        delivery of each of `pages` still pending. None when the job is gone or finished."""
        with self._tx() as s:
            job = s.scalars(
                update(Job).where(Job.id == job_id, Job.status.in_(UNFINISHED))
                .values(lease_owner=lease[0], lease_until=utcnow() + timedelta(seconds=lease[1]))
                .returning(Job)
            ).first()
            if job is None:
                return None
            rows = s.execute(
                update(PageResult)
                .where(PageResult.job_id == job_id, PageResult.page.in_(list(pages)),
                       PageResult.status == "pending")
                .values(deliveries=PageResult.deliveries + 1)
                .returning(PageResult.page, PageResult.deliveries)
            ).all()
            deliveries = {int(page): int(n) for page, n in rows}
            most = max(deliveries.values(), default=0)
            if most > job.attempts:
                s.execute(update(Job).where(Job.id == job_id, Job.attempts < most)
                          .values(attempts=most))
            return PageClaim(job_view(job, self._finished_pages(s, job_id)), deliveries)

    def uncount_pages(self, job_id: str, pages: Sequence[int]) -> None:
        """Deliveries that read nothing (a transient failure, a group split up): taken back."""
        with self._tx() as s:
            s.execute(
                update(PageResult)
                .where(PageResult.job_id == job_id, PageResult.page.in_(list(pages)),
                       PageResult.deliveries > 0)
                .values(deliveries=PageResult.deliveries - 1)
            )

    def save_pages(self, job_id: str, outcomes: Sequence[PageOutcome]) -> bool:
        """Store each page's reading (or error), replacing any earlier one: idempotent. True
        when every page of the unfinished job is now finished: time to assemble it."""
        if not outcomes:
            return False
        now = utcnow()
        rows = [
            {"b_job": job_id, "b_page": o.page, "b_status": "failed" if o.error else "done",
             "b_reading": o.reading, "b_code": o.error[0] if o.error else None,
             "b_message": o.error[1] if o.error else None, "b_seconds": o.seconds,
             "b_finished": now}
            for o in outcomes
        ]
        with self._tx() as s:
            job = s.scalars(select(Job).where(Job.id == job_id).with_for_update()).first()
            if job is None:
                return False
            s.execute(_SAVE_PAGE, rows)
            finished = self._finished_pages(s, job_id)
            return (job.status not in FINISHED and job.pages_total is not None
                    and finished >= job.pages_total)

    def save_page(self, job_id: str, page: int, reading: dict[str, Any] | None,
                  error: tuple[str, str] | None, seconds: float) -> bool:
        return self.save_pages(job_id, [PageOutcome(page, reading, error, seconds)])

    def pages(self, job_id: str) -> list[PageView]:
        with self._read() as s:
            rows = s.scalars(
                select(PageResult).where(PageResult.job_id == job_id).order_by(PageResult.page)
            ).all()
            return [PageView(r.page, r.kind, r.status, r.reading, r.error_code, r.error_message)
                    for r in rows]

    def pending_pages(self, job_id: str) -> list[tuple[int, str]]:
        """The pages not read yet, with their kind (text | image), in order."""
        with self._read() as s:
            rows = s.execute(
                select(PageResult.page, PageResult.kind)
                .where(PageResult.job_id == job_id, PageResult.status == "pending")
                .order_by(PageResult.page)
            ).all()
            return [(int(page), str(kind)) for page, kind in rows]

    def page_sizes(self, job_id: str) -> list[tuple[int, str, float | None, float | None]]:
        """(page, kind, width, height) of every page of the job, in order; sizes None for
        pages recorded before migration 0005."""
        with self._read() as s:
            rows = s.execute(
                select(PageResult.page, PageResult.kind, PageResult.width, PageResult.height)
                .where(PageResult.job_id == job_id).order_by(PageResult.page)
            ).all()
            return [(int(n), str(k), w, h) for n, k, w, h in rows]

    def page_status(self, job_id: str, page: int) -> str | None:
        with self._read() as s:
            return s.scalar(
                select(PageResult.status)
                .where(PageResult.job_id == job_id, PageResult.page == page)
            )

    @staticmethod
    def _finished_pages(s: Any, job_id: str) -> int:
        return int(s.scalar(
            select(func.count()).select_from(PageResult)
            .where(PageResult.job_id == job_id, PageResult.status != "pending")
        ) or 0)
