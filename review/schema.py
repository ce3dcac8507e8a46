"""Tables of the review queue, on the result store's metadata (migration 0002).

    review_users    reviewers: name, argon2 hash, admin or not
    review_records  one row per record under review: version (optimistic
                    locking), status, and the reviewed record JSON (a cache of
                    the original + the events, re-validated)
    review_events   every decision, in order: accept / correct / unreadable

The machine's original record stays in `records.record`, never edited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workers.store.schema import Base, JSONType

BigId = BigInteger().with_variant(Integer(), "sqlite")

ACTIONS = ("accept", "correct", "unreadable")
STATUSES = ("open", "done")


class ReviewUser(Base):
    __tablename__ = "review_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


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
