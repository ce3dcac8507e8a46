"""Alembic migrations of the result store; run by workers.store.db.migrate()."""
