"""The job lease in the store: who runs a job and until when (jobs.lease_owner, lease_until).

A process running a job holds its lease and renews it (a heartbeat in-process; each task
of a worker touches it); a job left `queued` or `running` whose lease ran out, or whose
owner is a process known to be dead, was abandoned (workers/lease.py decides, the sweeper
and `submit` resume it). Claiming is a compare-and-swap on the owner seen, so two
processes that find the same abandoned job do not both resume it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update

from workers.store.db import utcnow
from workers.store.schema import Job

UNFINISHED = ("queued", "running")


class Leases:
    """Mixed into ResultStore: the lease columns of the jobs table."""

    def _tx(self) -> Any:
        raise NotImplementedError

    def _read(self) -> Any:
        raise NotImplementedError

    def touch_lease(self, job_id: str, owner: str, seconds: float) -> None:
        """This process works on the job now: the lease is its own for `seconds`."""
        with self._tx() as s:
            s.execute(
                update(Job).where(Job.id == job_id, Job.status.in_(UNFINISHED))
                .values(lease_owner=owner, lease_until=utcnow() + timedelta(seconds=seconds))
            )

    def claim_lease(self, job_id: str, owner: str, seconds: float, seen_owner: str | None) -> bool:
        """Take over an abandoned job's lease: only if its owner is still `seen_owner` (or
        the lease ran out meanwhile). True if this process holds it now."""
        now = utcnow()
        same = Job.lease_owner.is_(None) if seen_owner is None else Job.lease_owner == seen_owner
        with self._tx() as s:
            res = s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(UNFINISHED),
                       or_(same, Job.lease_owner == owner, Job.lease_until < now))
                .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
            )
            return bool(res.rowcount)

    def renew_leases(self, owner: str, seconds: float) -> int:
        """The heartbeat: every unfinished job this process holds, renewed for `seconds`."""
        with self._tx() as s:
            res = s.execute(
                update(Job).where(Job.lease_owner == owner, Job.status.in_(UNFINISHED))
                .values(lease_until=utcnow() + timedelta(seconds=seconds))
            )
            return int(res.rowcount or 0)

    def unfinished_job_ids(self) -> list[str]:
        with self._read() as s:
            return list(s.scalars(
                select(Job.id).where(Job.status.in_(UNFINISHED)).order_by(Job.created_at)
            ).all())
