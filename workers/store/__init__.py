"""The result store: jobs, page results, documents, records and cells (SQLAlchemy 2.0)."""

from workers.store.db import StoreUnavailable, migrate
from workers.store.repo import BatchSummary, JobView, PageView, ResultStore, record_cells

__all__ = [
    "BatchSummary",
    "JobView",
    "PageView",
    "ResultStore",
    "StoreUnavailable",
    "migrate",
    "record_cells",
]
