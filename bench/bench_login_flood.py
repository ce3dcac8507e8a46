"""A reviewer's requests during a wrong-password flood: p95 latency and 5xx, SQLite and PostgreSQL.

    python bench/bench_login_flood.py [--db sqlite,postgres] [--clients 64] [--seconds 20]

For each database: a store filled in-process with pages 2, 3, 4 of the sample annex, an
`extractor serve` process (one uvicorn process, as deployed) on a loopback port, then:

1. quiet: the reviewer alone for a few seconds (the baseline);
2. one address: `--clients` clients post wrong passwords as fast as they can, all from
   127.0.0.1 (the login limits lock the address out: the flood costs a 429 each);
3. many addresses: the same clients, each claiming its own address through
   X-Forwarded-For (the server trusts 127.0.0.1 as a proxy) and a new account name on
   every try, so no limit holds them back at first: each address gets its
   EXTRACTOR_REVIEW_LOGIN_ATTEMPTS_PER_ADDRESS argon2 checks per window (a botnet);

while the reviewer, logged in before, loops over GET /api/queue, GET /api/records/{id}
and POST /api/records/{id}/cells/{key} (accept, then correct, ...), each timed. Prints
the reviewer's p50 / p95 / max and 5xx count per phase and the flood's statuses.
Target (issue 14): p95 < 0.5 s and no 5xx under the flood. Loopback only; every loop
is bounded by the phase's duration.

PostgreSQL: a scratch database on 127.0.0.1:5432 (trust auth, user postgres), dropped after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "samples" / "digital" / "annex2-2022-direct.pdf"
PASSWORD = "reviewer's long password"


def fill(tmp: Path, database_url: str) -> dict[str, str]:
    """The store filled and two users added; the server's environment."""
    from devkit.localrun import cut_pages, run_jobs
    from extractor.config import load_settings
    from review.auth import Users
    from workers.store import ResultStore

    env = {"EXTRACTOR_STORE": str(tmp / "store"), "EXTRACTOR_DATABASE_URL": database_url,
           "EXTRACTOR_REVIEW_SECRET_FILE": str(tmp / "secret"), "EXTRACTOR_OCR_ENGINE": "none"}
    settings = load_settings(env)
    store = ResultStore(database_url)
    run_jobs(settings, [cut_pages(SAMPLE, [2, 3, 4], tmp / "annex.pdf")], "flood", store)
    users = Users(store)
    users.add("reviewer", PASSWORD)
    users.add("victim", PASSWORD)
    users.close()
    store.close()
    return env


@contextmanager
def server(env: dict[str, str], tmp: Path) -> Iterator[str]:
    from tests.service_support import free_port, kill_group, wait_for

    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    full.update(env, EXTRACTOR_REVIEW_TRUSTED_PROXIES="127.0.0.1", PYTHONPATH=str(ROOT))
    log = open(tmp / "serve.log", "ab")  # noqa: SIM115 - owned by the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "extractor.cli", "serve", "--port", str(port), "--log-level", "warning"],
        env=full, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url), 30, what="extractor serve")
        yield url
    finally:
        kill_group(proc)
        log.close()


