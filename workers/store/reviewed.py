"""The reviewed version of a stored document: what every export serves.

The review queue (review/) writes its decisions as `review_events` and keeps
each record's reviewed JSON in `review_records.reviewed`; this reads that
cache back, so `extractor export` needs neither the review app nor its rules.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from workers.store.db import session_scope
from workers.store.repo import ResultStore
from workers.store.schema import Document, RecordRow, ReviewRecord


def reviewed_document(
    store: ResultStore, job_id: str, original: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The stored document (by its job id) with every reviewed record in place of the
    machine's; records never reviewed are the machine's. None if there is no document.
    Each reviewed record carries `review: {status, version, finished_by}`."""
    doc = original if original is not None else store.document(job_id)
    if doc is None:
        return None
    sessions = sessionmaker(store.engine, expire_on_commit=False)
    with session_scope(sessions) as s:
        rows = s.execute(
            select(RecordRow.position, ReviewRecord)
            .join(ReviewRecord, ReviewRecord.record_id == RecordRow.id)
            .join(Document, Document.id == RecordRow.document_id)
            .where(Document.job_id == job_id)
        ).all()
        reviewed = {
            pos: {**st.reviewed, "review": {
                "status": st.status, "version": st.version, "finished_by": st.finished_by,
            }}
            for pos, st in rows if st.reviewed
        }
    if not reviewed:
        return doc
    records = [reviewed.get(i, rec) for i, rec in enumerate(doc.get("records") or [])]
    return {**doc, "records": records}
