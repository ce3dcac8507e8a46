"""The result store: jobs, page results, documents, records and cells, and the review
queue's decisions (SQLAlchemy 2.0)."""

from workers.store.db import StoreUnavailable, migrate
from workers.store.pages import PageOutcome
from workers.store.repo import ResultStore, cell_rows
from workers.store.reviewed import reviewed_document
from workers.store.views import BatchSummary, JobView, PageView

__all__ = [
    "BatchSummary",
    "JobView",
    "PageOutcome",
    "PageView",
    "ResultStore",
    "StoreUnavailable",
    "cell_rows",
    "migrate",
    "reviewed_document",
]
