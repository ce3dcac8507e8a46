"""What every step of a job is given (its Context), and how a job ends failed.

Below workers/jobs.py (submit, start, assemble) and workers/page_step.py (the pages),
which both fail jobs and send the assembly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from extractor.config import Settings
from extractor.emit import document_to_dict
from extractor.models import DocumentError, DocumentResult, Source
from workers import lease
from workers.store import JobView, ResultStore


class Dispatch(Protocol):
    """Where the next steps go: Celery tasks (tasks.CeleryDispatch) or a local queue."""

    def start(self, job_id: str) -> None: ...

    def pages(self, job_id: str, numbers: list[int]) -> None: ...

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


def fail_job(ctx: Context, job: JobView, code: str, message: str, page: int | None = None) -> None:
    """Finish the job as failed; its document still gets stored, with no records and the error."""
    result = DocumentResult(job_source(job), errors=(DocumentError(code, message, page),))
    ctx.store.save_document(job.id, document_to_dict(result), failed=(code, message))


def job_source(job: JobView) -> Source:
    kind = job.kind if job.kind in ("born_digital", "scanned", "mixed") else "born_digital"
    return Source(job.filename, job.sha256, job.pages_total or 0, kind)  # type: ignore[arg-type]


def code_message(error: DocumentError) -> tuple[str, str]:
    return error.code, error.message


def maybe_assemble(ctx: Context, job_id: str) -> None:
    """Send the assembly if every page of the unfinished job is finished."""
    job = ctx.store.get_job(job_id)
    total = job.pages_total if job else None
    if job and not job.finished and total is not None and job.pages_finished >= total:
        ctx.dispatch.assemble(job_id)
