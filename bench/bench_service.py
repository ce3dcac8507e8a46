"""Throughput of the batch service with 1 and 2 worker processes.

Starts its own redis-server on a free port and real `extractor worker
--concurrency 1` processes, submits a batch of copies of the sample annex
(one byte appended to each, so every copy is a new document), and prints
pages per minute for each worker count and the ratio.

    python bench/bench_service.py                    # 5 copies of the 49-page annex: 245 pages
    python bench/bench_service.py --db sqlite,postgres   # both stores (a scratch PostgreSQL
                                                     # database on 127.0.0.1:5432, dropped after)
    python bench/bench_service.py --copies 8 --database-url postgresql+psycopg2://...

For each run it prints the CPU each worker got (its process group: main process and
pool processes, in cores over the batch's wall time): a worker that gets less than
a core while pages are waiting is held back by something other than the CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from tests.service_support import (  # noqa: E402
    SAMPLE,
    copy_with_byte,
    postgres_database,
    redis_server,
    run_cli,
    service_env,
    wait_for,
    workers,
)
from workers.store import ResultStore  # noqa: E402


def children_cpu() -> float:
    """CPU seconds of every finished child process tree (workers, redis, submit)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> float:
    """CPU seconds of the live processes of a process group, and of its reaped children."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: pgrp
            utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
            total += (utime + stime + cutime + cstime) / CLOCK_TICKS
    return total


def run(n_workers: int, copies: int, tmp: Path, database_url: str | None) -> tuple[int, float]:
    """Pages and seconds from submit to the last document done, with n worker processes."""
    docs = [copy_with_byte(SAMPLE, tmp / f"annex{i:03d}.pdf", f"bench {n_workers} {i}")
            for i in range(copies)]
    with redis_server(tmp / "redis") as server:
        env = service_env(tmp, server.url, database_url)
        env.pop("EXTRACTOR_OCR_ENGINE")
        with workers([f"w{i}" for i in range(n_workers)], env, tmp) as started:
            store = ResultStore(env["EXTRACTOR_DATABASE_URL"])
            cpu0 = [group_cpu(w.proc.pid) for w in started]
            t0 = time.perf_counter()
            out = run_cli(["submit", *map(str, docs), "--batch", "bench"], env)
            if out.returncode != 0:
                raise SystemExit(out.stderr)

            def finished() -> bool:
                jobs = store.jobs(batch="bench")
                return len(jobs) == copies and all(j.finished for j in jobs)

            wait_for(finished, 1800, 0.5, "the batch")
            seconds = time.perf_counter() - t0
            cores = [(group_cpu(w.proc.pid) - c0) / seconds for w, c0 in zip(started, cpu0, strict=True)]
            jobs = store.jobs(batch="bench")
            with store.engine.connect() as c:
                read, assemble = c.execute(sa.text(
                    "select sum(read_seconds), sum(assemble_seconds) from jobs")).one()
            store.close()
    print(f"  ({n_workers} workers: reading pages {read:.1f} s, assembling {assemble:.1f} s"
          f" of worker time; CPU each worker got: {', '.join(f'{c:.2f}' for c in cores)} cores)")
    failed = [j for j in jobs if j.status != "done"]
    if failed:
        raise SystemExit(f"{len(failed)} jobs failed: {failed[0].error_code} {failed[0].error_message}")
    return sum(j.pages_total or 0 for j in jobs), seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--copies", type=int, default=5, help="copies of the sample annex (49 pages)")
    ap.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    ap.add_argument("--db", default="", help="sqlite, postgres or both (comma-separated): a run each")
    args = ap.parse_args()
    for db in (args.db or "url").split(","):
        bench(args, db.strip())


def bench(args: argparse.Namespace, db: str) -> None:
    """Runs with each worker count; `db`: sqlite, postgres (a scratch database per run) or url."""
    database_url = args.database_url if db == "url" else None
    label = "postgresql" if db == "postgres" or (database_url or "").startswith("postgresql") else "sqlite"
    if not SAMPLE.exists():
        raise SystemExit(f"{SAMPLE} is missing: generate the samples first")
    print(f"cores {os.cpu_count()}, sample {SAMPLE.name}, copies {args.copies},"
          f" database {label}, load average {os.getloadavg()[0]:.2f}")
    rates: dict[int, float] = {}
    for n in (int(x) for x in args.workers.split(",")):
        cpu0 = children_cpu()
        scratch = postgres_database() if db == "postgres" else contextlib.nullcontext(database_url)
        with tempfile.TemporaryDirectory(prefix="bench-service-") as d, scratch as url:
            pages, seconds = run(n, args.copies, Path(d), url)
        cpu = children_cpu() - cpu0
        rates[n] = pages / seconds * 60
        print(f"{n} worker process(es): {pages} pages in {seconds:.1f} s = {rates[n]:.0f} pages/min;"
              f" {cpu:.1f} CPU s in service processes ({cpu / pages * 1000:.0f} ms/page,"
              " startup included)")
    print(f"load average {os.getloadavg()[0]:.2f} (other processes on these cores skew the figures)")
    if len(rates) >= 2:
        lo, hi = min(rates), max(rates)
        print(f"ratio {hi} vs {lo} workers: {rates[hi] / rates[lo]:.2f}x")


if __name__ == "__main__":
    main()
