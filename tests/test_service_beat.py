"""The periodic sweep with Redis (issue 14, item 2): `extractor worker --beat` runs the
`extractor.sweep` task on its schedule, and that task, run by Celery in a real worker,
resumes a job whose lease ran out while the worker was up (the sweep a worker makes when it
starts found that lease still live: only the periodic task can have resumed it).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from extractor.config import load_settings
from workers.celery_app import SWEEP_INTERVAL, app, celery_config

from .service_support import SAMPLE, redis_server, service_env, small_documents, wait_for, workers
from .test_service_stuck import count, kill_inside_a_page

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated")

LEASE_LEFT_S = 25  # the job's lease, held by another host, outlives the worker's start
BEAT_EVERY_S = 2.0


def test_the_beat_schedule_names_the_sweep_task() -> None:
    import workers.tasks  # noqa: F401 - registers the tasks on the app, as a worker does

    entries = celery_config(load_settings(environ={}))["beat_schedule"].values()
    sweeps = [e for e in entries if e["task"] == "extractor.sweep"]
    assert [e["schedule"] for e in sweeps] == [SWEEP_INTERVAL]
    assert "extractor.sweep" in app.tasks


def test_the_periodic_sweep_resumes_a_job_whose_lease_ran_out(tmp_path: Path) -> None:
    [doc] = small_documents(tmp_path / "in", 1)
    kill_inside_a_page(tmp_path, doc)  # in-process submit died inside a page: job running
    with sqlite3.connect(tmp_path / "service.db") as conn:
        conn.execute("update jobs set lease_owner = 'elsewhere:1:x',"
                     f" lease_until = datetime('now', '+{LEASE_LEFT_S} seconds')")
    with redis_server(tmp_path / "redis") as server:
        env = service_env(tmp_path, server.url)
        with workers(["w1"], env, tmp_path, faults=["--beat-every", str(BEAT_EVERY_S)],
                     options=["--beat"]) as [worker]:
            wait_for(lambda: "Task extractor.sweep[" in worker.log(), 30, 0.5,
                     "the beat to send the sweep task")
            assert count(tmp_path, "select count(*) from jobs where status = 'running'") == 1
            assert "resuming" not in worker.log()  # the lease is live: nobody resumed it
            wait_for(lambda: count(tmp_path, "select count(*) from jobs where status = 'done'"),
                     LEASE_LEFT_S + 60, 0.5, "the periodic sweep to resume the job")
            log = worker.log()
    assert "was abandoned by elsewhere:1:x: resuming" in log
    swept = re.findall(r"Task extractor\.sweep\[[0-9a-f-]+\] succeeded in [0-9.e-]+s: (\d+)", log)
    assert len(swept) >= 2 and swept[0] == "0"  # sent again and again on its schedule
    assert "1" in swept  # the task itself resumed the job (its count of swept jobs)
    assert count(tmp_path, "select count(*) from records") >= 1