def _answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(url + "/api/session", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class Reviewer:
    """A logged-in reviewer going round the queue; times each request."""

    def __init__(self, url: str):
        import httpx

        self.client = httpx.Client(base_url=url, timeout=30)
        token = self.client.get("/api/session").json()["csrf"]
        r = self.client.post("/api/login", json={"name": "reviewer", "password": PASSWORD},
                             headers={"X-CSRF-Token": token})
        r.raise_for_status()
        self.csrf = r.json()["csrf"]
        records = self.client.get("/api/queue").json()["records"]
        self.record = records[0]["id"]
        self.key = self.client.get(f"/api/records/{self.record}").json()["cells"][0]["key"]
        self.turn = 0

    def step(self) -> tuple[float, int]:
        started = time.perf_counter()
        kind = self.turn % 3
        self.turn += 1
        if kind == 0:
            r = self.client.get("/api/queue")
        elif kind == 1:
            r = self.client.get(f"/api/records/{self.record}")
        else:
            version = self.client.get(f"/api/records/{self.record}").json()["version"]
            started = time.perf_counter()  # the POST alone
            body = ({"action": "accept", "version": version} if self.turn % 2 else
                    {"action": "correct", "text": "90", "version": version})
            r = self.client.post(f"/api/records/{self.record}/cells/{self.key}", json=body,
                                 headers={"X-CSRF-Token": self.csrf})
        return time.perf_counter() - started, r.status_code

    def run(self, seconds: float) -> list[tuple[float, int]]:
        out = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            out.append(self.step())
            time.sleep(0.05)  # a person's pace is far slower; this is many reviewers' worth
        return out


def flood(url: str, clients: range, seconds: float, spoof: bool, out: Any) -> None:
    """One attacking process: a thread per client until `seconds` pass; statuses to `out`.
    Niced: on this one machine the attackers' CPU would otherwise be taken from the server,
    where a real attacker's runs elsewhere."""
    import httpx

    os.nice(19)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def attacker(n: int) -> None:
        headers = {"X-Forwarded-For": f"10.{n // 250}.{n % 250}.1"} if spoof else {}
        tries = 0
        with httpx.Client(base_url=url, timeout=60, headers=headers) as c:
            token = c.get("/api/session").json()["csrf"]
            while not stop.is_set():
                name = f"guess{n}x{tries}" if spoof else "victim"
                tries += 1
                try:
                    code = c.post("/api/login", json={"name": name, "password": "wrong guess"},
                                  headers={"X-CSRF-Token": token}).status_code
                except httpx.HTTPError:
                    code = 0
                with lock:
                    statuses[code] += 1

    threads = [threading.Thread(target=attacker, args=(n,), daemon=True) for n in clients]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=90)
    out.put(dict(statuses))


FLOOD_PROCESSES = 2  # the clients' threads, in processes of their own (the reviewer's GIL is its own)


def phase(url: str, reviewer: Reviewer, seconds: float, clients: int, spoof: bool | None) -> str:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    attack = []
    if spoof is not None:
        attack = [ctx.Process(target=flood, args=(url, range(i, clients, FLOOD_PROCESSES), seconds + 3,
                                                  spoof, out)) for i in range(FLOOD_PROCESSES)]
    for proc in attack:
        proc.start()
    if attack:
        time.sleep(2)  # the flood under way
    timed = reviewer.run(seconds)
    statuses: Counter[int] = Counter()
    for _ in attack:
        statuses.update(out.get(timeout=120))
    for proc in attack:
        proc.join(timeout=30)
    times = sorted(t for t, _ in timed)
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    errors = sum(1 for _, code in timed if code >= 500)
    other = Counter(code for _, code in timed if code != 200)
    sent = sum(statuses.values())
    flood_part = (f"; flood {sent} logins ({sent / (seconds + 1):.0f}/s): "
                  + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))) if attack else ""
    return (f"{len(times)} reviewer requests, p50 {statistics.median(times):.3f} s,"
            f" p95 {p95:.3f} s, max {times[-1]:.3f} s, 5xx {errors}"
            + (f", other non-200 {dict(other)}" if other else "") + flood_part)


def bench(db: str, clients: int, seconds: float) -> None:
    from tests.service_support import postgres_database

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        databases = postgres_database() if db == "postgres" else nullcontext(f"sqlite:///{tmp / 'review.db'}")
        with databases as url_db:
            env = fill(tmp, url_db)
            with server(env, tmp) as url:
                reviewer = Reviewer(url)
                print(f"[{db}] quiet:          {phase(url, reviewer, 5, clients, None)}", flush=True)
                print(f"[{db}] one address:    {phase(url, reviewer, seconds, clients, False)}",
                      flush=True)
                print(f"[{db}] many addresses: {phase(url, reviewer, seconds, clients, True)}",
                      flush=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--db", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--seconds", type=float, default=20, help="length of each flood phase")
    args = p.parse_args(argv)
    print(f"{args.clients} flooding clients, {os.cpu_count()} cores; reviewer timed per request")
    for db in args.db.split(","):
        bench(db.strip(), args.clients, args.seconds)


if __name__ == "__main__":
    main()
