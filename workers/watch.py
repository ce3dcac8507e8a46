"""The drop folder: files dropped in INBOX become jobs; they end in done/ or failed/.

    INBOX/report.pdf            dropped (picked up once its size stops changing)
    INBOX/processing/report.pdf while its job runs
    INBOX/done/report.pdf       its job finished with records
    INBOX/failed/report.pdf     its job failed, or no form was found in it,
    INBOX/failed/report.pdf.error.json   with the error codes and messages

The watcher tracks files, not jobs: identical bytes under several names are one
job, and every one of those files is filed when it finishes. A watcher that
restarts resubmits what it finds in processing/: the same bytes point at the
same job, so nothing runs twice and nothing is lost; a job whose process died
(its lease ran out, or its process is gone) is resumed (workers/lease.py).

Only regular files are taken: a symlink, a FIFO, a device or a socket dropped in
the inbox is never opened; it is moved to failed/ with `not_a_regular_file`. The
look (lstat) only sorts; what protects is the open (workers/intake.py: O_NOFOLLOW,
fstat of the descriptor, the bytes stored read from it), so a file swapped for a
link after the look is refused just the same. With EXTRACTOR_INBOX_FOLLOW_LINKS a
link whose target resolves inside the inbox is followed (in processing/ it is
written again as a link to that target's absolute path).
"""

from __future__ import annotations

import json
import logging
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kombu.exceptions

from extractor.errors import ErrorCode, ExtractError
from workers import intake, jobs, lease
from workers.store import JobView

log = logging.getLogger(__name__)

IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", "~")
SUBDIRS = ("processing", "done", "failed")


