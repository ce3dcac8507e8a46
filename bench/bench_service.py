"""Throughput of the batch service with 1 and 2 worker processes.

Starts its own redis-server on a free port and real `extractor worker
--concurrency 1` processes, submits a batch of copies of the sample annex
(one byte appended to each, so every copy is a new document), and prints
pages per minute for each worker count and the ratio.

    python bench/bench_service.py                    # 5 copies of the 50-page annex: 250 pages
    python bench/bench_service.py --db sqlite,postgres   # both stores (a scratch PostgreSQL
                                                     # database on 127.0.0.1:5432, dropped after)
    python bench/bench_service.py --db postgres --repeat 5   # 1 and 2 workers in turns, 5 rounds
    python bench/bench_service.py --copies 8 --database-url postgresql+psycopg2://...
    python bench/bench_service.py --db postgres --copies 8 --sample SCAN   # scanned pages, e.g.
        samples/scans/annex2-2022-direct-typical.pdf: OCR, not the store, is the work
    python bench/bench_service.py --ceiling --sample ...    # what the cores allow: two
                                                     # `extractor extract` at once against in turn

Two rates per run: from starting `extractor submit` to the last document done (the
submitting process's own start-up, about a second, is in it and no worker can share
it), and from the first job queued to the last document done (what the workers do).
For each run it prints the CPU each worker got (its process group: main process and
pool processes, in cores over the batch's wall time): a worker that gets less than
a core while pages are waiting is held back by something other than the CPU (on a
shared machine: other processes; see the load average printed beside each run).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
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
from workers.store.db import utcnow  # noqa: E402


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


@dataclass(frozen=True)
class Run:
    pages: int
    seconds: float  # from starting `extractor submit` to the last document done
    worker_seconds: float  # from the first job queued to the last document done
    cores: list[float]  # CPU each worker got over `seconds`, in cores
    busy: float  # cores busy on the whole machine meanwhile, whoever used them


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy (not idle, not waiting for I/O) since boot."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


def run(n_workers: int, sample: Path, copies: int, tmp: Path, database_url: str | None) -> Run:
    """The batch through n worker processes: submit, then wait for the last document."""
    docs = [copy_with_byte(sample, tmp / f"annex{i:03d}{sample.suffix}", f"bench {n_workers} {i}")
            for i in range(copies)]
    with redis_server(tmp / "redis") as server:
        env = service_env(tmp, server.url, database_url)
        env.pop("EXTRACTOR_OCR_ENGINE")
        with workers([f"w{i}" for i in range(n_workers)], env, tmp) as started:
            store = ResultStore(env["EXTRACTOR_DATABASE_URL"])
            cpu0 = [group_cpu(w.proc.pid) for w in started]
            busy0 = machine_busy()
            t0, submitted_at = time.perf_counter(), utcnow()
            out = run_cli(["submit", *map(str, docs), "--batch", "bench"], env)
            if out.returncode != 0:
                raise SystemExit(out.stderr)

            def finished() -> bool:
                jobs = store.jobs(batch="bench")
                return len(jobs) == copies and all(j.finished for j in jobs)

            wait_for(finished, 1800, 0.5, "the batch")
            waited = time.perf_counter() - t0  # up to a polling interval past the end
            cpu = [group_cpu(w.proc.pid) - c0 for w, c0 in zip(started, cpu0, strict=True)]
            busy = (machine_busy() - busy0) / waited
            jobs = store.jobs(batch="bench")
            with store.engine.connect() as c:
                read, assemble, first, last = c.execute(sa.text(
                    "select sum(read_seconds), sum(assemble_seconds), min(created_at),"
                    " max(finished_at) from jobs")).one()
            store.close()
    print(f"  ({n_workers} workers: reading pages {read:.1f} s, assembling {assemble:.1f} s"
          " of worker time)")
    failed = [j for j in jobs if j.status != "done"]
    if failed:
        raise SystemExit(f"{len(failed)} jobs failed: {failed[0].error_code} {failed[0].error_message}")
    # both spans end when the last document was stored (its finished_at, this host's clock),
    # not when the polling above noticed it (up to 0.5 s later)
    seconds = (_when(last) - submitted_at).total_seconds()
    worker_seconds = (_when(last) - _when(first)).total_seconds()
    cores = [c / seconds for c in cpu]  # a worker's CPU after the end: next to nothing
    return Run(sum(j.pages_total or 0 for j in jobs), seconds, worker_seconds, cores, busy)


def _when(value: datetime | str) -> datetime:
    """A timestamp column as read back (SQLite through text() gives a string)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sample", type=Path, default=SAMPLE,
                    help=f"the document to copy (default {SAMPLE.relative_to(REPO)}, 50 text pages)")
    ap.add_argument("--copies", type=int, default=5, help="copies of the sample (default 5)")
    ap.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    ap.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    ap.add_argument("--db", default="", help="sqlite, postgres or both (comma-separated): a run each")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds of runs, the worker counts taking turns (a shared machine's load"
                         " drifts): a ratio per round and their median")
    ap.add_argument("--ceiling", action="store_true",
                    help="instead: `extractor extract` of the sample twice in turn and twice at"
                         " once, no queue or database: the ratio the machine itself allows")
    args = ap.parse_args()
    if args.ceiling:
        for _ in range(args.repeat):
            ceiling(args.sample)
        return
    for db in (args.db or "url").split(","):
        bench(args, db.strip())


