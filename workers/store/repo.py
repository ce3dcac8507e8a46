"""ResultStore: every read and write of the batch service, each in one transaction.

Writes are idempotent so a redelivered task cannot duplicate rows: page
results are upserted on (job_id, page); a document with its records and
cells replaces any earlier one of the same job, under a lock on the job row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from extractor.record import record_cells
from workers.store.bulk import insert_rows
from workers.store.db import make_engine, migrate, session_scope, utcnow
from workers.store.leases import Leases
from workers.store.pages import Pages
from workers.store.schema import CellRow, Document, Job, PageResult, RecordRow
from workers.store.views import FINISHED, BatchSummary, JobView, job_view


class ResultStore(Leases, Pages):
    def __init__(self, url: str, *, run_migrations: bool = True):
        self.url = url
        self.engine: Engine = make_engine(url)
        if run_migrations:
            migrate(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = (
            make_engine(url, readonly=True) if self.engine.dialect.name == "sqlite" else self.engine
        )
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()

    def _tx(self) -> Any:
        return session_scope(self._sessions)

    def _read(self) -> Any:
        """A transaction that only reads (on SQLite: does not take the write lock)."""
        return session_scope(self._read_sessions)

    def _insert(self) -> Any:
        return pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert

    # --- jobs -------------------------------------------------------------

    def create_job(self, sha256: str, filename: str, store_path: str, batch: str | None,
                   lease: tuple[str, float] | None = None) -> str:
        job_id, now = uuid.uuid4().hex, utcnow()  # lease: (owner, seconds), the submitter's
        owner, until = (lease[0], now + timedelta(seconds=lease[1])) if lease else (None, None)
        with self._tx() as s:
            s.add(Job(
                id=job_id, sha256=sha256, filename=filename, store_path=store_path,
                batch=batch, status="queued", attempts=0, start_deliveries=0,
                assemble_deliveries=0, created_at=now, lease_owner=owner, lease_until=until,
            ))
        return job_id

    def delete_job(self, job_id: str) -> None:
        with self._tx() as s:
            s.execute(delete(Job).where(Job.id == job_id))

    def find_job_by_sha(self, sha256: str) -> JobView | None:
        with self._read() as s:
            job = s.scalars(
                select(Job).where(Job.sha256 == sha256).order_by(Job.created_at.desc()).limit(1)
            ).first()
            return job_view(job, self._finished_pages(s, job.id)) if job else None

    def get_job(self, job_id: str) -> JobView | None:
        with self._read() as s:
            job = s.get(Job, job_id)
            return job_view(job, self._finished_pages(s, job_id)) if job else None

    def find_jobs(self, prefix: str) -> list[JobView]:
        with self._read() as s:
            jobs = s.scalars(select(Job).where(Job.id.startswith(prefix)).limit(10)).all()
            return [job_view(j, self._finished_pages(s, j.id)) for j in jobs]

    def jobs(self, batch: str | None = None, limit: int = 10_000) -> list[JobView]:
        with self._read() as s:
            q = select(Job).order_by(Job.created_at).limit(limit)
            if batch is not None:
                q = q.where(Job.batch == batch)
            jobs = s.scalars(q).all()
            done = self._finished_pages_by_job(s, [j.id for j in jobs])
            return [job_view(j, done.get(j.id, 0)) for j in jobs]

    def batch_summaries(self) -> list[BatchSummary]:
        with self._read() as s:
            total_pages = func.coalesce(func.sum(Job.pages_total), 0)
            rows = s.execute(
                select(Job.batch, Job.status, func.count(), total_pages)
                .group_by(Job.batch, Job.status)
            ).all()
            pages = {batch: n for batch, n in s.execute(
                select(Job.batch, func.count())
                .join(PageResult, PageResult.job_id == Job.id)
                .where(PageResult.status != "pending")
                .group_by(Job.batch)
            ).all()}
        out: dict[str | None, BatchSummary] = {}
        for batch, status, n, total in rows:
            cur = out.setdefault(batch, BatchSummary(batch, {}, 0, int(pages.get(batch, 0))))
            cur.counts[status] = int(n)
            out[batch] = BatchSummary(batch, cur.counts, cur.pages_total + int(total),
                                      cur.pages_finished)
        return list(out.values())

    def _finished_pages_by_job(self, s: Session, job_ids: list[str]) -> dict[str, int]:
        if not job_ids:
            return {}
        rows = s.execute(
            select(PageResult.job_id, func.count())
            .where(PageResult.status != "pending", PageResult.job_id.in_(job_ids))
            .group_by(PageResult.job_id)
        ).all()
        wanted = set(job_ids)
        return {j: int(n) for j, n in rows if j in wanted}

    # --- deliveries (Redis has no dead-letter queue: count them here) ---------

    def count_delivery(self, job_id: str, page: int | None = None, task: str = "page",
                       lease: tuple[str, float] | None = None) -> int:
        """Count one more delivery of a task of this job (and touch its `lease`): the count."""
        with self._tx() as s:
            if lease is not None:
                s.execute(update(Job).where(Job.id == job_id).values(
                    lease_owner=lease[0], lease_until=utcnow() + timedelta(seconds=lease[1])))
            if task == "page":
                n = s.scalar(
                    update(PageResult)
                    .where(PageResult.job_id == job_id, PageResult.page == page)
                    .values(deliveries=PageResult.deliveries + 1)
                    .returning(PageResult.deliveries)
                )
            else:
                col = Job.start_deliveries if task == "start" else Job.assemble_deliveries
                n = s.scalar(
                    update(Job).where(Job.id == job_id).values({col: col + 1}).returning(col)
                )
            n = int(n or 0)
            s.execute(
                update(Job).where(Job.id == job_id, Job.attempts < n).values(attempts=n)
            )
            return n

    def uncount_delivery(self, job_id: str, page: int | None = None, task: str = "page") -> None:
        """A transient failure is not the document's fault: take its delivery back."""
        with self._tx() as s:
            if task == "page":
                s.execute(
                    update(PageResult)
                    .where(PageResult.job_id == job_id, PageResult.page == page,
                           PageResult.deliveries > 0)
                    .values(deliveries=PageResult.deliveries - 1)
                )
            else:
                col = Job.start_deliveries if task == "start" else Job.assemble_deliveries
                s.execute(update(Job).where(Job.id == job_id, col > 0).values({col: col - 1}))

    # --- the flow ------------------------------------------------------------

    def save_document(self, job_id: str, doc: dict[str, Any], *, failed: tuple[str, str] | None
                      = None, assemble_seconds: float | None = None) -> bool:
        """Store the record-format document of a job and finish it, in one transaction.

        Replaces any document stored for the job before; does nothing (returns
        False) when the job has already finished, so a redelivered assemble
        task cannot duplicate rows.
        """
        with self._tx() as s:
            job = s.scalars(select(Job).where(Job.id == job_id).with_for_update()).first()
            if job is None or job.status in FINISHED:
                return False
            s.execute(delete(Document).where(Document.job_id == job_id))
            self._insert_document(s, job, doc)
            now = utcnow()
            job.status = "failed" if failed else "done"
            job.error_code, job.error_message = failed if failed else (None, None)
            job.finished_at = now
            job.started_at = job.started_at or now
            job.assemble_seconds = assemble_seconds
            job.read_seconds = s.scalar(
                select(func.sum(PageResult.seconds)).where(PageResult.job_id == job_id)
            )
            return True

    def _insert_document(self, s: Session, job: Job, doc: dict[str, Any]) -> None:
        src = doc.get("source", {})
        records = doc.get("records", [])
        row = Document(
            job_id=job.id, sha256=src.get("sha256") or job.sha256,
            path=src.get("path") or job.filename, pages=int(src.get("pages") or 0),
            kind=src.get("kind") or "born_digital",
            needs_review=any(r.get("needs_review") for r in records),
            result=doc, created_at=utcnow(),
        )
        s.add(row)
        s.flush()
        if not records:
            return
        record_ids = s.scalars(
            insert(RecordRow).returning(RecordRow.id, sort_by_parameter_order=True),
            [
                {"document_id": row.id, "job_id": job.id, "position": i,
                 "layout": rec.get("layout", ""), "pages": list(rec.get("pages", [])),
                 "needs_review": bool(rec.get("needs_review")), "record": rec}
                for i, rec in enumerate(records)
            ],
        ).all()
        cells = [
            {"record_id": rid, **cell}
            for rid, rec in zip(record_ids, records, strict=True)
            for cell in cell_rows(rec)
        ]
        insert_rows(s, cast(Table, CellRow.__table__), cells)  # not the ORM: it would send one
        # INSERT per run of rows holding the same keys (a value left None starts a new one)

    # --- reading results out -----------------------------------------------------

    def documents(
        self, batch: str | None = None, since: datetime | None = None,
        needs_review: bool = False,
    ) -> list[tuple[JobView, dict[str, Any]]]:
        with self._read() as s:
            q = select(Job, Document).join(Document, Document.job_id == Job.id)
            if batch is not None:
                q = q.where(Job.batch == batch)
            if since is not None:
                q = q.where(Document.created_at >= since)
            if needs_review:
                q = q.where(Document.needs_review.is_(True))
            rows = s.execute(q.order_by(Job.created_at)).all()
            return [(job_view(j, j.pages_total or 0), d.result) for j, d in rows]

    def document(self, job_id: str) -> dict[str, Any] | None:
        with self._read() as s:
            doc = s.scalars(select(Document).where(Document.job_id == job_id)).first()
            return doc.result if doc else None

    def record_count(self, job_id: str | None = None) -> int:
        with self._read() as s:
            q = select(func.count()).select_from(RecordRow)
            if job_id is not None:
                q = q.where(RecordRow.job_id == job_id)
            return int(s.scalar(q) or 0)

    def flagged_cells(self, job_id: str) -> list[dict[str, Any]]:
        with self._read() as s:
            rows = s.execute(
                select(CellRow, RecordRow.position)
                .join(RecordRow, RecordRow.id == CellRow.record_id)
                .where(RecordRow.job_id == job_id, CellRow.flagged.is_(True))
                .order_by(RecordRow.position, CellRow.id)
            ).all()
            return [{"record": pos, "key": c.key, "text": c.text, "flags": c.flags,
                     "page": c.page, "bbox": c.bbox} for c, pos in rows]


def cell_rows(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The CELLs of a RECORD as rows of the cells table, keyed by extractor.record's cell keys."""
    for key, cell in record_cells(record):
        yield _cell_values(key, cell)


def _cell_values(key: str, cell: dict[str, Any]) -> dict[str, Any]:
    flags = list(cell.get("flags") or [])
    bbox = cell.get("bbox")
    return {
        "key": key, "text": cell.get("text") or "", "value": cell.get("value"),
        "confidence": float(cell.get("confidence", 1.0)), "flags": flags, "flagged": bool(flags),
        "page": cell.get("page"), "bbox": list(bbox) if bbox is not None else None,
    }
