"""Login attempts limited per account and per client address; password checks bounded.

The counting is the `limits` library's moving window (in memory by default; in Redis
when EXTRACTOR_REDIS_URL is set, so every process serving the page shares it). Every
attempt counts, right or wrong, before its password is checked: a flood costs one cheap
refusal per request once over the limit (HTTP 429 with Retry-After), never an argon2
check. The account or address is locked out until the window has room again, at most
EXTRACTOR_REVIEW_LOGIN_WINDOW_S seconds; the first refusal of a window is logged.

Why `limits` and not slowapi (which is built on it): slowapi keys a limit by a function
of the request alone, before the body is parsed, so a per-account limit would read the
body twice; here the route calls `admit(name, address)` with the parsed name.

The password checks that are admitted run in threads (argon2 is CPU-bound and would
stall the event loop) through their own capacity limiter, at most PASSWORD_CHECK_THREADS
at once, so they never fill the thread pool the reviewers' requests run in.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from typing import cast

import anyio
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from extractor.config import Settings

log = logging.getLogger("review.login")
# argon2id (argon2-cffi's defaults) takes about 50 ms of all cores' time: half the cores at most
PASSWORD_CHECK_THREADS = max(1, (os.cpu_count() or 2) // 2)
REDIS_TIMEOUT_S = 0.5  # a Redis that does not answer must not stall the login route
# a refusal is answered after this pause (an asyncio timer, no thread, no CPU): a client that
# waits for its answer, as a flooding script does, then costs the server one cheap refusal a
# second per connection instead of as many as it can send (measured: bench/bench_login_flood.py)
REFUSAL_PAUSE_S = 1.0


def storage_uri(redis_url: str) -> str:
    """The `limits` storage of the settings: Redis if EXTRACTOR_REDIS_URL, else memory."""
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


def _storage(redis_url: str) -> Storage:
    uri = storage_uri(redis_url)
    if uri == "memory://":
        return cast(Storage, storage_from_string(uri))  # a sync URI gives a sync storage
    return cast(Storage, storage_from_string(uri, socket_timeout=REDIS_TIMEOUT_S,
                                             socket_connect_timeout=REDIS_TIMEOUT_S))


class LoginThrottle:
    def __init__(self, settings: Settings):
        window = settings.review_login_window_s
        self._limiter = MovingWindowRateLimiter(_storage(settings.redis_url))
        self._account = RateLimitItemPerSecond(settings.review_login_attempts_per_account, window)
        self._address = RateLimitItemPerSecond(settings.review_login_attempts_per_address, window)
        self._logged: dict[tuple[str, str], float] = {}  # lockouts logged, until their end
        self.pause_s = REFUSAL_PAUSE_S

    def admit(self, name: str, address: str) -> int:
        """0 if this login attempt may go on; else the seconds until the next is allowed."""
        for kind, item, key in (("address", self._address, address),
                                ("account", self._account, name.lower())):
            wait = self._hit(item, kind, key)
            if wait:
                self._log(kind, key, wait, name, address)
                return wait
        return 0

    def address_wait(self, address: str) -> int:
        """0 if the address may try; else the seconds its lockout lasts (nothing counted)."""
        try:
            if self._limiter.test(self._address, "review-login", "address", address):
                return 0
            stats = self._limiter.get_window_stats(self._address, "review-login", "address", address)
        except Exception:  # the limit store is down: admit() logs it
            return 0
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        self._log("address", address, wait, None, address)
        return wait

    def _hit(self, item: RateLimitItem, kind: str, key: str) -> int:
        try:
            if self._limiter.hit(item, "review-login", kind, key):
                return 0
            reset = self._limiter.get_window_stats(item, "review-login", kind, key).reset_time
        except Exception as e:  # the limit store is down: logins go on, argon2 still bounds them
            log.warning("login rate limit unavailable (%s: %s); attempt admitted", type(e).__name__, e)
            return 0
        return max(1, math.ceil(reset - time.time()))

    def _log(self, kind: str, key: str, wait: int, name: str | None, address: str) -> None:
        now = time.time()
        if self._logged.get((kind, key), 0) > now:
            return
        if len(self._logged) > 10_000:
            self._logged = {k: t for k, t in self._logged.items() if t > now}
        self._logged[(kind, key)] = now + wait
        log.warning("login attempts over the %s limit: %s locked out for %d s (%sfrom %s)",
                    kind, key, wait, "" if name is None else f"name {name!r} ", address)


LOGIN_PATHS = ("/api/login", "/login")


class LoginGate:
    """A login POST from an address that is locked out gets 429 before anything else is done:
    no body read, no session decoded, no route run. Under a flood from one address this is
    nearly all the requests, so it keeps the event loop free for the reviewers. Installed
    inside the proxy-headers middleware (the address is the client's, not the proxy's)."""

    def __init__(self, app: ASGIApp, throttle: LoginThrottle):
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in LOGIN_PATHS:
            client = scope.get("client")
            wait = self.throttle.address_wait(client[0] if client else "unknown")
            if wait:
                await anyio.sleep(self.throttle.pause_s)
                await _too_many(send, wait, as_json=scope["path"].startswith("/api/"))
                return
        await self.app(scope, receive, send)


async def _too_many(send: Send, wait: int, as_json: bool) -> None:
    text = f"too many login attempts; try again in {wait} s"
    body = json.dumps({"detail": text}).encode() if as_json else f"{text.capitalize()}.\n".encode()
    kind = b"application/json" if as_json else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", kind), (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(wait).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
