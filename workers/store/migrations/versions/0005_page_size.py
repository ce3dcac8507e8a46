"""page_results.width, height: each page's size as the start step found it

Revision ID: 0005_page_size
Revises: 0004
Create Date: 2026-11-29

With its kind, a text page's size is all a page task needs to read it from the stored PDF
without opening the whole document again (workers/documents.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_page_size"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("page_results") as batch:
        batch.add_column(sa.Column("width", sa.Float(), nullable=True))
        batch.add_column(sa.Column("height", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("page_results") as batch:
        batch.drop_column("height")
        batch.drop_column("width")
