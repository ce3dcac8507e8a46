"""The service with no Redis (the embedded default): same steps, run in-process, SQLite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractor.config import Settings, load_settings
from extractor.emit import document_to_dict
from extractor.errors import ErrorCode
from extractor.pipeline import extract_document
from workers import jobs, page_step
from workers.commands import service_context
from workers.store import StoreUnavailable

from .service_support import SAMPLE, copy_with_byte, run_cli, service_env, small_documents

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated")


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    src = doc["source"]
    return {"sha256": src["sha256"], "pages": src["pages"], "kind": src["kind"],
            "records": doc["records"], "errors": doc["errors"]}


def direct(path: Path) -> dict[str, Any]:
    return comparable(document_to_dict(extract_document(path, load_settings(environ={}))))


@pytest.fixture
def svc_settings(tmp_path: Path) -> Settings:
    return load_settings(environ={}, store=tmp_path / "store",
                         database_url=f"sqlite:///{tmp_path / 'service.db'}")


def test_submit_runs_in_process_and_matches_extract(tmp_path: Path) -> None:
    docs = small_documents(tmp_path / "in", 3)
    env = service_env(tmp_path)
    out = run_cli(["submit", *map(str, docs), "--batch", "b1"], env)
    assert out.returncode == 0, out.stderr
    ids = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert len(set(ids)) == 3
    again = run_cli(["submit", str(docs[0])], env)
    assert again.stdout.split("\t")[0] == ids[0] and "already submitted" in again.stdout
    forced = run_cli(["submit", "--force", str(docs[0])], env)
    assert forced.returncode == 0 and forced.stdout.split("\t")[0] not in ids
    stored = list((tmp_path / "store").rglob("*.pdf"))
    assert len(stored) == 3 and all(p.parent.name == p.name[:2] for p in stored)

    exported = run_cli(["export", "-o", str(tmp_path / "out"), "--format", "json,csv",
                        "--batch", "b1"], env)
    assert exported.returncode == 0, exported.stderr
    for path in docs:
        got = json.loads((tmp_path / "out" / f"{path.stem}.json").read_text())
        assert comparable(got) == direct(path)
    assert (tmp_path / "out" / "batch.csv").exists()

    status = run_cli(["status"], env)
    assert "b1" in status.stdout and "3/3 documents" in status.stdout
    detail = run_cli(["status", ids[0][:10]], env)
    assert "status    done" in detail.stdout and "records   1" in detail.stdout


def test_watch_once_files_good_and_bad_documents(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    small_documents(inbox, 2)
    (inbox / "corrupt.pdf").write_bytes(b"%PDF-1.7\n garbage that is not a pdf \n")
    (inbox / "empty.pdf").write_bytes(b"")
    (inbox / "upload.pdf.part").write_bytes(b"still arriving")
    env = service_env(tmp_path)
    out = run_cli(["watch", str(inbox), "--once", "--settle", "0.5", "--timeout", "60"], env)
    assert out.returncode == 0, out.stderr
    assert sorted(p.name for p in (inbox / "done").iterdir()) == ["form000.pdf", "form001.pdf"]
    failed = sorted(p.name for p in (inbox / "failed").iterdir())
    assert failed == ["corrupt.pdf", "corrupt.pdf.error.json", "empty.pdf",
                      "empty.pdf.error.json"]
    error = json.loads((inbox / "failed" / "corrupt.pdf.error.json").read_text())
    assert error["code"] == ErrorCode.CORRUPT_PDF.value and error["message"]
    empty = json.loads((inbox / "failed" / "empty.pdf.error.json").read_text())
    assert empty["code"] == ErrorCode.EMPTY_FILE.value
    assert (inbox / "upload.pdf.part").exists() and not list((inbox / "processing").iterdir())

    # the folder keeps working after a failure
    copy_with_byte(inbox / "done" / "form000.pdf", inbox / "later.pdf", "later")
    out = run_cli(["watch", str(inbox), "--once", "--settle", "0.5", "--timeout", "60"], env)
    assert out.returncode == 0, out.stderr
    assert (inbox / "done" / "later.pdf").exists()


def test_redelivered_steps_do_not_duplicate_rows(tmp_path: Path, svc_settings: Settings) -> None:
    ctx, local = service_context(svc_settings)
    assert local is not None
    doc = small_documents(tmp_path / "in", 5)[4]  # a two-page form
    job_id = jobs.submit(doc, ctx).job_id
    local.queue.clear()
    jobs.run_start(job_id, ctx)
    jobs.run_start(job_id, ctx)  # redelivered start
    local.queue.clear()
    for page in (1, 1, 2, 2):  # each page delivered twice
        page_step.run_pages(job_id, [page], ctx)
    assert [name for name, _ in local.queue] == ["assemble"] * 2  # once per delivery of p2
    for _ in range(3):
        jobs.run_assemble(job_id, ctx)
    job = ctx.store.get_job(job_id)
    assert job is not None and job.status == "done" and job.attempts == 1
    assert ctx.store.record_count(job_id) == 1
    assert comparable(ctx.store.document(job_id) or {}) == direct(doc)


def test_a_document_delivered_too_often_fails(tmp_path: Path, svc_settings: Settings) -> None:
    ctx, local = service_context(svc_settings)
    assert local is not None
    job_id = jobs.submit(small_documents(tmp_path / "in", 1)[0], ctx).job_id
    jobs.run_start(job_id, ctx)
    for _ in range(svc_settings.max_attempts):  # deliveries whose worker died
        ctx.store.count_delivery(job_id, 1)
    local.queue.clear()
    page_step.run_pages(job_id, [1], ctx)
    job = ctx.store.get_job(job_id)
    assert job is not None and job.status == "failed"
    assert job.error_code == ErrorCode.TOO_MANY_ATTEMPTS.value
    doc = ctx.store.document(job_id)
    assert doc is not None and doc["records"] == []
    assert doc["errors"][0]["code"] == "too_many_attempts" and doc["errors"][0]["page"] == 1


def test_transient_store_errors_are_retried(tmp_path: Path, svc_settings: Settings,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, local = service_context(svc_settings)
    assert local is not None
    local.sleep = lambda s: None
    real_save = ctx.store.save_pages
    failures = [2]

    def flaky_save(*args: Any, **kwargs: Any) -> bool:
        if failures[0]:
            failures[0] -= 1
            raise StoreUnavailable("database unavailable: test")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(ctx.store, "save_pages", flaky_save)
    doc = small_documents(tmp_path / "in", 1)[0]
    job_id = jobs.submit(doc, ctx).job_id
    local.drain(ctx)
    job = ctx.store.get_job(job_id)
    assert job is not None and job.status == "done"
    assert job.attempts == 1  # transient failures are not the document's fault


def test_unreadable_stored_file_fails_the_job_clearly(tmp_path: Path, svc_settings: Settings) -> None:
    ctx, local = service_context(svc_settings)
    assert local is not None
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    job_id = jobs.submit(bad, ctx).job_id
    local.drain(ctx)
    job = ctx.store.get_job(job_id)
    assert job is not None and (job.status, job.error_code) == ("failed", "not_a_document")
    assert job.attempts == 1
