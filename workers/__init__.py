"""The batch service: Celery workers on Redis, a drop folder, the result store.

See docs/service.md. The pieces: celery_app (the Celery app and its settings),
tasks (thin tasks: JSON ids in, calls into jobs), jobs (the flow: submit,
start, read a page, assemble), store/ (SQLAlchemy result store with Alembic
migrations), watch (the drop folder) and commands (the CLI subcommands).
"""
