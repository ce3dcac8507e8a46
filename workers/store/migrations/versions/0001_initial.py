"""jobs, page_results, documents, records, cells

Revision ID: 0001
Revises:
Create Date: 2024-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("filename", sa.String(512), nullable=False),
        sa.Column("store_path", sa.String(1024), nullable=False),
        sa.Column("batch", sa.String(200), index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.Text()),
        sa.Column("kind", sa.String(16)),
        sa.Column("pages_total", sa.Integer()),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("start_deliveries", sa.Integer(), nullable=False),
        sa.Column("assemble_deliveries", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("started_at", sa.DateTime()),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("read_seconds", sa.Float()),
        sa.Column("assemble_seconds", sa.Float()),
    )
    op.create_table(
        "page_results",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            nullable=False, index=True,
        ),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reading", JSONType),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.Text()),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float()),
        sa.Column("finished_at", sa.DateTime()),
        sa.UniqueConstraint("job_id", "page", name="uq_page_results_job_page"),
    )
    op.create_table(
        "documents",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "job_id", sa.String(32), sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            nullable=False, unique=True, index=True,
        ),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False, index=True),
        sa.Column("result", JSONType, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
    )
    op.create_table(
        "records",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "document_id", BigId, sa.ForeignKey("documents.id", ondelete="CASCADE"),
            nullable=False, index=True,
        ),
        sa.Column("job_id", sa.String(32), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("layout", sa.String(100), nullable=False, index=True),
        sa.Column("pages", JSONType, nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False, index=True),
        sa.Column("record", JSONType, nullable=False),
        sa.UniqueConstraint("document_id", "position", name="uq_records_doc_pos"),
    )
    op.create_table(
        "cells",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column(
            "record_id", BigId, sa.ForeignKey("records.id", ondelete="CASCADE"),
            nullable=False, index=True,
        ),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("value", sa.Float()),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("flags", JSONType, nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("page", sa.Integer()),
        sa.Column("bbox", JSONType),
        sa.UniqueConstraint("record_id", "key", name="uq_cells_record_key"),
    )
    op.create_index("ix_cells_flagged_record", "cells", ["flagged", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_cells_flagged_record", table_name="cells")
    for table in ("cells", "records", "documents", "page_results", "jobs"):
        op.drop_table(table)
