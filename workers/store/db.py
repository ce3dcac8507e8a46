"""Engine, sessions and migrations of the result store.

SQLite (the default, WAL mode, writers take the lock up front with BEGIN
IMMEDIATE) or PostgreSQL. Any database failure that a retry can cure
(unreachable, locked, read-only, a lost connection, a lost insert race) is
raised as StoreUnavailable, a TransientError, so the queue retries it.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from extractor.errors import TransientError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 10
PG_MIGRATION_LOCK = 0x45585452  # pg_advisory_xact_lock key: "EXTR"
TRANSIENT_DB_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,
    sa_exc.IntegrityError,  # a lost race between two redeliveries: the retry sees the winner
)


def utcnow() -> datetime:
    """Naive UTC, as the store's DateTime columns hold it."""
    return datetime.now(UTC).replace(tzinfo=None)


class StoreUnavailable(TransientError):
    """The database could not be reached or written; the queue retries."""


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    """An engine; on SQLite a `readonly` one begins its transactions without the write lock."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, "BEGIN" if readonly else "BEGIN IMMEDIATE")
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 2, "max_overflow": 2}
    if make_url(url).get_driver_name() == "psycopg2":  # an UPDATE of many rows (a page task's
        options["executemany_mode"] = "values_plus_batch"  # pages): one round trip, not one a row
    return create_engine(url, **options)


def _sqlite_engine(url: str, begin: str) -> Engine:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on error; DB trouble is transient."""
    try:
        with factory() as session, session.begin():
            yield session
    except TRANSIENT_DB_ERRORS as e:
        raise StoreUnavailable(f"database unavailable: {type(e).__name__}: {_short(e)}") from e


def _short(e: Exception) -> str:
    return str(e).splitlines()[0][:300] if str(e) else ""


def migrate(engine: Engine, *, patience_s: float = 90.0) -> None:
    """`alembic upgrade head`, safe to run from many processes at once. Processes
    starting together queue on the database's lock; a busy lock is waited out (with
    backoff, up to `patience_s`) rather than failing the process that lost the race."""
    if _at_head(engine):  # the usual case: Alembic not even loaded (a quarter of a second
        return  # of every command's and worker's start)
    deadline = time.monotonic() + patience_s
    delay = 0.5
    while True:
        try:
            return _migrate_once(engine)
        except StoreUnavailable:
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 8.0)


@lru_cache(maxsize=1)
def script_head() -> str | None:
    """The newest revision of the migration scripts, read from their files: the one no
    other revises (None unless exactly one)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision = "([^"]+)"', source, re.M)
        down = re.search(r'^down_revision = "([^"]+)"', source, re.M)
        if revision:
            revisions.add(revision.group(1))
        if down:
            revised.add(down.group(1))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    head = script_head()
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except sa_exc.DBAPIError:  # no table yet, or the database away: migrate() decides
        return False
    return head is not None and current == head


def _migrate_once(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except TRANSIENT_DB_ERRORS as e:
        raise StoreUnavailable(f"database unavailable while migrating: {_short(e)}") from e
