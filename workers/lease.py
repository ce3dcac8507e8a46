"""Nothing stuck: every unfinished job has a lease, and a job whose process died is found.

    owner      "host:pid:token" of the process running a job (token: unique per process)
    lease      jobs.lease_owner + lease_until; in-process, a Heartbeat thread renews the
               leases of the jobs this process holds every LEASE_SECONDS / 4; a worker's
               tasks touch it, for the longest a task can take before Redis gives its
               message back (visibility timeout + hard time limit)
    abandoned  an unfinished job whose lease ran out, whose owner is a process of this
               host that is gone, or that never had a lease
    resume     claim the lease (compare-and-swap on the owner seen) and send the start
               step again: the pages already read are kept, the pending ones dispatched,
               the document assembled. A page that kills its process every time ends the
               job with `too_many_attempts` after EXTRACTOR_MAX_ATTEMPTS resumptions.

`extractor sweep` (workers/sweep.py) resumes (or with --fail, fails with `job_abandoned`) every abandoned job;
`submit` of an abandoned job's file resumes it; a restarted `watch` resumes the jobs of the
files left in processing/; a worker sweeps when it starts, and `extractor worker --beat` every
celery_app.SWEEP_INTERVAL s.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from extractor.errors import ExtractError
from workers.store.db import utcnow

if TYPE_CHECKING:
    from workers.store import JobView, ResultStore


class _Starts(Protocol):
    def start(self, job_id: str) -> None: ...


class LeaseContext(Protocol):
    """What resuming needs of a jobs.Context (this module is below workers/jobs.py)."""

    @property
    def store(self) -> ResultStore: ...

    @property
    def dispatch(self) -> _Starts: ...

    @property
    def lease_seconds(self) -> float: ...

    @property
    def lease_owner(self) -> str: ...

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0  # in-process: a job whose process stopped beating is found within this
_owner: list[tuple[int, str]] = []  # (pid, owner): a forked child is another owner


QUEUED = "queue:"  # an owner whose job's messages live in Redis, not in its process


def owner_id(in_process: bool = True) -> str:
    """This process as a lease owner: host, pid and a token unique to this process. With
    Redis (`in_process` False) prefixed QUEUED: the job's messages outlive the process
    (a `submit` that exits at once), so only the lease's end says it was abandoned."""
    pid = os.getpid()
    if not _owner or _owner[0][0] != pid:
        _owner[:] = [(pid, f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:12]}")]
    return _owner[0][1] if in_process else QUEUED + _owner[0][1]


def owner_gone(owner: str) -> bool:
    """True when `owner` is a process of this host that no longer runs (no waiting for
    its lease to run out); False when it runs or lives on another host."""
    if owner.startswith(QUEUED):
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return owner != owner_id()  # this pid, an earlier process's token: that one died
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def abandoned(job: JobView, now: datetime) -> bool:
    if job.finished:
        return False
    if job.lease_owner is None or job.lease_until is None:
        return True
    return job.lease_until < now or owner_gone(job.lease_owner)


def resume(job: JobView, ctx: LeaseContext) -> bool:
    """Claim an abandoned job and start it again; False if another process claimed it."""
    if not ctx.store.claim_lease(job.id, ctx.lease_owner, ctx.lease_seconds, job.lease_owner):
        return False
    log.warning("job %s (%s) was abandoned by %s: resuming", job.id, job.filename,
                job.lease_owner or "no process")
    ctx.dispatch.start(job.id)
    return True


def resume_if_abandoned(job_id: str, ctx: LeaseContext) -> bool:
    job = ctx.store.get_job(job_id)
    return job is not None and abandoned(job, utcnow()) and resume(job, ctx)


class Heartbeat:
    """Renews this process's leases every `seconds` / 4 on a daemon thread, while running."""

    def __init__(self, store: ResultStore, seconds: float = LEASE_SECONDS):
        self.store, self.seconds = store, seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.seconds / 4):
            try:
                self.store.renew_leases(owner_id(), self.seconds)
            except ExtractError as e:  # the store is down: the next beat tries again
                log.warning("lease heartbeat: %s", e)
