"""What every route depends on: the app's services, the logged-in reviewer, the CSRF check.

app.py builds the Services and mounts the routers of api.py and pages.py;
both routers take what they need from here, so neither imports the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from extractor.config import Settings
from review.auth import User, Users, csrf_ok, new_csrf
from review.corrections import ReviewStore
from review.crops import Crops
from workers.store import ResultStore


@dataclass
class Services:
    settings: Settings
    store: ResultStore
    reviews: ReviewStore
    users: Users
    crops: Crops


def services(request: Request) -> Services:
    s: Services = request.app.state.services
    return s


def optional_user(request: Request) -> User | None:
    uid = request.session.get("uid")
    return services(request).users.get(uid) if isinstance(uid, int) else None


def current_user(request: Request) -> User:
    user = optional_user(request)
    if user is None:
        raise HTTPException(401, "log in first")
    return user


def check_csrf(request: Request) -> None:
    if not csrf_ok(request.session.get("csrf"), request.headers.get("x-csrf-token")):
        raise HTTPException(403, "missing or wrong CSRF token (X-CSRF-Token header)")


def session_csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = new_csrf()
        request.session["csrf"] = token
    return token


def login_session(request: Request, user: User) -> None:
    """A new session on login (no fixation): the user id and a fresh CSRF token."""
    request.session.clear()
    request.session.update({"uid": user.id, "csrf": new_csrf()})


UserDep = Annotated[User, Depends(current_user)]
Svc = Annotated[Services, Depends(services)]
Csrf = Depends(check_csrf)
