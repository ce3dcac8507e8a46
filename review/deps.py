"""What every route depends on: the app's services, the logged-in reviewer, the CSRF check.

app.py builds the Services and mounts the routers of api.py and pages.py;
both routers take what they need from here, so neither imports the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request

from extractor.config import Settings
from review.auth import User, Users, csrf_ok, new_csrf
from review.corrections import ReviewStore
from review.crops import Crops
from review.throttle import PASSWORD_CHECK_THREADS, LoginThrottle
from workers.store import ResultStore


@dataclass
class Services:
    settings: Settings
    store: ResultStore
    reviews: ReviewStore
    users: Users
    crops: Crops
    throttle: LoginThrottle
    _password_checks: anyio.CapacityLimiter | None = field(default=None, repr=False)

    def password_checks(self) -> anyio.CapacityLimiter:
        """The threads argon2 may use at once (made in the event loop, on first use)."""
        if self._password_checks is None:
            self._password_checks = anyio.CapacityLimiter(PASSWORD_CHECK_THREADS)
        return self._password_checks


def services(request: Request) -> Services:
    s: Services = request.app.state.services
    return s


async def _services_dep(request: Request) -> Services:  # async: no thread-pool trip
    return services(request)


def optional_user(request: Request) -> User | None:
    """The reviewer of this session, if the session is still theirs (not ended by logout or
    revoke: its version is the user's current one)."""
    uid, version = request.session.get("uid"), request.session.get("sv")
    if not isinstance(uid, int) or not isinstance(version, int):
        return None
    user = services(request).users.get(uid)
    return user if user is not None and user.session_version == version else None


def current_user(request: Request) -> User:
    user = optional_user(request)
    if user is None:
        raise HTTPException(401, "log in first")
    return user


async def check_csrf(request: Request) -> None:
    if not csrf_ok(request.session.get("csrf"), request.headers.get("x-csrf-token")):
        raise HTTPException(403, "missing or wrong CSRF token (X-CSRF-Token header)")


def session_csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = new_csrf()
        request.session["csrf"] = token
    return token


def client_address(request: Request) -> str:
    """The client's address: the TCP peer, or X-Forwarded-For from a trusted proxy."""
    return request.client.host if request.client else "unknown"


async def check_password(request: Request, name: str, password: str) -> User | None:
    """The user if the password is right; HTTP 429 once the account or the address is over
    its attempts. The argon2 check runs in a thread of its own bounded pool."""
    svc = services(request)
    wait = svc.throttle.admit(name, client_address(request))
    if wait:
        await anyio.sleep(svc.throttle.pause_s)
        raise HTTPException(429, f"too many login attempts; try again in {wait} s",
                            headers={"Retry-After": str(wait)})
    return await anyio.to_thread.run_sync(svc.users.authenticate, name, password,
                                          limiter=svc.password_checks())


def login_session(request: Request, user: User) -> None:
    """A new session on login (no fixation): the user id, its session version, a fresh CSRF token."""
    request.session.clear()
    request.session.update({"uid": user.id, "sv": user.session_version, "csrf": new_csrf()})


def logout_session(request: Request) -> None:
    """Ends every session of the logged-in reviewer (copies of this cookie included). A session
    already ended is only cleared: an old cookie cannot log the reviewer out again."""
    user = optional_user(request)
    request.session.clear()
    if user is not None:
        services(request).users.end_sessions(user.id)


UserDep = Annotated[User, Depends(current_user)]
Svc = Annotated[Services, Depends(_services_dep)]
Csrf = Depends(check_csrf)
