"""The result store: jobs, page results, documents, records and cells, and the review
queue's decisions (SQLAlchemy 2.0)."""

from workers.store.db import StoreUnavailable, migrate
from workers.store.repo import BatchSummary, JobView, PageView, ResultStore, cell_rows
from workers.store.reviewed import reviewed_document

__all__ = [
    "BatchSummary",
    "JobView",
    "PageView",
    "ResultStore",
    "StoreUnavailable",
    "cell_rows",
    "migrate",
    "reviewed_document",
]
