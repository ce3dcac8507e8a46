"""The page step (workers/page_step.py): text pages read in groups, each group claimed and
saved in one transaction each, and every guarantee of a page read alone kept.

In-process against SQLite (the same steps a worker runs), and the store's lock on the
job row against SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from celery.exceptions import SoftTimeLimitExceeded

from extractor import ingest
from extractor.config import load_settings
from extractor.emit import document_to_dict
from extractor.errors import ErrorCode
from extractor.models import page_reading_to_dict
from extractor.pipeline import extract_document, read_page
from workers import documents, jobs, page_step
from workers.commands import service_context
from workers.store import PageOutcome, ResultStore

from .service_support import SAMPLE, small_documents

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated")


@pytest.fixture
def svc(tmp_path: Path) -> Iterator[tuple[jobs.Context, jobs.LocalDispatch]]:
    settings = load_settings(environ={}, store=tmp_path / "store", ocr_engine="none",
                             database_url=f"sqlite:///{tmp_path / 'service.db'}")
    ctx, local = service_context(settings)
    assert local is not None
    yield ctx, local
    ctx.store.close()


def started(ctx: jobs.Context, local: jobs.LocalDispatch, path: Path) -> str:
    """A job submitted and started: its page tasks left in the local queue."""
    job_id = jobs.submit(path, ctx).job_id
    local.queue.clear()
    jobs.run_start(job_id, ctx)
    return job_id


def deliveries(ctx: jobs.Context, job_id: str) -> list[int]:
    with ctx.store.engine.connect() as c:
        return list(c.execute(sa.text("select deliveries from page_results where job_id = :j"
                                      " order by page"), {"j": job_id}).scalars())


def test_text_pages_go_in_even_groups_image_pages_alone_and_first() -> None:
    assert page_step.TEXT_PAGES_PER_TASK == 8
    text = [(n, "text") for n in range(1, 51)]
    groups = page_step.page_groups(text)
    assert [len(g) for g in groups] == [8, 7, 7, 7, 7, 7, 7]
    assert [n for g in groups for n in g] == list(range(1, 51))
    assert [len(g) for g in page_step.page_groups(text[:9])] == [5, 4]
    assert [len(g) for g in page_step.page_groups(text[:8])] == [8]
    mixed = [(1, "text"), (2, "image"), (3, "text"), (4, "image")]
    assert page_step.page_groups(mixed) == [[2], [4], [1, 3]]
    assert page_step.page_groups([]) == []


def test_the_annex_in_groups_gives_the_record_of_extract(
        svc: tuple[jobs.Context, jobs.LocalDispatch]) -> None:
    ctx, local = svc
    job_id = started(ctx, local, SAMPLE)
    assert [name for name, _ in local.queue] == ["pages"] * 7
    documents.close_all()  # as on a worker that did not run the start: pages opened light
    local.drain(ctx)
    job = ctx.store.get_job(job_id)
    assert job is not None and job.status == "done" and job.attempts == 1
    assert deliveries(ctx, job_id) == [1] * 50
    direct = document_to_dict(extract_document(SAMPLE, ctx.settings))
    got = ctx.store.document(job_id) or {}
    assert (got["records"], got["errors"]) == (direct["records"], direct["errors"])


def test_a_group_delivered_again_sends_each_page_alone_uncounted(
        tmp_path: Path, svc: tuple[jobs.Context, jobs.LocalDispatch]) -> None:
    ctx, local = svc
    doc = small_documents(tmp_path / "in", 5)[4]  # a two-page form
    job_id = started(ctx, local, doc)
    assert local.queue == [("pages", (job_id, [1, 2]))]
    assert ctx.store.claim_pages(job_id, [1, 2], ctx.lease) is not None  # its process died
    local.queue.clear()
    page_step.run_pages(job_id, [1, 2], ctx)  # delivered again
    assert local.queue == [("pages", (job_id, [1])), ("pages", (job_id, [2]))]
    assert deliveries(ctx, job_id) == [1, 1]  # the split read nothing: not counted
    local.drain(ctx)
    job = ctx.store.get_job(job_id)
    assert job is not None and job.status == "done" and deliveries(ctx, job_id) == [2, 2]


def test_a_page_that_kills_its_process_in_a_group_is_named(
        tmp_path: Path, svc: tuple[jobs.Context, jobs.LocalDispatch]) -> None:
    ctx, local = svc
    doc = small_documents(tmp_path / "in", 5)[4]
    job_id = started(ctx, local, doc)
    ctx.store.claim_pages(job_id, [1, 2], ctx.lease)  # the group died
    page_step.run_pages(job_id, [1, 2], ctx)  # split
    for _ in range(ctx.settings.max_attempts - 1):  # page 2 alone died every time
        ctx.store.claim_pages(job_id, [2], ctx.lease)
    local.queue.clear()
    page_step.run_pages(job_id, [2], ctx)
    job = ctx.store.get_job(job_id)
    assert job is not None and job.error_code == ErrorCode.TOO_MANY_ATTEMPTS.value
    errors = (ctx.store.document(job_id) or {})["errors"]
    assert [(e["code"], e["page"]) for e in errors] == [("too_many_attempts", 2)]


def test_a_group_stops_at_the_soft_time_limit_a_page_alone_times_out(
        tmp_path: Path, svc: tuple[jobs.Context, jobs.LocalDispatch],
        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, local = svc
    doc = small_documents(tmp_path / "in", 5)[4]
    job_id = started(ctx, local, doc)
    real = page_step._read_page

    def slow_page_2(ctx: jobs.Context, job: Any, number: int) -> PageOutcome:
        if number == 2:
            raise SoftTimeLimitExceeded()
        return real(ctx, job, number)

    monkeypatch.setattr(page_step, "_read_page", slow_page_2)
    local.queue.clear()
    page_step.run_pages(job_id, [1, 2], ctx)
    assert [(p.page, p.status) for p in ctx.store.pages(job_id)] == [(1, "done"), (2, "pending")]
    assert local.queue == [("pages", (job_id, [2]))]  # not a timeout: its group's time ran out
    assert deliveries(ctx, job_id) == [1, 0]
    local.drain(ctx)  # page 2 alone, over the limit again: its own timeout
    doc_json = ctx.store.document(job_id) or {}
    assert ("timeout", 2) in [(e["code"], e["page"]) for e in doc_json["errors"]]
    assert deliveries(ctx, job_id) == [1, 1]


def test_a_page_reads_the_same_whatever_was_read_before_from_its_open_document(
        tmp_path: Path) -> None:
    """The open-document cache of a worker (workers/documents.py) changes no reading."""
    settings = load_settings(environ={}, ocr_engine="none")
    numbers = list(range(1, 51))

    def alone(n: int) -> dict[str, Any]:
        with ingest.opened(SAMPLE, settings) as doc:
            return page_reading_to_dict(read_page(doc, n, settings))

    with ingest.opened(SAMPLE, settings) as doc:
        forward = {n: page_reading_to_dict(read_page(doc, n, settings)) for n in numbers}
    with ingest.opened(SAMPLE, settings) as doc:
        backward = {n: page_reading_to_dict(read_page(doc, n, settings)) for n in reversed(numbers)}
    assert forward == backward
    for n in (1, 17, 50):
        assert alone(n) == forward[n]


def recorded(path: Path) -> list[tuple[int, str, float | None, float | None]]:
    """The pages as the start step records them: ingest's kind and size of each."""
    with ingest.opened(path, load_settings(environ={}, ocr_engine="none")) as doc:
        return [(p.number, p.kind, p.width, p.height) for p in doc.pages]


