"""The drop folder: files dropped in INBOX become jobs; they end in done/ or failed/.

    INBOX/report.pdf            dropped (picked up once its size stops changing)
    INBOX/processing/report.pdf while its job runs
    INBOX/done/report.pdf       its job finished with records
    INBOX/failed/report.pdf     its job failed, or no form was found in it,
    INBOX/failed/report.pdf.error.json   with the error codes and messages

A watcher that restarts resubmits what it finds in processing/: the same
bytes point at the same job, so nothing runs twice and nothing is lost.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import kombu.exceptions

from extractor.errors import ErrorCode, ExtractError
from workers import jobs
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
    tracking: dict[str, Path] = field(default_factory=dict)  # job id -> file in processing/
    unsubmitted: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        for sub in SUBDIRS:
            (self.inbox / sub).mkdir(parents=True, exist_ok=True)
        self.unsubmitted = sorted(p for p in (self.inbox / "processing").iterdir() if p.is_file())

    # --- one turn of the loop -------------------------------------------------------

    def step(self) -> int:
        """Pick up the stable files, submit, run (in-process) and file what finished."""
        for path in self.stable_files():
            self.unsubmitted.append(self._move(path, self.inbox / "processing"))
        self._submit_pending()
        if self.local is not None:
            self.local.drain(self.ctx)
        return self.file_finished()

    def stable_files(self) -> list[Path]:
        now = time.time()
        stable, current = [], {}
        for path in sorted(self.inbox.iterdir()):
            if not path.is_file() or path.name.startswith(".") or path.name.endswith(
                IGNORED_SUFFIXES
            ):
                continue
            st = path.stat()
            current[path] = (st.st_size, st.st_mtime_ns)
            if self.seen.get(path) == current[path] and now - st.st_mtime >= self.settle:
                stable.append(path)
        self.seen = {p: v for p, v in current.items() if p not in stable}
        return stable

    def _submit_pending(self) -> None:
        waiting, self.unsubmitted = self.unsubmitted, []
        for path in waiting:
            try:
                sub = jobs.submit(path, self.ctx, batch=self.batch)
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
            self.tracking[sub.job_id] = path
            log.info("%s -> job %s%s", path.name, sub.job_id, "" if sub.created else " (existing)")

    def file_finished(self) -> int:
        """Move the files whose jobs finished to done/ or failed/; return how many."""
        moved = 0
        for job_id, path in list(self.tracking.items()):
            job = self.ctx.store.get_job(job_id)
            if job is None or not job.finished:
                continue
            doc = self.ctx.store.document(job_id)
            if job.status == "failed" or (doc is not None and not doc.get("records")):
                self._file(path, "failed", job, _error_summary(job, doc))
            else:
                self._file(path, "done", job, None)
            del self.tracking[job_id]
            moved += 1
        return moved

    def _file(self, path: Path, where: str, job: JobView | None,
              error: dict[str, Any] | None) -> None:
        dest = self._move(path, self.inbox / where)
        if error is not None:
            body = {"file": path.name, "job": job.id if job else None, **error}
            note = dest.with_name(dest.name + ".error.json")
            note.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        log.info("%s -> %s/", path.name, where)

    @staticmethod
    def _move(path: Path, folder: Path) -> Path:
        dest, n = folder / path.name, 2
        while dest.exists():
            dest, n = folder / f"{path.stem}-{n}{path.suffix}", n + 1
        os.replace(path, dest)
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
