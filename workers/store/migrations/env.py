"""Alembic environment: always run online on the connection that migrate() passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from workers.store.schema import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        transactional_ddl=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:  # `alembic -x url=...` from a shell, for making new revisions
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///var/extractor.db")
    with create_engine(url).begin() as conn:
        run_on(conn)
