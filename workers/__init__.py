"""The batch service: Celery workers on Redis, a drop folder, the result store.

See docs/service.md. The pieces: celery_app (the Celery app and its settings;
it never imports the tasks), tasks (thin tasks: JSON ids in, calls into jobs;
the once-per-process worker hooks), jobs (the flow: submit, start, read a page
with extractor.pipeline.read_page, assemble with extractor.pipeline.assemble),
store/ (SQLAlchemy result store with Alembic migrations, the review queue's
tables and the reviewed-document read), watch (the drop folder) and commands
(the CLI subcommands, registered through the `extractor.commands` entry point).

Arrows point down: workers imports extractor, never review/.
"""
