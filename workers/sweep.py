"""The sweeper: every abandoned job (workers/lease.py) resumed, or failed with a code.

Run by `extractor sweep`, by a worker when it starts, and by the periodic
`extractor.sweep` task (`extractor worker --beat`).
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.errors import ErrorCode
from workers import jobs
from workers.lease import abandoned, resume
from workers.store import JobView
from workers.store.db import utcnow


@dataclass(frozen=True)
class Swept:
    job: JobView
    action: str  # "resumed" | "failed" | "claimed elsewhere"


def sweep(ctx: jobs.Context, fail: bool = False) -> list[Swept]:
    """Every abandoned job resumed (or, `fail`, failed with `job_abandoned`)."""
    out = []
    for job_id in ctx.store.unfinished_job_ids():
        job = ctx.store.get_job(job_id)
        if job is None or not abandoned(job, utcnow()):
            continue
        if not fail:
            out.append(Swept(job, "resumed" if resume(job, ctx) else "claimed elsewhere"))
        elif ctx.store.claim_lease(job.id, ctx.lease_owner, ctx.lease_seconds, job.lease_owner):
            message = f"abandoned by {job.lease_owner or 'no process'} (extractor sweep --fail)"
            jobs.fail_job(ctx, job, ErrorCode.JOB_ABANDONED.value, message)
            out.append(Swept(job, "failed"))
    return out
