"""Helpers for the batch-service tests: real redis-server and worker processes.

Every process started here is started in its own session and killed by
process group in a `finally`, and every wait has a timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "digital" / "annex2-2022-direct.pdf"
PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.2,
             what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def kill_group(proc: subprocess.Popen[Any], sig: int = signal.SIGKILL, wait: float = 10) -> None:
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=wait)


# --- redis-server ------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free port, with an append-only file in `dir`."""

    def __init__(self, workdir: Path):
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.dir / "redis.log", "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.dir),
             "--save", "", "--protected-mode", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for(self.ping, 10, what="redis-server to answer")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis flushes its append-only file."""
        if self.proc is not None:
            kill_group(self.proc, signal.SIGTERM, wait=15)
            self.proc = None


@contextmanager
def redis_server(workdir: Path) -> Iterator[RedisServer]:
    server = RedisServer(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- worker processes ---------------------------------------------------------------------


def service_env(tmp: Path, redis_url: str = "", database_url: str | None = None,
                **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("EXTRACTOR_")}
    env.update({
        "PYTHONPATH": str(REPO),
        "EXTRACTOR_STORE": str(tmp / "store"),
        "EXTRACTOR_DATABASE_URL": database_url or f"sqlite:///{tmp / 'service.db'}",
        "EXTRACTOR_REDIS_URL": redis_url,
        "EXTRACTOR_OCR_ENGINE": "none",  # born-digital samples: no engine to load
    })
    env.update(extra)
    return env


class Worker:
    """`extractor worker --concurrency 1` in its own process group, logging to a file.

    With `faults` (options of tests/fault_worker.py, e.g. ["--page-sleep", "5"]) the
    same worker is started through tests/fault_worker.py, which injects them by code.
    """

    def __init__(self, name: str, env: dict[str, str], logdir: Path, faults: Sequence[str] = (),
                 options: Sequence[str] = ()):
        self.name = name
        self.log_path = logdir / f"worker-{name}.log"
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the process
        entry = ["tests.fault_worker", *faults, "--"] if faults else ["extractor.cli"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *entry, "worker", "--concurrency", "1",
             "--hostname", f"{name}@%h", "--loglevel", "INFO", *options],
            env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker {self.name} exited:\n{self.log()[-3000:]}")
            return " ready." in self.log()

        wait_for(ready, timeout, what=f"worker {self.name} to be ready")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        kill_group(self.proc, sig)


@contextmanager
def workers(names: list[str], env: dict[str, str], logdir: Path,
            ready: bool = True, faults: Sequence[str] = (),
            options: Sequence[str] = ()) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    try:
        for n in names:
            started.append(Worker(n, env, logdir, faults, options))
        if ready:
            for w in started:
                w.wait_ready()
        yield started
    finally:
        for w in started:
            w.kill(signal.SIGTERM)
        for w in started:
            w.kill(signal.SIGKILL)


def run_cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "extractor.cli", *args], env=env, cwd=REPO,
        capture_output=True, text=True, timeout=timeout, check=False,
    )


# --- documents ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def sample_forms() -> tuple[tuple[int, ...], ...]:
    """The pages of each form in the sample annex (1-based), from a direct extraction."""
    from extractor.config import load_settings
    from extractor.emit import document_to_dict
    from extractor.pipeline import extract_document

    doc = document_to_dict(extract_document(SAMPLE, load_settings(environ={})))
    return tuple(tuple(r["pages"]) for r in doc["records"])


def small_documents(out_dir: Path, n: int, tag: str = "") -> list[Path]:
    """n PDFs of one form each (1-2 pages), cut from the sample annex; distinct bytes."""
    import pypdfium2 as pdfium

    out_dir.mkdir(parents=True, exist_ok=True)
    forms = sample_forms()
    src = pdfium.PdfDocument(str(SAMPLE))
    paths = []
    try:
        for i in range(n):
            pages = forms[i % len(forms)]
            dst = pdfium.PdfDocument.new()
            dst.import_pages(src, [p - 1 for p in pages])
            path = out_dir / f"form{i:03d}{tag}.pdf"
            dst.save(str(path))
            dst.close()
            if i >= len(forms) or tag:  # same pages again: make the bytes differ
                with path.open("ab") as f:
                    f.write(f"\n% copy {i} {tag} {uuid.uuid4().hex}\n".encode())
            paths.append(path)
    finally:
        src.close()
    return paths


def copy_with_byte(src: Path, dest: Path, marker: str) -> Path:
    shutil.copyfile(src, dest)
    with dest.open("ab") as f:
        f.write(f"\n% {marker}\n".encode())
    return dest


# --- PostgreSQL --------------------------------------------------------------------------------


def postgres_reason() -> str | None:
    """None if PostgreSQL answers at 127.0.0.1:5432 as user postgres, else why not."""
    try:
        import sqlalchemy as sa

        eng = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as e:
        return f"PostgreSQL unreachable at 127.0.0.1:5432 as postgres ({type(e).__name__})"


@contextmanager
def postgres_database(host: str = "127.0.0.1", port: int = 5432) -> Iterator[str]:
    """A throwaway database, dropped afterwards; yields its URL (optionally via host:port)."""
    import sqlalchemy as sa

    name = f"extractor_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg2://postgres@{host}:{port}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- a TCP proxy to stop a database "outage" on demand ---------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:port to a target; stop() drops every connection and refuses new ones."""

    def __init__(self, target_port: int, port: int | None = None):
        import threading

        self.target_port = target_port
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        import threading

        lst = socket.socket()
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind(("127.0.0.1", self.port))
        lst.listen(64)
        self._listener = lst
        threading.Thread(target=self._accept, args=(lst,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
            lst, self._listener = self._listener, None
        for s in [*socks, *([lst] if lst else [])]:
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                s.close()

    def _accept(self, lst: socket.socket) -> None:
        import threading

        while True:
            try:
                client, _ = lst.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not lst:
                    client.close()
                    upstream.close()
                    return
                self._socks += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
