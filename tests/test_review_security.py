"""The review page against hostile clients: huge ids, huge bodies, copied cookies, login floods.

Uses the filled store of tests/test_review_api.py (its module fixtures are imported).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import select
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from extractor.config import load_settings
from review.app import create_app
from review.throttle import LoginThrottle
from tests.service_support import free_port, redis_server, wait_for
from tests.test_review_api import (  # noqa: F401 - fixtures
    PASSWORD,
    SAMPLE,
    Api,
    env,
    filled,
    record_on_page,
)

pytestmark = [
    pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

HUGE = 2**64  # beyond every integer column: SQLite raised OverflowError (500)


def _routes_with_ids() -> list[tuple[str, str]]:
    from review import api, pages

    routes = []
    for route in api.router.routes + pages.router.routes:
        if isinstance(route, APIRoute) and "{" in route.path:
            routes += [(method, route.path) for method in sorted(route.methods - {"HEAD"})]
    return routes


def _fill(path: str, record_id: object, page: object) -> str:
    return (path.replace("{record_id}", str(record_id)).replace("{page}", str(page))
            .replace("{key}", "project_name").replace("{job_id}", str(record_id)))


def test_ids_beyond_64_bits_are_404_on_every_route(env: Any) -> None:  # noqa: F811
    app, _, jobs = env
    api = Api(app, "root")
    api.client = TestClient(app, raise_server_exceptions=False, cookies=api.client.cookies)
    real = record_on_page(api, jobs["new"], 0)
    routes = _routes_with_ids()
    assert len(routes) >= 10, routes
    body = {"action": "accept", "version": 0}
    for method, path in routes:
        cases = [(HUGE, 1), (-HUGE, 1), (2**63, 1)] + ([(real["id"], HUGE)] if "{page}" in path else [])
        for record_id, page in cases:
            url = _fill(path, record_id, page)
            r = api.get(url) if method == "GET" else api.post(url, body)
            assert r.status_code == 404, (method, url, r.status_code, r.text[:200])
    # a version beyond 64 bits is a stale version (409), a record id in a bulk item a 404 item
    key = real["cells"][0]["key"]
    r = api.post(f"/api/records/{real['id']}/cells/{key}", {"action": "accept", "version": HUGE})
    assert r.status_code == 409, r.text
    items = [{"record_id": HUGE, "key": key, "action": "accept", "version": 0}]
    r = api.post("/api/corrections", {"items": items})
    assert r.status_code == 200 and r.json()["results"][0]["status"] == 404, r.text


# --- request bodies ------------------------------------------------------------------------------


@contextmanager
def served(app: Any) -> Iterator[int]:
    """The app under a real uvicorn (HTTP/1.1 over loopback) in a thread; yields its port."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 15, what="uvicorn to start")
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _post_streaming(port: int, headers: str, chunks: Iterator[bytes], timeout: float = 20) -> tuple[bytes, int]:
    """Send a request's head, then body chunks until the server answers; (answer, bytes sent)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(headers.encode())
        deadline = time.monotonic() + timeout
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0] or time.monotonic() > deadline:
                break
            try:
                sock.sendall(chunk)
            except OSError:  # the server answered and closed
                break
            sent += len(chunk)
        sock.settimeout(max(0.5, deadline - time.monotonic()))
        try:
            answer = sock.recv(65536)
        except (TimeoutError, OSError):
            answer = b""
    return answer, sent


def _chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    piece = b"x" * size
    for _ in range(total // size):
        yield f"{size:x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"


def test_a_200_mb_post_is_refused_early_with_413(env: Any) -> None:  # noqa: F811
    app, settings, _ = env
    cap = settings.review_max_body_kb * 1024
    head = "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    with served(app) as port:
        # announced: refused on the headers, before the body
        answer, _ = _post_streaming(port, head + f"Content-Length: {200 << 20}\r\n\r\n",
                                    iter([b"{" + b" " * 1023]), timeout=5)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        # streamed (chunked, no length): refused once past the cap, the rest never read
        answer, sent = _post_streaming(port, head + "Transfer-Encoding: chunked\r\n\r\n",
                                       _chunked(200 << 20))
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert sent < cap + (32 << 20), sent  # the cap plus what the socket buffers hold
        # a normal login still works on the same server
        answer, _ = _post_streaming(port, "GET /api/session HTTP/1.1\r\nHost: x\r\n\r\n", iter([]))
        assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


# --- sessions ------------------------------------------------------------------------------------


def _app_with(fixture: Any, **overrides: Any) -> Any:
    _, settings, _ = fixture
    app = create_app(dataclasses.replace(settings, **overrides))
    return app


def _close(app: Any) -> None:
    app.state.services.reviews.close()
    app.state.services.users.close()
    app.state.services.store.close()


def test_a_copied_cookie_is_refused_after_logout(env: Any) -> None:  # noqa: F811
    app, settings, jobs = env
    api = Api(app, "ann")
    r = record_on_page(api, jobs["new"], 0)
    copy = TestClient(app, cookies=dict(api.client.cookies))
    assert copy.get("/api/queue").status_code == 200  # the copy works while the session lives
    assert api.post("/api/logout", {}).status_code == 200
    assert api.get("/api/queue").status_code == 401
    assert copy.get("/api/queue").status_code == 401
    assert copy.get("/", follow_redirects=False).status_code == 303  # to the login page
    post = copy.post(f"/api/records/{r['id']}/cells/{r['cells'][0]['key']}",
                     json={"action": "accept", "version": r["version"]},
                     headers={"X-CSRF-Token": api.csrf})
    assert post.status_code == 401
    # the old cookie cannot log ann out of her next session
    again = Api(app, "ann")
    assert copy.post("/api/logout", headers={"X-CSRF-Token": api.csrf}).status_code == 200
    assert again.get("/api/queue").status_code == 200
    # an admin's revoke ends every session of a reviewer
    from review.commands import cmd_users

    phone, laptop = Api(app, "bob"), Api(app, "bob")
    assert cmd_users(argparse.Namespace(users_command="revoke", name="bob"), settings) == 0
    assert phone.get("/api/queue").status_code == 401 and laptop.get("/api/queue").status_code == 401
    assert Api(app, "bob").get("/api/queue").status_code == 200  # logging in again works
    assert cmd_users(argparse.Namespace(users_command="revoke", name="nobody"), settings) == 1


def _session_cookie(client: TestClient, headers: dict[str, str] | None = None) -> str:
    r = client.get("/api/session", headers=headers or {})
    return next(v for k, v in r.headers.multi_items() if k == "set-cookie" and "review_session=" in v)


def test_secure_cookies_over_https_and_behind_a_trusted_proxy(env: Any) -> None:  # noqa: F811
    app, _, _ = env
    assert "secure" not in _session_cookie(TestClient(app)).lower()  # plain HTTP: a test setup
    assert "secure" in _session_cookie(TestClient(app, base_url="https://testserver")).lower()
    https = {"X-Forwarded-Proto": "https"}
    assert "secure" not in _session_cookie(TestClient(app), https).lower()  # not from a proxy we trust
    proxied = _app_with(env, review_trusted_proxies="testclient")  # TestClient's peer address
    try:
        assert "secure" in _session_cookie(TestClient(proxied), https).lower()
        assert "secure" not in _session_cookie(TestClient(proxied)).lower()
    finally:
        _close(proxied)
    for setting, expected in (("on", True), ("off", False)):
        other = _app_with(env, review_cookie_secure=setting)
        try:
            for base in ("http://testserver", "https://testserver"):
                cookie = _session_cookie(TestClient(other, base_url=base)).lower()
                assert ("secure" in cookie) is expected, (setting, base, cookie)
        finally:
            _close(other)


# --- login floods --------------------------------------------------------------------------------


def _login(client: TestClient, name: str, password: str) -> Any:
    token = client.get("/api/session").json()["csrf"]
    return client.post("/api/login", json={"name": name, "password": password},
                       headers={"X-CSRF-Token": token})


def test_login_attempts_are_limited_per_account_and_address(
    env: Any, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    limited = _app_with(env, review_login_attempts_per_account=3, review_login_attempts_per_address=7,
                        review_login_window_s=60)
    limited.state.services.throttle.pause_s = 0.05  # the pause before each refusal (1 s)
    try:
        c = TestClient(limited)
        with caplog.at_level(logging.WARNING, logger="review.login"):
            assert [_login(c, "ann", "wrong").status_code for _ in range(3)] == [401] * 3
            locked = _login(c, "ann", PASSWORD)  # the right password too, during the lockout
            assert locked.status_code == 429 and 1 <= int(locked.headers["retry-after"]) <= 60
            assert "too many login attempts" in locked.json()["detail"]
            assert _login(c, "Ann", "wrong").status_code == 429  # names compared without case
            assert _login(c, "bob", PASSWORD).status_code == 200  # another account: its own count
            assert _login(c, "zed", "wrong").status_code == 401
            assert _login(c, "root", PASSWORD).status_code == 429  # the address is over its 7 (refused ones count)
            page = c.get("/login").text
            token = page.split('name="csrf" value="')[1].split('"')[0]
            form = c.post("/login", data={"name": "root", "password": PASSWORD, "csrf": token})
            assert form.status_code == 429 and "too many login attempts" in form.text.lower()
        refusals = [r.getMessage() for r in caplog.records if r.name == "review.login"]
        assert any("account limit: ann locked out" in m for m in refusals), refusals
        assert any("address limit: testclient locked out" in m for m in refusals), refusals
        assert len(refusals) == 2  # once per lockout, not once per refused attempt
    finally:
        _close(limited)
    # the lockout ends by itself once the window has room again
    short = LoginThrottle(load_settings({}, review_login_attempts_per_account=1, review_login_window_s=1))
    assert short.admit("ann", "10.0.0.1") == 0 and short.admit("ann", "10.0.0.1") == 1
    time.sleep(1.2)
    assert short.admit("ann", "10.0.0.1") == 0


def test_logins_and_sessions_never_wait_for_the_write_lock(env: Any) -> None:  # noqa: F811
    """A writer holding SQLite's lock (a worker saving a batch) must not stall a reviewer's
    request or a login: user lookups read without the write lock, passwords are checked with
    no transaction open (and off the event loop)."""
    app, settings, _ = env
    api = Api(app, "ann")
    seen: list[bool] = []
    users = app.state.services.users
    authenticate = users.authenticate

    def spy(name: str, password: str) -> Any:
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)
        return authenticate(name, password)

    users.authenticate = spy
    path = settings.database_url.split("///", 1)[1]
    writer = sqlite3.connect(path, isolation_level=None, timeout=1)
    try:
        writer.execute("BEGIN IMMEDIATE")  # hold the write lock
        started = time.monotonic()
        assert api.get("/api/queue").status_code == 200
        assert Api(app, "bob").get("/api/session").json()["user"]["name"] == "bob"
        assert time.monotonic() - started < 3  # the busy timeout is 10 s
        assert seen == [False]  # authenticate ran in a worker thread, not in the event loop
    finally:
        writer.execute("ROLLBACK")
        writer.close()


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="no redis-server")
def test_login_limits_are_shared_through_redis(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """With EXTRACTOR_REDIS_URL every process serving the page counts in Redis; Redis gone,
    logins go on (argon2 still bounds them) and that is logged."""
    with redis_server(tmp_path / "redis") as server:
        settings = load_settings({}, redis_url=server.url, review_login_attempts_per_account=2)
        one, two = LoginThrottle(settings), LoginThrottle(settings)  # two `extractor serve`
        assert one.admit("ann", "10.0.0.1") == 0 and two.admit("ann", "10.0.0.2") == 0
        assert 1 <= one.admit("ann", "10.0.0.3") <= 60
        assert two.admit("bob", "10.0.0.4") == 0
    with caplog.at_level(logging.WARNING, logger="review.login"):
        assert one.admit("ann", "10.0.0.5") == 0
    assert "rate limit unavailable" in caplog.text
