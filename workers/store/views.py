"""What the store hands out: plain frozen views of its rows, detached from any session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workers.store.schema import Job

FINISHED = ("done", "failed")


@dataclass(frozen=True)
class JobView:
    id: str
    sha256: str
    filename: str
    store_path: str
    batch: str | None
    status: str
    error_code: str | None
    error_message: str | None
    kind: str | None
    pages_total: int | None
    pages_finished: int
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    lease_owner: str | None = None
    lease_until: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class PageView:
    page: int
    kind: str
    status: str
    reading: dict[str, Any] | None
    error_code: str | None
    error_message: str | None


@dataclass(frozen=True)
class BatchSummary:
    batch: str | None
    counts: dict[str, int]  # status -> jobs
    pages_total: int
    pages_finished: int


def job_view(job: Job, pages_finished: int) -> JobView:
    return JobView(
        job.id, job.sha256, job.filename, job.store_path, job.batch, job.status,
        job.error_code, job.error_message, job.kind, job.pages_total, pages_finished,
        job.attempts, job.created_at, job.started_at, job.finished_at, job.lease_owner,
        job.lease_until,
    )
