"""Nothing stuck in-process (issue 14, item 2): a job whose process died is found by its
lease and resumed, by a restarted watcher, by `submit` of its file, or by `extractor sweep`.

Faults are injected by code (tests/fault_worker.py): `--page-sleep` slows the page step
so the watcher can be SIGKILLed mid-batch, `--poison` ends the process inside a page
like a crash in a native library.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .service_support import (
    REPO,
    SAMPLE,
    kill_group,
    redis_server,
    run_cli,
    service_env,
    small_documents,
    wait_for,
    workers,
)

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated")


def db(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "service.db")


def count(tmp_path: Path, sql: str) -> int:
    try:
        with db(tmp_path) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def faulty(args: list[str], env: dict[str, str], faults: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.fault_worker", *faults, "--", *args],
                            env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, text=True)


def sha_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sigkilled_watcher_restarted_files_every_document(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    docs = small_documents(inbox, 6)
    shutil.copyfile(docs[0], inbox / "same-bytes.pdf")
    (inbox / "corrupt.pdf").write_bytes(b"%PDF-1.7\n not a pdf at all\n")
    names = sorted(p.name for p in inbox.iterdir())
    env = service_env(tmp_path)
    watcher = faulty(["watch", str(inbox), "--settle", "0.3", "--interval", "0.3"], env,
                     ["--page-sleep", "0.4"])
    try:  # killed once a job is running with a page read, others not yet finished
        wait_for(lambda: count(tmp_path, "select count(*) from page_results"
                                         " where status != 'pending'") >= 1
                 and count(tmp_path, "select count(*) from jobs where status = 'running'") >= 1,
                 60, 0.05, "a job mid-way")
    finally:
        kill_group(watcher, signal.SIGKILL)
    left = sorted(p.name for p in (inbox / "processing").iterdir())
    assert left, "the watcher was killed after the batch, not in it"
    assert count(tmp_path, "select count(*) from jobs where status = 'running'") >= 1

    again = run_cli(["watch", str(inbox), "--once", "--settle", "0.3", "--timeout", "120"], env)
    assert again.returncode == 0, again.stderr
    done = sorted(p.name for p in (inbox / "done").iterdir())
    failed = sorted(p.name for p in (inbox / "failed").iterdir() if p.suffix != ".json")
    assert sorted(done + failed) == names
    assert failed == ["corrupt.pdf"]
    assert not list((inbox / "processing").iterdir())
    assert count(tmp_path, "select count(*) from jobs where status in ('queued', 'running')") == 0


def kill_inside_a_page(tmp_path: Path, doc: Path) -> dict[str, str]:
    """`submit` of `doc` whose process dies inside its first page: the job left running."""
    env = service_env(tmp_path)
    crashed = faulty(["submit", str(doc)], env, ["--poison", sha_of(doc)[:16]])
    assert crashed.wait(timeout=120) == 70
    assert count(tmp_path, "select count(*) from jobs where status = 'running'") == 1
    return env


def test_submit_of_an_abandoned_jobs_file_resumes_it(tmp_path: Path) -> None:
    [doc] = small_documents(tmp_path / "in", 1)
    env = kill_inside_a_page(tmp_path, doc)
    again = run_cli(["submit", str(doc)], env)
    assert again.returncode == 0, again.stderr
    assert "(resumed)" in again.stdout
    assert count(tmp_path, "select count(*) from jobs where status = 'done'") == 1
    assert count(tmp_path, "select count(*) from records") >= 1


def test_sweep_resumes_or_fails_abandoned_jobs(tmp_path: Path) -> None:
    docs = small_documents(tmp_path / "in", 2)
    env = kill_inside_a_page(tmp_path, docs[0])
    swept = run_cli(["sweep"], env)
    assert swept.returncode == 0, swept.stderr
    assert "resumed" in swept.stdout
    assert count(tmp_path, "select count(*) from jobs where status = 'done'") == 1

    kill_inside_a_page(tmp_path, docs[1])
    failed = run_cli(["sweep", "--fail"], env)
    assert failed.returncode == 0 and "failed" in failed.stdout
    with db(tmp_path) as conn:
        code = conn.execute("select error_code from jobs where status = 'failed'").fetchone()[0]
    assert code == "job_abandoned"


def test_a_live_lease_is_left_alone_an_expired_one_is_resumed(tmp_path: Path) -> None:
    """The owner on another host cannot be asked: its lease decides, not a guess."""
    [doc] = small_documents(tmp_path / "in", 1)
    env = kill_inside_a_page(tmp_path, doc)
    with db(tmp_path) as conn:
        conn.execute("update jobs set lease_owner = 'elsewhere:1:x',"
                     " lease_until = datetime('now', '+1 hour')")
    assert "0 abandoned" in run_cli(["sweep"], env).stderr
    assert count(tmp_path, "select count(*) from jobs where status = 'running'") == 1
    with db(tmp_path) as conn:
        conn.execute("update jobs set lease_until = datetime('now', '-1 second')")
    out = run_cli(["sweep"], env)
    assert "1 abandoned" in out.stderr and "resumed" in out.stdout
    assert count(tmp_path, "select count(*) from jobs where status = 'done'") == 1


def test_a_poison_page_is_resumed_at_most_max_attempts_times(tmp_path: Path) -> None:
    [doc] = small_documents(tmp_path / "in", 1)
    env = kill_inside_a_page(tmp_path, doc)
    for _ in range(3):  # the sweeper resumes it; the page kills the process again
        p = faulty(["sweep"], env, ["--poison", sha_of(doc)[:16]])
        p.wait(timeout=120)
    out = run_cli(["sweep"], env)
    assert out.returncode == 0
    with db(tmp_path) as conn:
        row = conn.execute("select status, error_code from jobs").fetchone()
    assert row == ("failed", "too_many_attempts"), json.dumps(row)


def test_a_worker_that_starts_resumes_a_job_with_no_message_left(tmp_path: Path) -> None:
    """With Redis: a job left running with no message for it anywhere (its process died
    in-process, or Redis lost its messages) is resumed by the sweep at worker start."""
    [doc] = small_documents(tmp_path / "in", 1)
    kill_inside_a_page(tmp_path, doc)
    with redis_server(tmp_path / "redis") as server:
        env = service_env(tmp_path, server.url)
        with workers(["w1"], env, tmp_path):
            wait_for(lambda: count(tmp_path, "select count(*) from jobs where status = 'done'"),
                     60, 0.5, "the abandoned job to be resumed and finished")


def test_the_heartbeat_keeps_a_lease_alive_and_only_while_it_beats(tmp_path: Path) -> None:
    import time

    from workers import lease
    from workers.store import ResultStore
    from workers.store.repo import utcnow

    store = ResultStore(f"sqlite:///{tmp_path / 'beat.db'}")
    try:
        job_id = store.create_job("0" * 64, "a.pdf", "x", None, lease=(lease.owner_id(), 0.4))
        with lease.Heartbeat(store, 0.4):  # renews every 0.1 s on its own thread
            time.sleep(1.2)
            job = store.get_job(job_id)
            assert job is not None and not lease.abandoned(job, utcnow())
        time.sleep(0.6)
        job = store.get_job(job_id)
        assert job is not None and lease.abandoned(job, utcnow())  # it stopped beating
    finally:
        store.close()


def test_with_redis_a_gone_submitter_does_not_abandon_its_queued_job(tmp_path: Path) -> None:
    """With Redis the job's messages outlive `submit`: only its lease's end counts."""
    import socket
    from datetime import timedelta

    from workers import lease
    from workers.store import ResultStore
    from workers.store.repo import utcnow

    dead = 2**22 + 12345  # above pid_max's default: no such process
    store = ResultStore(f"sqlite:///{tmp_path / 'q.db'}")
    try:
        for prefix, expected in ((lease.QUEUED, False), ("", True)):
            owner = f"{prefix}{socket.gethostname()}:{dead}:x"
            job_id = store.create_job(prefix + "0" * 60, "a.pdf", "x", None, lease=(owner, 60))
            job = store.get_job(job_id)
            assert job is not None and lease.abandoned(job, utcnow()) is expected
            assert lease.abandoned(job, utcnow() + timedelta(seconds=61))  # lease ran out
        assert lease.owner_id(in_process=False).startswith(lease.QUEUED)
    finally:
        store.close()