def test_a_text_page_reads_the_same_without_opening_the_whole_document(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """workers/documents.py: text pages read from the stored PDF and the recorded sizes
    (ingest's full open not called) give the readings of the full open, every sample."""
    settings = load_settings(environ={}, ocr_engine="none")
    for path in sorted(SAMPLE.parent.glob("*.pdf")):
        pages = recorded(path)
        with ingest.opened(path, settings) as full:
            expected = [page_reading_to_dict(read_page(full, n, settings)) for n, *_ in pages]
        documents.close_all()
        with monkeypatch.context() as m:
            m.setattr(ingest, "open_document", _no_full_open)
            got = [page_reading_to_dict(read_page(
                documents.open_for_text(str(path), "x", n, lambda p=pages: p, settings),
                n, settings)) for n, *_ in pages]
        assert got == expected, path.name
    documents.close_all()


def _no_full_open(*_: Any) -> None:
    raise AssertionError("the whole document was opened again")


def test_an_image_page_or_unrecorded_sizes_take_the_full_open(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    settings = load_settings(environ={}, ocr_engine="none")
    mixed = tmp_path / "mixed.pdf"  # two text pages of the annex and a scanned page
    dst, text, scan = (pdfium.PdfDocument.new(), pdfium.PdfDocument(str(SAMPLE)),
                       pdfium.PdfDocument(str(SAMPLE.parent.parent / "scans" / "annex2-2022-direct-clean.pdf")))
    dst.import_pages(text, [0, 1])
    dst.import_pages(scan, [0])
    dst.save(str(mixed))
    for d in (dst, text, scan):
        d.close()
    pages = recorded(mixed)
    assert [k for _, k, *_ in pages] == ["text", "text", "image"]
    documents.close_all()
    light = documents.open_for_text(str(mixed), "x", 1, lambda: pages, settings)
    assert documents.open_for_text(str(mixed), "x", 2, lambda: pages, settings) is light
    full = documents.open_for_text(str(mixed), "x", 3, lambda: pages, settings)
    assert full is not light and full is documents.open_stored(str(mixed), settings)
    assert documents.open_for_text(str(mixed), "x", 1, lambda: pages, settings) is full
    documents.close_all()
    unrecorded = [(n, k, None, None) for n, k, *_ in pages]  # a job from before migration 0005
    doc = documents.open_for_text(str(mixed), "x", 1, lambda: unrecorded, settings)
    assert doc is documents.open_stored(str(mixed), settings)
    documents.close_all()


def test_of_two_tasks_saving_a_jobs_last_pages_at_once_one_sends_the_assembly(
        store: ResultStore) -> None:
    """Each task counts the finished pages in its own transaction: without the lock on the
    job row, two that save the last pages together each miss the other's, and no one
    assembles the job."""
    job_id = store.create_job("ab" * 32, "a.pdf", "/store/x.pdf", None)
    store.mark_running(job_id, "born_digital", [(1, "text"), (2, "text")])
    done = sa.text("update page_results set status = 'done' where job_id = :j and page = 1")
    result: list[bool] = []
    with store.engine.connect() as first:  # the other task, inside its save of page 1
        tx = first.begin()
        first.execute(sa.text("select id from jobs where id = :j" +
                              (" for update" if store.engine.dialect.name == "postgresql" else "")),
                      {"j": job_id})
        first.execute(done, {"j": job_id})
        second = threading.Thread(target=lambda: result.append(
            store.save_pages(job_id, [PageOutcome(2, {"page": 2}, None, 0.1)])))
        second.start()
        time.sleep(1.0)
        assert second.is_alive(), "saved page 2 without waiting for the save of page 1"
        tx.commit()
    second.join(timeout=30)
    assert result == [True]


def test_claiming_pages_counts_only_pending_ones_and_touches_the_lease(store: ResultStore) -> None:
    job_id = store.create_job("ab" * 32, "a.pdf", "/store/x.pdf", None)
    store.mark_running(job_id, "mixed", [(1, "text"), (2, "text"), (3, "image")],
                       [(595.3, 841.9), (595.3, 841.9), (841.9, 595.3)])
    assert store.page_sizes(job_id) == [(1, "text", 595.3, 841.9), (2, "text", 595.3, 841.9),
                                        (3, "image", 841.9, 595.3)]
    assert store.save_pages(job_id, [PageOutcome(1, {"p": 1}, None, 0.1)]) is False
    claim = store.claim_pages(job_id, [1, 2, 3], ("me:1:x", 60))
    assert claim is not None and claim.deliveries == {2: 1, 3: 1}
    assert claim.job.lease_owner == "me:1:x" and claim.job.pages_finished == 1
    assert store.claim_pages(job_id, [2], ("me:1:x", 60)).deliveries == {2: 2}  # type: ignore[union-attr]
    store.uncount_pages(job_id, [2, 3])
    assert store.claim_pages(job_id, [2, 3], ("me:1:x", 60)).deliveries == {2: 2, 3: 1}  # type: ignore[union-attr]
    job = store.get_job(job_id)
    assert job is not None and job.attempts == 2
    ready = store.save_pages(job_id, [PageOutcome(2, {"p": 2}, None, 0.1),
                                      PageOutcome(3, None, ("page_unreadable", "x"), 0.2)])
    assert ready is True
    assert [(p.page, p.status, p.error_code) for p in store.pages(job_id)] == [
        (1, "done", None), (2, "done", None), (3, "failed", "page_unreadable")]
    store.save_document(job_id, {"source": {}, "records": [], "errors": []})
    assert store.claim_pages(job_id, [1], ("me:1:x", 60)) is None  # finished: nothing counted