def bench(args: argparse.Namespace, db: str) -> None:
    """Rounds of runs with each worker count; `db`: sqlite, postgres (a scratch database
    per run) or url."""
    database_url = args.database_url if db == "url" else None
    label = "postgresql" if db == "postgres" or (database_url or "").startswith("postgresql") else "sqlite"
    if not args.sample.exists():
        raise SystemExit(f"{args.sample} is missing: generate the samples first")
    print(f"cores {os.cpu_count()}, sample {args.sample.name}, copies {args.copies},"
          f" database {label}, load average {os.getloadavg()[0]:.2f}")
    counts = [int(x) for x in args.workers.split(",")]
    ratios: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        rates = {n: one_run(n, args.sample, args.copies, db, database_url) for n in counts}
        if len(rates) >= 2:
            lo, hi = min(rates), max(rates)
            ratios.append((rates[hi][0] / rates[lo][0], rates[hi][1] / rates[lo][1]))
            print(f"ratio {hi} vs {lo} workers: {ratios[-1][0]:.2f}x from submit,"
                  f" {ratios[-1][1]:.2f}x from the first job queued;"
                  f" load average {os.getloadavg()[0]:.2f}")
    if len(ratios) > 1:
        print(f"median of {len(ratios)} rounds: {statistics.median(r[0] for r in ratios):.2f}x"
              f" from submit, {statistics.median(r[1] for r in ratios):.2f}x from the first job queued")


def ceiling(sample: Path) -> None:
    """Two extractions of `sample` one after the other, then two at once: the 2-vs-1
    ratio of the work alone (each process's start-up, models included, is in both)."""
    def extract(out: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "extractor.cli", "extract", str(sample),
                                 "-o", str(out)], cwd=REPO, stdout=subprocess.DEVNULL)

    with tempfile.TemporaryDirectory(prefix="bench-ceiling-") as d:
        t0 = time.perf_counter()
        for i in range(2):
            if extract(Path(d) / f"turn{i}").wait() != 0:
                raise SystemExit("extractor extract failed")
        in_turn = time.perf_counter() - t0
        t0 = time.perf_counter()
        procs = [extract(Path(d) / f"once{i}") for i in range(2)]
        if any(p.wait() != 0 for p in procs):
            raise SystemExit("extractor extract failed")
        at_once = time.perf_counter() - t0
    print(f"two extractions of {sample.name}: {in_turn:.1f} s in turn, {at_once:.1f} s at once:"
          f" {in_turn / at_once:.2f}x; load average {os.getloadavg()[0]:.2f}")


def one_run(n: int, sample: Path, copies: int, db: str,
            database_url: str | None) -> tuple[float, float]:
    """One batch through n workers, printed; pages/min from submit and from the first job."""
    cpu0 = children_cpu()
    scratch = postgres_database() if db == "postgres" else contextlib.nullcontext(database_url)
    with tempfile.TemporaryDirectory(prefix="bench-service-") as d, scratch as url:
        r = run(n, sample, copies, Path(d), url)
    cpu = children_cpu() - cpu0
    rate, worker_rate = r.pages / r.seconds * 60, r.pages / r.worker_seconds * 60
    print(f"{n} worker process(es): {r.pages} pages in {r.seconds:.1f} s = {rate:.0f} pages/min"
          f" from submit ({r.worker_seconds:.1f} s = {worker_rate:.0f} pages/min from the first"
          f" job queued); CPU each worker got: {', '.join(f'{c:.2f}' for c in r.cores)} cores,"
          f" the machine was busy {r.busy:.2f} of {os.cpu_count()} cores;"
          f" {cpu:.1f} CPU s in service processes ({cpu / r.pages * 1000:.0f} ms/page, startup"
          f" included); load average {os.getloadavg()[0]:.2f}")
    return rate, worker_rate


if __name__ == "__main__":
    main()
