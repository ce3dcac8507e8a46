"""Reviewers: accounts (argon2 hashes), the signed session cookie and CSRF tokens.

The session is Starlette's SessionMiddleware cookie (signed with itsdangerous,
SameSite=strict, HttpOnly) holding the user id, the user's session version and a
CSRF token. Logout and `extractor users revoke` bump the version in the store, so
every cookie issued before (a copy included) is refused from then on. Every
state-changing request must carry the CSRF token in the `X-CSRF-Token` header
(or a `csrf` form field for the login form); the login itself is protected
too, with a token given to the anonymous session.

Lookups never take a write lock (on SQLite they begin without the write lock) and
the password hash is checked outside any transaction: a rehash, rare, is its own
short write.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from workers.store import ResultStore
from workers.store.db import make_engine, session_scope
from workers.store.repo import utcnow
from workers.store.schema import ReviewUser

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
MIN_PASSWORD = 8
_hasher = PasswordHasher()
# verified against when the user does not exist, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class UserError(ValueError):
    pass


@dataclass(frozen=True)
class User:
    id: int
    name: str
    is_admin: bool
    session_version: int = 0


def check_name(name: str) -> str:
    if not name or len(name) > 100 or not set(name) <= NAME_CHARS:
        raise UserError("a user name is 1-100 of the characters a-z A-Z 0-9 . _ - @")
    return name


class Users:
    def __init__(self, store: ResultStore):
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)
        sqlite = store.engine.dialect.name == "sqlite"
        self._read_engine = make_engine(store.url, readonly=True) if sqlite else store.engine
        self._owns_read_engine = sqlite
        self._reads = sessionmaker(self._read_engine, expire_on_commit=False)

    def close(self) -> None:
        if self._owns_read_engine:
            self._read_engine.dispose()

    def add(self, name: str, password: str, admin: bool = False) -> User:
        check_name(name)
        if len(password) < MIN_PASSWORD:
            raise UserError(f"a password has at least {MIN_PASSWORD} characters")
        hashed = _hasher.hash(password)  # before the transaction: it takes a while
        with session_scope(self._sessions) as s:
            if s.scalar(select(ReviewUser.id).where(ReviewUser.name == name)) is not None:
                raise UserError(f"user {name!r} exists")
            row = ReviewUser(name=name, password_hash=hashed, is_admin=admin, created_at=utcnow(),
                             session_version=0)
            s.add(row)
            s.flush()
            return _user(row)

    def get(self, user_id: int) -> User | None:
        with session_scope(self._reads) as s:
            row = s.get(ReviewUser, user_id)
            return _user(row) if row else None

    def authenticate(self, name: str, password: str) -> User | None:
        """The user if the password is right. Blocking (argon2): call it from a thread."""
        with session_scope(self._reads) as s:
            row = s.scalars(select(ReviewUser).where(ReviewUser.name == name)).first()
            user, stored = (_user(row), row.password_hash) if row else (None, _DUMMY_HASH)
        try:
            _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is not None and _hasher.check_needs_rehash(stored):
            self._rehash(user.id, stored, _hasher.hash(password))
        return user

    def _rehash(self, user_id: int, old: str, new: str) -> None:
        with session_scope(self._sessions) as s:
            s.execute(update(ReviewUser).where(ReviewUser.id == user_id, ReviewUser.password_hash == old)
                      .values(password_hash=new))

    def end_sessions(self, user_id: int) -> None:
        """Every session of the user ends (logout, revoke): its cookies are refused from now on."""
        with session_scope(self._sessions) as s:
            s.execute(update(ReviewUser).where(ReviewUser.id == user_id)
                      .values(session_version=ReviewUser.session_version + 1))

    def revoke(self, name: str) -> bool:
        """End every session of the user called `name`; False if there is none."""
        with session_scope(self._reads) as s:
            user_id = s.scalar(select(ReviewUser.id).where(ReviewUser.name == name))
        if user_id is None:
            return False
        self.end_sessions(user_id)
        return True

    def names(self) -> list[tuple[str, bool]]:
        with session_scope(self._reads) as s:
            return [(r.name, r.is_admin) for r in s.scalars(select(ReviewUser).order_by(ReviewUser.name))]


def _user(row: ReviewUser) -> User:
    return User(row.id, row.name, row.is_admin, row.session_version or 0)


def new_csrf() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(expected: object, given: str | None) -> bool:
    return isinstance(expected, str) and bool(given) and hmac.compare_digest(expected, given or "")


def secret_key(path: Path) -> str:
    """The cookie-signing key: read from `path`, made (mode 0600) on first use."""
    path = Path(path)
    if path.exists():
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key
