"""The review page against hostile clients: huge ids, huge bodies, copied cookies, login floods.

Uses the filled store of tests/test_review_api.py (its module fixtures are imported).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

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
