"""Corrections as events over the result store; the reviewed record; the queue.

Every decision is a `review_events` row (record, cell key, old text, new
text, action, reviewer, time). `review_records` holds a record's version,
status and the reviewed record (original + events, rules re-run), so reads
and exports do not replay events. A write names the version it saw; a stale
one raises Conflict (HTTP 409): two reviewers never overwrite each other
silently.

The reviewed version of a whole stored document (what exports serve) is read by
`workers.store.reviewed_document`, from the cache kept here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from extractor.layout.spec import LayoutSpec, load_layouts
from extractor.record import get_cell, record_cells
from review.reviewed import Decision, apply_decisions, cell_label, key_pattern, reading_order
from workers.store import ResultStore
from workers.store.db import make_engine, session_scope
from workers.store.repo import utcnow
from workers.store.schema import REVIEW_ACTIONS, CellRow, Job, RecordRow, ReviewEvent, ReviewRecord


class Conflict(Exception):
    """The record changed since the client read it (or is finished): HTTP 409."""

    def __init__(self, message: str, version: int):
        super().__init__(message)
        self.version = version


class NotFound(Exception):
    pass


# the largest id a store column holds (BIGINT, signed); a larger one names nothing (404), and
# is never bound to a query, where SQLite raises OverflowError and PostgreSQL a DataError
MAX_ID = 2**63 - 1
MAX_VERSION = 2**31 - 1  # review_records.version is an INTEGER


class Incomplete(ValueError):
    """Finishing a record that still has cells without a decision."""

    def __init__(self, pending: list[str]):
        super().__init__(f"{len(pending)} cell(s) still need a decision")
        self.pending = pending


@lru_cache(maxsize=4)
def layouts_by_id(layouts_dir: Path) -> dict[str, LayoutSpec]:
    return {s.id: s for s in load_layouts(layouts_dir)}


@dataclass(frozen=True)
class Written:
    record_id: int
    version: int
    status: str
    reviewed: dict[str, Any]


class ReviewStore:
    """The review queue's reads and writes, each in one transaction of the result store."""

    def __init__(self, store: ResultStore, layouts: dict[str, LayoutSpec]):
        self.store = store
        self.layouts = layouts
        self._write = sessionmaker(store.engine, expire_on_commit=False)
        read_engine = (
            make_engine(store.url, readonly=True) if store.engine.dialect.name == "sqlite"
            else store.engine
        )
        self._read_engine = read_engine
        self._reads = sessionmaker(read_engine, expire_on_commit=False)

    def close(self) -> None:
        if self._read_engine is not self.store.engine:
            self._read_engine.dispose()

    @contextmanager
    def tx(self) -> Iterator[Session]:
        with session_scope(self._write) as s:
            yield s

    @contextmanager
    def read(self) -> Iterator[Session]:
        with session_scope(self._reads) as s:
            yield s

    # --- the queue ----------------------------------------------------------------------

    def queue(self, batch: str | None = None, include_done: bool = False) -> dict[str, Any]:
        """Records needing review, oldest batch first, with counts per batch."""
        with self.read() as s:
            rows = s.execute(
                select(RecordRow.id, RecordRow.job_id, RecordRow.position, RecordRow.pages,
                       Job.batch, Job.filename, Job.created_at, ReviewRecord.status,
                       ReviewRecord.version)
                .join(Job, Job.id == RecordRow.job_id)
                .outerjoin(ReviewRecord, ReviewRecord.record_id == RecordRow.id)
                .where(RecordRow.needs_review.is_(True))
                .order_by(Job.created_at, RecordRow.position)
            ).all()
            ids = [r.id for r in rows]
            flagged = self._count_by_record(s, ids, decided=False)
            decided = self._count_by_record(s, ids, decided=True)
            names = self._project_names(s, ids)
        batches: dict[str | None, dict[str, Any]] = {}
        records = []
        for r in rows:
            status = r.status or "open"
            b = batches.setdefault(r.batch, {
                "batch": r.batch, "oldest": r.created_at.isoformat(), "records_open": 0,
                "records_done": 0, "cells_flagged": 0, "cells_pending": 0,
            })
            pending = max(0, flagged.get(r.id, 0) - decided.get(r.id, 0))
            b["records_done" if status == "done" else "records_open"] += 1
            b["cells_flagged"] += flagged.get(r.id, 0)
            b["cells_pending"] += pending if status != "done" else 0
            if (batch is None or r.batch == batch) and (include_done or status != "done"):
                records.append({
                    "id": r.id, "job_id": r.job_id, "document": r.filename, "batch": r.batch,
                    "position": r.position, "pages": r.pages, "project_name": names.get(r.id, ""),
                    "cells_flagged": flagged.get(r.id, 0), "cells_pending": pending,
                    "status": status, "version": r.version or 0,
                })
        ordered = sorted(batches.values(), key=lambda b: b["oldest"])
        return {"batches": ordered, "records": records}

    def _count_by_record(self, s: Session, ids: list[int], decided: bool) -> dict[int, int]:
        if not ids:
            return {}
        q = select(CellRow.record_id, func.count()).where(
            CellRow.flagged.is_(True), CellRow.record_id.in_(ids)
        )
        if decided:
            has_event = select(ReviewEvent.id).where(
                and_(ReviewEvent.record_id == CellRow.record_id, ReviewEvent.key == CellRow.key)
            ).exists()
            q = q.where(has_event)
        return {rid: int(n) for rid, n in s.execute(q.group_by(CellRow.record_id)).all()}

    def _project_names(self, s: Session, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        q = select(CellRow.record_id, CellRow.text).where(
            CellRow.key == "project_name", CellRow.record_id.in_(ids)
        )
        return {rid: text for rid, text in s.execute(q).all()}

    # --- one record -----------------------------------------------------------------------

    def _load(self, s: Session, record_id: int) -> tuple[RecordRow, Job, ReviewRecord | None]:
        if not 0 < record_id <= MAX_ID:
            raise NotFound(f"no record {record_id}")
        row = s.get(RecordRow, record_id)
        if row is None:
            raise NotFound(f"no record {record_id}")
        job = s.get(Job, row.job_id)
        if job is None:
            raise NotFound(f"no job for record {record_id}")
        return row, job, s.get(ReviewRecord, record_id)

    def _decisions(self, s: Session, record_id: int) -> list[ReviewEvent]:
        return list(s.scalars(
            select(ReviewEvent).where(ReviewEvent.record_id == record_id).order_by(ReviewEvent.id)
        ).all())

    def detail(self, record_id: int) -> dict[str, Any]:
        """The record as the review page shows it: the cells to decide in reading order."""
        with self.read() as s:
            row, job, state = self._load(s, record_id)
            events = self._decisions(s, record_id)
        original = row.record
        reviewed = state.reviewed if state and state.reviewed else original
        spec = self.layouts.get(row.layout)
        last = {e.key: e for e in events}
        keys = {k for k, c in record_cells(original) if c.get("flags")}
        keys |= {k for k, c in record_cells(reviewed) if c.get("flags")} | set(last)
        cells = []
        for key, cell in reading_order((k, c) for k, c in record_cells(reviewed) if k in keys):
            first = get_cell(original, key) or {}
            e = last.get(key)
            cells.append({
                "key": key, "label": cell_label(spec, key, original),
                "text": cell.get("text", ""), "read": first.get("text", ""),
                "value": cell.get("value"), "confidence": first.get("confidence"),
                "flags": first.get("flags") or [], "flags_now": cell.get("flags") or [],
                "page": cell.get("page"), "bbox": cell.get("bbox"),
                "decision": None if e is None else {
                    "action": e.action, "text": e.new_text, "reviewer": e.reviewer,
                    "at": e.created_at.isoformat(),
                },
            })
        return {
            "id": row.id, "job_id": job.id, "document": job.filename, "batch": job.batch,
            "position": row.position, "pages": row.pages, "layout": row.layout,
            "version": state.version if state else 0,
            "status": state.status if state else "open",
            "finished_by": state.finished_by if state else None,
            "cells": cells, "pending": [c["key"] for c in cells if c["decision"] is None],
            "validations": reviewed.get("validations") or [],
            "record": reviewed, "original": original,
        }

    def events(self, record_id: int) -> list[dict[str, Any]]:
        with self.read() as s:
            self._load(s, record_id)
            return [
                {"id": e.id, "key": e.key, "action": e.action, "old_text": e.old_text,
                 "new_text": e.new_text, "reviewer": e.reviewer, "version": e.version,
                 "at": e.created_at.isoformat()}
                for e in self._decisions(s, record_id)
            ]

    def cell_place(self, record_id: int, key: str) -> tuple[Job, dict[str, Any]]:
        """The job (its stored file) and the original cell: what a crop is cut from."""
        with self.read() as s:
            row, job, _ = self._load(s, record_id)
            cell = get_cell(row.record, key)
            if cell is None:
                raise NotFound(f"record {record_id} has no cell {key!r}")
            return job, cell

    def page_cells(self, record_id: int, page: int) -> tuple[Job, list[dict[str, Any]]]:
        """Every cell of the record on that page (for the grid drawn over the page)."""
        detail = self.detail(record_id)
        if page not in detail["pages"]:
            raise NotFound(f"record {record_id} is not on page {page}")
        with self.read() as s:
            job = s.get(Job, detail["job_id"])
        assert job is not None
        review = {c["key"]: c for c in detail["cells"]}
        cells = [
            {"key": k, "text": c.get("text", ""), "bbox": c.get("bbox"),
             "flagged": k in review and review[k]["decision"] is None,
             "reviewed": k in review and review[k]["decision"] is not None}
            for k, c in record_cells(detail["record"]) if c.get("page") == page and c.get("bbox")
        ]
        return job, cells

    # --- writes ---------------------------------------------------------------------------------

    def _claim(self, s: Session, record_id: int, version: int, need_open: bool = True) -> int:
        """Bump the record's version if it is still `version`; else Conflict."""
        if not 0 <= version < MAX_VERSION:  # no record has it: never bound to a query
            state = s.get(ReviewRecord, record_id)
            raise Conflict(f"no version {version} of this record", state.version if state else 0)
        ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        s.execute(
            ins(ReviewRecord)
            .values(record_id=record_id, version=0, status="open", updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["record_id"])
        )
        q = update(ReviewRecord).where(
            ReviewRecord.record_id == record_id, ReviewRecord.version == version
        )
        if need_open:
            q = q.where(ReviewRecord.status == "open")
        done = s.execute(q.values(version=version + 1, updated_at=utcnow()))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            state = s.get(ReviewRecord, record_id)
            current = state.version if state else 0
            if state is not None and state.status != "open" and current == version:
                raise Conflict("the record is finished; an admin can reopen it", current)
            raise Conflict(
                f"the record changed since you read it (version {version}, now {current})",
                current,
            )
        return version + 1

    def decide(
        self, record_id: int, key: str, action: str, text: str | None, version: int, reviewer: str
    ) -> Written:
        if action not in REVIEW_ACTIONS:
            raise ValueError(f"unknown action {action!r}; one of {REVIEW_ACTIONS}")
        with self.tx() as s:
            row, _, _ = self._load(s, record_id)
            cell = get_cell(row.record, key)
            if cell is None:
                raise NotFound(f"record {record_id} has no cell {key!r}")
            new_version = self._claim(s, record_id, version)
            state = s.get(ReviewRecord, record_id)
            assert state is not None
            current = get_cell(state.reviewed or row.record, key) or cell
            old = str(current.get("text", ""))
            new = old if action != "correct" or text is None else text
            s.add(ReviewEvent(
                record_id=record_id, key=key, old_text=old, new_text=new, action=action,
                reviewer=reviewer, version=new_version, created_at=utcnow(),
            ))
            s.flush()
            return self._refresh(s, row, state)

    def _refresh(self, s: Session, row: RecordRow, state: ReviewRecord) -> Written:
        decisions = [
            Decision(e.key, e.action, e.new_text, e.reviewer) for e in self._decisions(s, row.id)
        ]
        state.reviewed = apply_decisions(row.record, decisions, self.layouts.get(row.layout))
        return Written(row.id, state.version, state.status, state.reviewed)

    def finish(self, record_id: int, version: int, reviewer: str) -> Written:
        detail = self.detail(record_id)
        if detail["pending"]:
            raise Incomplete(detail["pending"])
        with self.tx() as s:
            row, _, _ = self._load(s, record_id)
            self._claim(s, record_id, version)
            state = s.get(ReviewRecord, record_id)
            assert state is not None
            state.status, state.finished_by, state.finished_at = "done", reviewer, utcnow()
            return self._refresh(s, row, state)

    def reopen(self, record_id: int, version: int) -> Written:
        with self.tx() as s:
            row, _, _ = self._load(s, record_id)
            self._claim(s, record_id, version, need_open=False)
            state = s.get(ReviewRecord, record_id)
            assert state is not None
            state.status, state.finished_by, state.finished_at = "open", None, None
            return self._refresh(s, row, state)

    # --- one field across many records -------------------------------------------------------

    def group(self, pattern: str, batch: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """Flagged, undecided cells whose key matches `pattern`, across the open records."""
        regex = key_pattern(pattern)
        with self.read() as s:
            q = (
                select(CellRow, RecordRow.job_id, RecordRow.position, RecordRow.layout,
                       ReviewRecord.version, ReviewRecord.status, Job.filename)
                .join(RecordRow, RecordRow.id == CellRow.record_id)
                .join(Job, Job.id == RecordRow.job_id)
                .outerjoin(ReviewRecord, ReviewRecord.record_id == RecordRow.id)
                .where(CellRow.flagged.is_(True))
                .order_by(Job.created_at, RecordRow.position, CellRow.id)
            )
            if batch is not None:
                q = q.where(Job.batch == batch)
            rows = s.execute(q).all()
            decided = set(s.execute(select(ReviewEvent.record_id, ReviewEvent.key)).tuples().all())
        out = []
        for cell, _job_id, position, layout, version, status, filename in rows:
            if not regex.match(cell.key) or (status or "open") != "open":
                continue
            if (cell.record_id, cell.key) in decided:
                continue
            out.append({
                "record_id": cell.record_id, "key": cell.key, "text": cell.text,
                "confidence": cell.confidence, "flags": cell.flags, "document": filename,
                "position": position, "version": version or 0,
                "label": _group_label(self.layouts.get(layout), cell.key),
            })
            if len(out) >= limit:
                break
        return out


def _group_label(spec: LayoutSpec | None, key: str) -> str:
    return cell_label(spec, key, {}) if spec else key