@dataclass
class Watcher:
    inbox: Path
    ctx: jobs.Context
    local: jobs.LocalDispatch | None  # set in in-process mode: the watcher runs the jobs
    settle: float = 2.0  # seconds a file's size and mtime must stay still before pickup
    batch: str | None = None
    seen: dict[Path, tuple[int, int]] = field(default_factory=dict)
    tracking: dict[Path, str] = field(default_factory=dict)  # file in processing/ -> job id
    unsubmitted: list[Path] = field(default_factory=list)
    links: intake.LinkRule = intake.REFUSE

    def __post_init__(self) -> None:
        self.links = intake.inbox_rule(self.inbox, self.ctx.settings.inbox_follow_links)
        for sub in SUBDIRS:
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)
        self.unsubmitted = sorted((self.inbox / "processing").iterdir())

    # --- one turn of the loop -------------------------------------------------------

    def step(self) -> int:
        """Pick up the stable files, submit, run (in-process) and file what finished."""
        for path in self.stable_files():
            self.unsubmitted.append(self._take(path))
        self._submit_pending()
        self._resume_abandoned()
        if self.local is not None:
            self.local.drain(self.ctx)
        return self.file_finished()

    def stable_files(self) -> list[Path]:
        now = time.time()
        stable, current = [], {}
        for path in sorted(self.inbox.iterdir()):
            if path.name.startswith(".") or path.name.endswith(IGNORED_SUFFIXES):
                continue
            st = path.lstat()  # a symlink is looked at, never followed
            if stat.S_ISDIR(st.st_mode):
                continue
            if stat.S_ISLNK(st.st_mode) and self.links.follow:
                if intake.link_target_inside(path, self.inbox) is None:
                    self._refuse(path, "a symbolic link to a file outside the inbox")
                    continue
                st = path.stat()  # inside the inbox: the target's size and mtime settle
            if not stat.S_ISREG(st.st_mode):
                self._refuse(path, intake.describe(st.st_mode))
                continue
            current[path] = (st.st_size, st.st_mtime_ns)
            if self.seen.get(path) == current[path] and now - st.st_mtime >= self.settle:
                stable.append(path)
        self.seen = {p: v for p, v in current.items() if p not in stable}
        return stable

    def _submit_pending(self) -> None:
        waiting, self.unsubmitted = self.unsubmitted, []
        for path in waiting:
            mode = path.lstat().st_mode
            if not stat.S_ISREG(mode) and not (stat.S_ISLNK(mode) and self.links.follow):
                self._refuse(path, intake.describe(mode))
                continue
            try:  # the open decides (O_NOFOLLOW, fstat): the file may have changed since
                sub = jobs.submit(path, self.ctx, batch=self.batch, links=self.links)
            except ExtractError as e:
                if e.transient:
                    self.unsubmitted.append(path)  # the store or broker is down: next turn
                    log.warning("%s: cannot submit yet: %s", path.name, e)
                    continue
                self._file(path, "failed", None, {"code": e.code.value, "message": e.message})
                continue
            except (OSError, kombu.exceptions.OperationalError) as e:  # the broker is down
                self.unsubmitted.append(path)
                log.warning("%s: cannot submit yet: %s", path.name, e)
                continue
            self.tracking[path] = sub.job_id
            log.info("%s -> job %s%s", path.name, sub.job_id, "" if sub.created else " (existing)")

    def file_finished(self) -> int:
        """Move the files whose jobs finished to done/ or failed/; return how many."""
        moved = 0
        for path, job_id in list(self.tracking.items()):
            job = self.ctx.store.get_job(job_id)
            if job is None or not job.finished:
                continue
            doc = self.ctx.store.document(job_id)
            if job.status == "failed" or (doc is not None and not doc.get("records")):
                self._file(path, "failed", job, _error_summary(job, doc))
            else:
                self._file(path, "done", job, None)
            del self.tracking[path]
            moved += 1
        return moved

    def _resume_abandoned(self) -> None:
        """A tracked job whose process died (another watcher, or this one's drain that gave
        up) is resumed here, found by its lease (workers/lease.py)."""
        for job_id in set(self.tracking.values()):
            if lease.resume_if_abandoned(job_id, self.ctx):
                log.info("job %s resumed", job_id)

    def _refuse(self, path: Path, what: str) -> None:
        """A symlink, FIFO, device or socket: filed in failed/ unopened, with its code."""
        error = intake.not_regular(path, what)
        self._file(path, "failed", None, {"code": error.code.value, "message": error.message})

    def _file(self, path: Path, where: str, job: JobView | None,
              error: dict[str, Any] | None) -> None:
        dest = self._move(path, self.inbox / where)
        if error is not None:
            body = {"file": path.name, "job": job.id if job else None, **error}
            note = dest.with_name(dest.name + ".error.json")
            note.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        log.info("%s -> %s/", path.name, where)

    def _take(self, path: Path) -> Path:
        """Into processing/; a link (followed by setting) written again to its target's
        absolute path, which a relative link would not keep there."""
        if not path.is_symlink():
            return self._move(path, self.inbox / "processing")
        dest = self._free_name(self.inbox / "processing", path)
        os.symlink(os.path.realpath(path), dest)
        path.unlink()
        return dest

    @classmethod
    def _move(cls, path: Path, folder: Path) -> Path:
        dest = cls._free_name(folder, path)
        os.replace(path, dest)
        return dest

    @staticmethod
    def _free_name(folder: Path, path: Path) -> Path:
        dest, n = folder / path.name, 2
        while os.path.lexists(dest):
            dest, n = folder / f"{path.stem}-{n}{path.suffix}", n + 1
        return dest

    # --- loops ---------------------------------------------------------------------------

    def run_once(self, timeout: float | None = None) -> None:
        """Take what is in the inbox now (once stable), wait for those jobs, file them."""
        self.stable_files()
        time.sleep(self.settle)
        self.step()
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.tracking or self.unsubmitted:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.tracking)} job(s) still running after {timeout} s")
            time.sleep(0.5)
            self._submit_pending()
            self._resume_abandoned()
            if self.local is not None:
                self.local.drain(self.ctx)
            self.file_finished()

    def run_forever(self, interval: float = 2.0) -> None:
        while True:
            try:
                self.step()
            except ExtractError as e:
                if not e.transient:
                    raise
                log.warning("watch: %s; trying again", e)
            time.sleep(interval)


def _error_summary(job: JobView, doc: dict[str, Any] | None) -> dict[str, Any]:
    errors = list((doc or {}).get("errors", []))
    if job.status == "failed":
        return {"code": job.error_code, "message": job.error_message, "errors": errors}
    first = errors[0] if errors else {"code": ErrorCode.NO_FORM_FOUND.value, "message": ""}
    return {"code": first.get("code"), "message": first.get("message"), "errors": errors}
