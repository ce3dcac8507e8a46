"""Tables of the result store (SQLAlchemy 2.0 declarative).

The record JSON in `records.record` is the machine's original output and is
never edited; `cells` flattens it so a review queue can query flagged cells
(field keys like `project_name` or `indicators[3].score`).

The review queue's tables (migration 0002) live here too: the store owns the
correction events, so `extractor export` reads reviewed records without the
review app.

    review_users    reviewers: name, argon2 hash, admin or not
    review_records  one row per record under review: version (optimistic
                    locking), status, and the reviewed record JSON (a cache of
                    the original + the events, re-validated)
    review_events   every decision, in order: accept / correct / unreadable
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

JSONType = JSON().with_variant(JSONB(), "postgresql")
# None stored as SQL NULL, as the ORM stores a None it leaves out of an INSERT (cells are
# inserted in bulk through Core, which would otherwise write the JSON value null)
JSONOrNull = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")

JOB_STATUSES = ("queued", "running", "done", "failed")
PAGE_STATUSES = ("pending", "done", "failed")
REVIEW_ACTIONS = ("accept", "correct", "unreadable")
REVIEW_STATUSES = ("open", "done")


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(512))
    store_path: Mapped[str] = mapped_column(String(1024))
    batch: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default="queued")
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(16))
    pages_total: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # most deliveries of any one task
    start_deliveries: Mapped[int] = mapped_column(Integer, default=0)
    assemble_deliveries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    read_seconds: Mapped[float | None] = mapped_column(Float)
    assemble_seconds: Mapped[float | None] = mapped_column(Float)
    # the lease (migration 0003): the process running the job ("host:pid:token") and until
    # when; renewed by its heartbeat, so a job whose process died is found (workers/lease.py)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)


class PageResult(Base):
    __tablename__ = "page_results"
    __table_args__ = (UniqueConstraint("job_id", "page", name="uq_page_results_job_page"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    page: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # text | image
    # the page's size in points as ingest found it (migration 0005): a text page is read
    # without opening the whole document again (workers/documents.py)
    width: Mapped[float | None] = mapped_column(Float)
    height: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reading: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # models.page_reading_to_dict
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), unique=True, index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    path: Mapped[str] = mapped_column(String(1024))
    pages: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    needs_review: Mapped[bool] = mapped_column(Boolean, index=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType)  # record-format JSON, as emitted
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class RecordRow(Base):
    __tablename__ = "records"
    __table_args__ = (UniqueConstraint("document_id", "position", name="uq_records_doc_pos"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order in the document, from 0
    layout: Mapped[str] = mapped_column(String(100), index=True)
    pages: Mapped[list[int]] = mapped_column(JSONType)
    needs_review: Mapped[bool] = mapped_column(Boolean, index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the machine's original RECORD


class CellRow(Base):
    __tablename__ = "cells"
    __table_args__ = (
        UniqueConstraint("record_id", "key", name="uq_cells_record_key"),
        Index("ix_cells_flagged_record", "flagged", "record_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))  # project_name, indicators[3].score
    text: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    flags: Mapped[list[str]] = mapped_column(JSONType)
    flagged: Mapped[bool] = mapped_column(Boolean)
    page: Mapped[int | None] = mapped_column(Integer)
    bbox: Mapped[list[float] | None] = mapped_column(JSONOrNull)


# --- the review queue (review/) -------------------------------------------------------------


class ReviewUser(Base):
    __tablename__ = "review_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # bumped by logout and by revoke (migration 0004): a session cookie carrying an older
    # version is refused, so every session of the user ends
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ReviewRecord(Base):
    __tablename__ = "review_records"

    record_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reviewed: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    finished_by: Mapped[str | None] = mapped_column(String(100))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ReviewEvent(Base):
    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("records.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))  # project_name, indicators[3].score
    old_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)  # the record's version this event made
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
