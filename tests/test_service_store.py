"""The result store against SQLite and PostgreSQL (a throwaway database per run)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from workers.store import ResultStore, cell_rows
from workers.store.db import StoreUnavailable


def _cell(text: str, flags: list[str] | None = None) -> dict[str, object]:
    return {"text": text, "value": None, "confidence": 0.9, "flags": flags or [], "page": 1,
            "bbox": [1.0, 2.0, 3.0, 4.0]}


DOC: dict[str, Any] = {
    "source": {"path": "a.pdf", "sha256": "ab" * 32, "pages": 2, "kind": "born_digital"},
    "records": [
        {"layout": "perf-selfeval", "pages": [1, 2],
         "fields": {"project_name": _cell("项目"), "total.score": _cell("90", ["validation:x"])},
         "indicators": [{"name": _cell("指标"), "score": _cell("10")}],
         "flags": [], "needs_review": True},
        {"layout": "perf-selfeval", "pages": [2], "fields": {"project_name": _cell("二")},
         "indicators": [], "flags": [], "needs_review": False},
    ],
    "errors": [],
}


def _job(store: ResultStore, batch: str | None = "b1") -> str:
    job_id = store.create_job("ab" * 32, "a.pdf", "/store/ab/abab.pdf", batch)
    store.mark_running(job_id, "born_digital", [(1, "text"), (2, "text")])
    return job_id


def test_migrations_match_the_models(store: ResultStore) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from workers.store.schema import Base  # the review queue's tables included

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    ResultStore(store.url).close()  # upgrade head again: a no-op


def test_the_head_read_from_the_scripts_is_alembics(store: ResultStore) -> None:
    """migrate() skips Alembic when the database is at the head its scripts' files name."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from workers.store.db import MIGRATIONS, script_head

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert script_head() == ScriptDirectory.from_config(cfg).get_current_head() is not None
    with store.engine.connect() as c:
        assert c.execute(sa.text("select version_num from alembic_version")).scalar() == script_head()


def test_pages_are_recorded_once_and_upserted(store: ResultStore) -> None:
    job_id = _job(store)
    store.mark_running(job_id, "born_digital", [(1, "text"), (2, "text")])  # redelivered start
    store.save_page(job_id, 1, {"x": 1}, None, 0.1)
    store.save_page(job_id, 1, {"x": 2}, None, 0.1)  # redelivered page
    store.save_page(job_id, 2, None, ("page_unreadable", "bad"), 0.1)
    pages = store.pages(job_id)
    assert [(p.page, p.status, p.reading) for p in pages] == [(1, "done", {"x": 2}),
                                                             (2, "failed", None)]
    job = store.get_job(job_id)
    assert job is not None and job.status == "running"
    assert (job.pages_total, job.pages_finished) == (2, 2)


def test_deliveries_are_counted_per_task(store: ResultStore) -> None:
    job_id = _job(store)
    assert [store.count_delivery(job_id, 1) for _ in range(3)] == [1, 2, 3]
    store.uncount_delivery(job_id, 1)
    assert store.count_delivery(job_id, 2) == 1
    assert store.count_delivery(job_id, task="assemble") == 1
    job = store.get_job(job_id)
    assert job is not None and job.attempts == 3


def test_save_document_is_idempotent_and_cells_are_queryable(store: ResultStore) -> None:
    job_id = _job(store)
    assert store.save_document(job_id, DOC) is True
    assert store.save_document(job_id, DOC) is False  # a redelivered assemble task
    assert store.record_count(job_id) == 2
    assert store.document(job_id) == DOC
    flagged = store.flagged_cells(job_id)
    assert [(c["record"], c["key"], c["flags"]) for c in flagged] == [
        (0, "total.score", ["validation:x"])
    ]
    with store.engine.connect() as c:
        keys = c.execute(sa.text("select key from cells order by id")).scalars().all()
    assert keys == ["project_name", "total.score", "indicators[0].name", "indicators[0].score",
                    "project_name"]
    job = store.get_job(job_id)
    assert job is not None and job.status == "done" and job.finished_at is not None


def test_cells_hold_what_the_record_holds_whatever_the_text(store: ResultStore) -> None:
    """Cells go in through COPY on PostgreSQL (workers/store/bulk.py): quotes, commas, line
    breaks, backslashes, tabs, empty text and missing values come back as they were."""
    tricky = ['他说"好", 然后\n换行', "a\tb\\c\r\nd", "", "NULL", "\\N", ',"', "１２３"]
    cells = {f"f{i}": {"text": t, "value": None if i % 2 else i * 0.1, "confidence": 1 / 3,
                       "flags": ["x:" + t] if i % 3 else [], "page": None if i == 2 else i,
                       "bbox": None if i == 1 else [0.1, 2.5, 1e-7, 123456.789]}
             for i, t in enumerate(tricky)}
    record = {"layout": "perf-selfeval", "pages": [1], "fields": cells, "indicators": [],
              "flags": [], "needs_review": False}
    job_id = _job(store)
    store.save_document(job_id, {**DOC, "records": [record]})
    from workers.store.schema import CellRow as C

    with store.engine.connect() as c:
        rows = c.execute(sa.select(C.key, C.text, C.value, C.confidence, C.flags, C.flagged, C.page,
                                   C.bbox, C.bbox.is_(None)).order_by(C.id)).all()
    expected = [(k, *(v[f] for f in ("text", "value", "confidence", "flags")), bool(v["flags"]),
                 v["page"], v["bbox"], v["bbox"] is None) for k, v in cells.items()]
    assert [tuple(r) for r in rows] == expected


def test_failed_job_keeps_its_document_and_code(store: ResultStore) -> None:
    job_id = _job(store)
    doc = {**DOC, "records": [], "errors": [{"page": None, "code": "corrupt_pdf", "message": "x"}]}
    store.save_document(job_id, doc, failed=("corrupt_pdf", "x"))
    job = store.get_job(job_id)
    assert job is not None and (job.status, job.error_code) == ("failed", "corrupt_pdf")
    assert store.documents()[0][1]["errors"][0]["code"] == "corrupt_pdf"


def test_documents_filter_by_batch_date_and_review(store: ResultStore) -> None:
    a, b = _job(store, "b1"), _job(store, "b2")
    store.save_document(a, DOC)
    store.save_document(b, {**DOC, "records": DOC["records"][1:]})
    assert len(store.documents()) == 2
    assert [j.id for j, _ in store.documents(batch="b2")] == [b]
    assert [j.id for j, _ in store.documents(needs_review=True)] == [a]
    assert store.documents(since=datetime.now() + timedelta(days=2)) == []
    summary = {s.batch: s.counts for s in store.batch_summaries()}
    assert summary == {"b1": {"done": 1}, "b2": {"done": 1}}


def test_find_job_by_sha_gives_the_latest(store: ResultStore) -> None:
    first = _job(store)
    second = _job(store)
    found = store.find_job_by_sha("ab" * 32)
    assert found is not None and found.id == second != first


def test_record_cells_keys() -> None:
    keys = [c["key"] for c in cell_rows(DOC["records"][0])]
    assert keys == ["project_name", "total.score", "indicators[0].name", "indicators[0].score"]


def test_an_unreachable_database_is_transient(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        ResultStore(f"postgresql+psycopg2://postgres@127.0.0.1:{_closed_port()}/nothing")


def _closed_port() -> int:
    from .service_support import free_port

    return free_port()
