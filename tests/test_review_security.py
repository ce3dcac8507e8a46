"""The review page against hostile clients: huge ids, huge bodies, copied cookies, login floods.

Uses the filled store of tests/test_review_api.py (its module fixtures are imported).
"""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.service_support import free_port, wait_for
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
