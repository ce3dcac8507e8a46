"""Fault tests of the batch service: real redis-server, real `extractor worker` processes.

Each test starts its own redis-server (append-only, in tmp) and workers, bounds
every wait, and kills every process it started (process groups) when done.
Slow pages and poison documents are injected by code: workers started with
`faults` run through tests/fault_worker.py, which patches the page step.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from extractor.config import load_settings
from extractor.emit import document_to_dict
from extractor.pipeline import extract_document
from workers.store import ResultStore

from .service_support import (
    SAMPLE,
    RedisServer,
    TcpProxy,
    copy_with_byte,
    postgres_database,
    postgres_reason,
    redis_server,
    run_cli,
    service_env,
    small_documents,
    wait_for,
    workers,
)

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated")

SHORT_LIMITS = {  # visibility_timeout = 8 + 2 = 10 s: an abandoned task comes back quickly
    "EXTRACTOR_TASK_TIME_LIMIT": "8",
    "EXTRACTOR_TASK_SOFT_TIME_LIMIT": "6",
}


@dataclass
class Service:
    tmp: Path
    redis: RedisServer
    database_url: str

    def env(self, **extra: str) -> dict[str, str]:
        return service_env(self.tmp, self.redis.url, self.database_url, **extra)

    def store(self) -> ResultStore:
        return ResultStore(self.database_url)

    def submit(self, paths: list[Path], *args: str) -> list[str]:
        out = run_cli(["submit", *map(str, paths), *args], self.env())
        assert out.returncode == 0, out.stderr
        return [line.split("\t")[0] for line in out.stdout.splitlines()]

    def statuses(self) -> Counter[str]:
        store = self.store()
        try:
            return Counter(j.status for j in store.jobs())
        finally:
            store.close()

    def wait_finished(self, n: int, timeout: float) -> Counter[str]:
        def finished() -> Counter[str] | None:
            c = self.statuses()
            return c if c["done"] + c["failed"] >= n else None

        result: Counter[str] = wait_for(finished, timeout, 0.5, f"{n} jobs to finish")
        return result

    def count(self, table: str) -> int:
        eng = sa.create_engine(self.database_url)
        try:
            with eng.connect() as c:
                return int(c.execute(sa.text(f"select count(*) from {table}")).scalar() or 0)
        finally:
            eng.dispose()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    with redis_server(tmp_path / "redis") as server:
        yield Service(tmp_path, server, f"sqlite:///{tmp_path / 'service.db'}")


def comparable(doc: dict[str, Any]) -> dict[str, Any]:
    src = doc["source"]
    return {"sha256": src["sha256"], "pages": src["pages"], "kind": src["kind"],
            "records": doc["records"], "errors": doc["errors"]}


def test_twenty_documents_through_two_workers(service: Service) -> None:
    docs = small_documents(service.tmp / "in", 20)
    with workers(["a", "b"], service.env(), service.tmp):
        ids = service.submit(docs, "--batch", "e2e")
        counts = service.wait_finished(20, 90)
    assert counts == Counter(done=20) and len(set(ids)) == 20
    out = run_cli(["export", "-o", str(service.tmp / "out"), "--batch", "e2e"], service.env())
    assert out.returncode == 0, out.stderr
    settings = load_settings(environ={}, ocr_engine="none")
    for path in docs:
        got = json.loads((service.tmp / "out" / f"{path.stem}.json").read_text())
        assert comparable(got) == comparable(document_to_dict(extract_document(path, settings)))
    assert service.count("records") == 20
    assert service.count("page_results") == sum(
        json.loads((service.tmp / "out" / f"{p.stem}.json").read_text())["source"]["pages"]
        for p in docs
    )
    for name in ("a", "b"):  # both workers took part
        assert "succeeded" in (service.tmp / f"worker-{name}.log").read_text()


def _deliveries(service: Service) -> list[int]:
    eng = sa.create_engine(service.database_url)
    try:
        with eng.connect() as c:
            return list(c.execute(sa.text("select deliveries from page_results")).scalars())
    finally:
        eng.dispose()


def test_a_worker_killed_mid_page_is_replaced(service: Service) -> None:
    doc = small_documents(service.tmp / "in", 1)
    slow = ["--page-sleep", "5"]
    with workers(["a"], service.env(**SHORT_LIMITS), service.tmp, faults=slow) as (a,):
        [job_id] = service.submit(doc)
        wait_for(lambda: _deliveries(service) == [1], 20, 0.1, "the page task to start on a")
        with workers(["b"], service.env(**SHORT_LIMITS), service.tmp):
            a.kill()  # SIGKILL to the whole process group, in the middle of the page
            killed_at = time.monotonic()
            service.wait_finished(1, 60)
            took = time.monotonic() - killed_at
    store = service.store()
    job = store.get_job(job_id)
    assert job is not None and job.status == "done", job
    assert _deliveries(service) == [2] and job.attempts == 2
    assert store.record_count() == 1 and service.count("documents") == 1
    assert "extractor.page" in (service.tmp / "worker-b.log").read_text()
    assert took < 40


def test_redis_restarted_mid_batch_loses_nothing(service: Service) -> None:
    docs = small_documents(service.tmp / "in", 16)
    env = service.env(**SHORT_LIMITS)
    with workers(["a", "b"], env, service.tmp, faults=["--page-sleep", "0.4"]):
        ids = service.submit(docs)
        wait_for(lambda: service.statuses()["done"] >= 3, 60, 0.2, "a few jobs to finish")
        service.redis.stop()
        assert service.statuses()["done"] < 16, "the batch finished before Redis stopped"
        time.sleep(3)
        service.redis.start()  # same port, same append-only file
        counts = service.wait_finished(16, 150)
    assert sum(counts.values()) == 16 and counts["done"] == 16, counts
    assert service.count("documents") == 16 and service.count("records") == 16
    assert len(set(ids)) == 16


def test_poison_and_corrupt_documents_in_the_drop_folder(service: Service) -> None:
    inbox = service.tmp / "inbox"
    good = small_documents(inbox, 3)
    poison = good.pop().rename(inbox / "poison.pdf")
    (inbox / "corrupt.pdf").write_bytes(b"%PDF-1.4\n%%EOF garbage\n")
    from extractor.ingest import sha256_file

    env = service.env(EXTRACTOR_MAX_ATTEMPTS="2")
    with workers(["a", "b"], env, service.tmp, faults=["--poison", sha256_file(poison)[:16]]):
        out = run_cli(["watch", str(inbox), "--once", "--settle", "0.5", "--timeout", "90"], env)
        assert out.returncode == 0, out.stderr
        assert sorted(p.name for p in (inbox / "done").iterdir()) == [p.name for p in good]
        error = json.loads((inbox / "failed" / "poison.pdf.error.json").read_text())
        assert error["code"] == "too_many_attempts", error
        error = json.loads((inbox / "failed" / "corrupt.pdf.error.json").read_text())
        assert error["code"] == "corrupt_pdf", error
        copy_with_byte(inbox / "done" / good[0].name, inbox / "after.pdf", "after")
        out = run_cli(["watch", str(inbox), "--once", "--settle", "0.5", "--timeout", "60"], env)
        assert out.returncode == 0, out.stderr
    assert (inbox / "done" / "after.pdf").exists()
    store = service.store()
    poisoned = next(j for j in store.jobs() if j.filename == "poison.pdf")
    assert poisoned.status == "failed" and poisoned.attempts == 3  # 2 allowed, the 3rd refused
    assert not list((inbox / "processing").iterdir())


def test_database_unavailable_for_a_while(tmp_path: Path) -> None:
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    docs = small_documents(tmp_path / "in", 6)
    proxy = TcpProxy(5432)
    proxy.start()
    try:
        with postgres_database() as direct_url, redis_server(tmp_path / "redis") as server:
            via_proxy = direct_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
            service = Service(tmp_path, server, direct_url)
            env = service_env(tmp_path, server.url, via_proxy)
            with workers(["a", "b"], env, tmp_path, faults=["--page-sleep", "0.5"]):
                out = run_cli(["submit", *map(str, docs)], env)
                assert out.returncode == 0, out.stderr
                wait_for(lambda: service.statuses()["done"] >= 1, 60, 0.2, "a first job")
                proxy.stop()  # the database is gone for the workers
                time.sleep(8)
                assert service.statuses()["done"] < 6
                proxy.start()
                counts = service.wait_finished(6, 120)
            logs = "".join(p.read_text() for p in tmp_path.glob("worker-*.log"))
            assert counts == Counter(done=6), counts
            assert "database unavailable" in logs and "Retry in" in logs
            assert service.count("records") == 6 and service.count("documents") == 6
    finally:
        proxy.stop()


def test_a_page_over_its_time_limit_is_a_page_error(service: Service) -> None:
    slow, fast = small_documents(service.tmp / "in", 2)
    from extractor.ingest import sha256_file

    env = service.env(EXTRACTOR_TASK_SOFT_TIME_LIMIT="2", EXTRACTOR_TASK_TIME_LIMIT="4")
    with workers(["a"], env, service.tmp, faults=["--page-sleep", f"30:{sha256_file(slow)[:16]}"]):
        slow_id, fast_id = service.submit([slow, fast])
        service.wait_finished(2, 60)
    store = service.store()
    job = store.get_job(slow_id)
    doc = store.document(slow_id)
    assert job is not None and job.finished and doc is not None
    assert {"page": 1, "code": "timeout"} in [
        {"page": e["page"], "code": e["code"]} for e in doc["errors"]
    ]
    assert store.get_job(fast_id).status == "done"  # type: ignore[union-attr]


@pytest.mark.slow
def test_redis_restarted_right_after_a_worker_starts(service: Service) -> None:
    """A task the worker has received but not started when Redis goes away (its pool process
    still warming up) is dropped by the worker and could not be given back while Redis was
    down. With the default limits it is back in the queue within a minute of Redis returning
    (the lease of workers/celery_app.py), where it took the visibility timeout (19 minutes)."""
    docs = small_documents(service.tmp / "in", 2)
    ids = service.submit(docs)  # queued before the worker starts: it receives one at once
    with workers(["a"], service.env(), service.tmp, ready=False,
                 faults=["--init-sleep", "10"]) as (worker,):
        wait_for(lambda: "] received" in worker.log(), 60, 0.1, "the worker to receive a task")
        service.redis.stop()
        time.sleep(3)
        service.redis.start()  # same port, same append-only file
        back = time.monotonic()
        counts = service.wait_finished(2, 90)
        took = time.monotonic() - back
        log = worker.log()
    assert counts["done"] == 2 and len(set(ids)) == 2, counts
    assert took < 60, f"{took:.0f} s after Redis returned\n{log[-3000:]}"


def test_celery_settings_pinned_for_celery_6_and_a_short_lease() -> None:
    from workers.celery_app import LEASE_S, celery_config

    conf = celery_config(load_settings({}))  # the default limits
    assert conf["broker_transport_options"]["visibility_timeout"] == LEASE_S <= 60
    for key in ("worker_cancel_long_running_tasks_on_connection_loss", "broker_connection_retry_on_startup",
                "task_acks_on_failure", "task_acks_on_timeout", "task_acks_late"):
        assert conf[key] is True, key
