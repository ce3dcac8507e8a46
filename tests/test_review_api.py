"""The review queue's JSON API and pages: queue, corrections, conflicts, access (TestClient).

A store is filled once per module through the in-process job path (two small
PDFs cut from the sample annex, two batches); each test works on a copy of
its SQLite file.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devkit.localrun import cut_pages, run_jobs
from extractor.config import Settings, load_settings
from review.app import create_app
from review.auth import Users
from workers.store import ResultStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "digital" / "annex2-2022-direct.pdf"
PASSWORD = "correct horse"

pytestmark = [
    pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def settings_for(tmp: Path, db: Path) -> Settings:
    return load_settings({}, store=tmp / "store", database_url=f"sqlite:///{db}",
                         review_secret_file=tmp / "secret", language="en")  # the page in English


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Batch `b-old`: pages 2, 4, 29 (sums off, execution rate off, an amount that does not
    parse); batch `b-new`: page 3. Returns the database file and the job ids."""
    tmp = tmp_path_factory.mktemp("review-store")
    db = tmp / "filled.db"
    s = settings_for(tmp, db)
    store = ResultStore(s.database_url)
    old = run_jobs(s, [cut_pages(SAMPLE, [2, 4, 29], tmp / "old.pdf")], "b-old", store)
    new = run_jobs(s, [cut_pages(SAMPLE, [3], tmp / "new.pdf")], "b-new", store)
    Users(store).add("ann", PASSWORD)
    Users(store).add("bob", PASSWORD)
    Users(store).add("root", PASSWORD, admin=True)
    store.close()
    return db, {"old": old[0], "new": new[0]}


class Api:
    """A TestClient logged in as one user, sending the CSRF token on every POST."""

    def __init__(self, app: Any, user: str | None):
        self.client = TestClient(app)
        self.csrf = self.client.get("/api/session").json()["csrf"]
        if user:
            r = self.post("/api/login", {"name": user, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.csrf = r.json()["csrf"]

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, body: dict[str, Any]) -> Any:
        return self.client.post(url, json=body, headers={"X-CSRF-Token": self.csrf})

    def decide(self, rid: int, key: str, action: str, version: int, text: str | None = None) -> Any:
        body: dict[str, Any] = {"action": action, "version": version}
        if text is not None:
            body["text"] = text
        return self.post(f"/api/records/{rid}/cells/{key}", body)


@pytest.fixture
def env(filled: tuple[Path, dict[str, str]], tmp_path: Path) -> Any:
    db, jobs = filled
    shutil.copyfile(db, tmp_path / "t.db")
    s = settings_for(db.parent, tmp_path / "t.db")
    app = create_app(s)
    yield app, s, jobs
    app.state.services.reviews.close()
    app.state.services.users.close()
    app.state.services.store.close()


def record_on_page(api: Api, job_id: str, position: int) -> dict[str, Any]:
    rid = next(r["id"] for r in api.get("/api/queue").json()["records"]
               if r["job_id"] == job_id and r["position"] == position)
    detail: dict[str, Any] = api.get(f"/api/records/{rid}").json()
    return detail


# --- the queue -------------------------------------------------------------------------------


def test_queue_needs_login_then_lists_oldest_batch_first_with_counts(env: Any) -> None:
    app, _, jobs = env
    anon = Api(app, None)
    assert anon.get("/api/queue").status_code == 401
    page = anon.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")

    api = Api(app, "ann")
    q = api.get("/api/queue").json()
    assert [b["batch"] for b in q["batches"]] == ["b-old", "b-new"]
    old = q["batches"][0]
    assert old["records_open"] == 3 and old["records_done"] == 0
    assert old["cells_flagged"] == old["cells_pending"] > 0
    assert [r["job_id"] for r in q["records"]] == [jobs["old"]] * 3 + [jobs["new"]]
    assert all(r["cells_flagged"] > 0 and r["project_name"] for r in q["records"])
    html = api.get("/").text
    assert "b-old" in html and html.index("b-old") < html.index("b-new")

    detail = api.get(f"/api/records/{q['records'][0]['id']}").json()
    places = [(c["page"], c["bbox"][1]) for c in detail["cells"]]
    assert places == sorted(places, key=lambda p: (p[0], round(p[1] / 4)))  # reading order
    assert all(c["label"] and c["flags"] for c in detail["cells"])
    assert detail["validations"] and detail["pending"] == [c["key"] for c in detail["cells"]]


# --- corrections ------------------------------------------------------------------------------


def test_correction_reparses_revalidates_and_keeps_the_original(env: Any) -> None:
    app, _, jobs = env
    api = Api(app, "ann")
    r = record_on_page(api, jobs["old"], 1)  # execution rate does not match the amounts
    assert [v["rule"] for v in r["validations"]] == ["execution_rate"]
    fields = r["record"]["fields"]
    rate = 100 * fields["funds.total.executed"]["value"] / fields["funds.total.budget_full_year"]["value"]
    res = api.decide(r["id"], "funds.total.execution_rate", "correct", 0, f"{rate:.2f}%")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["version"] == 1 and body["validations"] == []
    assert body["pending"] == ["funds.total.budget_full_year", "funds.total.executed"]

    after = api.get(f"/api/records/{r['id']}").json()
    cell = after["record"]["fields"]["funds.total.execution_rate"]
    assert cell["text"] == f"{rate:.2f}%" and cell["value"] == pytest.approx(round(rate, 2))
    assert cell["confidence"] == 1.0 and cell["flags"] == [] and cell["reviewed_by"] == "ann"
    assert after["record"]["fields"]["funds.total.executed"]["flags"] == []  # the rule passes now
    assert after["record"]["flags"] == [] and not after["record"]["needs_review"]
    orig = after["original"]["fields"]["funds.total.execution_rate"]
    assert orig == r["original"]["fields"]["funds.total.execution_rate"] and orig["text"] != cell["text"]

    trail = api.get(f"/api/records/{r['id']}/events").json()
    assert [(e["key"], e["action"], e["new_text"], e["reviewer"]) for e in trail] == [
        ("funds.total.execution_rate", "correct", f"{rate:.2f}%", "ann")]
    assert trail[0]["old_text"] == orig["text"]


def test_finish_then_export_and_api_serve_the_reviewed_record(env: Any, tmp_path: Path) -> None:
    app, settings, jobs = env
    api = Api(app, "ann")
    r = record_on_page(api, jobs["old"], 2)  # `39.7966.92` printed as an amount
    keys = [c["key"] for c in r["cells"]]
    assert "funds.total.executed" in keys
    version = r["version"]
    early = api.post(f"/api/records/{r['id']}/finish", {"version": version})
    assert early.status_code == 422 and early.json()["pending"] == keys
    for key in keys:
        if key == "funds.total.executed":
            res = api.decide(r["id"], key, "correct", version, "39.79")
        else:
            res = api.decide(r["id"], key, "accept", version)
        assert res.status_code == 200, res.text
        version = res.json()["version"]
    done = api.post(f"/api/records/{r['id']}/finish", {"version": version})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert api.decide(r["id"], keys[0], "accept", version + 1).status_code == 409  # finished

    doc = api.get(f"/api/documents/{jobs['old']}").json()
    rec = doc["records"][2]
    assert rec["fields"]["funds.total.executed"]["text"] == "39.79"
    assert rec["fields"]["funds.total.executed"]["value"] == 39.79
    assert rec["review"]["status"] == "done" and rec["review"]["finished_by"] == "ann"

    from workers.commands import cmd_export

    out = tmp_path / "out"
    args = argparse.Namespace(output=str(out), format="json,csv", batch="b-old", since=None,
                              needs_review=False)
    assert cmd_export(args, settings) == 0
    exported = json.loads((out / "old.json").read_text(encoding="utf-8"))
    assert exported["records"][2]["fields"]["funds.total.executed"]["text"] == "39.79"
    assert exported["records"][0] == doc["records"][0]  # not reviewed: the machine's
    assert "39.79" in (out / "batch.csv").read_text(encoding="utf-8-sig")
    store = app.state.services.store
    assert store.document(jobs["old"])["records"][2]["fields"]["funds.total.executed"]["text"] \
        == "39.7966.92"  # the machine's reading is kept


def test_unreadable_keeps_the_cell_flagged_for_the_export(env: Any) -> None:
    app, _, jobs = env
    api = Api(app, "ann")
    r = record_on_page(api, jobs["new"], 0)
    key = r["cells"][0]["key"]
    assert api.decide(r["id"], key, "unreadable", 0).status_code == 200
    from extractor.record import get_cell

    got = get_cell(api.get(f"/api/records/{r['id']}").json()["record"], key)
    assert got is not None
    assert got["flags"] == ["unreadable"] and got["value"] is None and got["reviewed_by"] == "ann"


# --- conflicts -----------------------------------------------------------------------------------


def test_two_reviewers_on_one_record_stale_write_gets_409(env: Any) -> None:
    app, _, jobs = env
    ann, bob = Api(app, "ann"), Api(app, "bob")
    r = record_on_page(ann, jobs["new"], 0)
    key = r["cells"][0]["key"]
    assert bob.get(f"/api/records/{r['id']}").json()["version"] == 0
    assert ann.decide(r["id"], key, "correct", 0, "12").status_code == 200
    stale = bob.decide(r["id"], key, "correct", 0, "13")
    assert stale.status_code == 409 and stale.json()["version"] == 1
    trail = bob.get(f"/api/records/{r['id']}/events").json()
    assert [(e["reviewer"], e["new_text"]) for e in trail] == [("ann", "12")]
    assert bob.decide(r["id"], key, "correct", 1, "13").status_code == 200  # after a reload


def test_group_view_decides_one_field_across_records_in_one_pass(env: Any) -> None:
    app, _, _ = env
    api = Api(app, "ann")
    items = api.get("/api/group", params={"field": "funds.*.executed", "batch": "b-old"}).json()["items"]
    # 全年执行数 across the batch: a rate that does not fit (page 4), 39.7966.92 (page 29)
    assert items and all(i["key"].startswith("funds.") and i["key"].endswith(".executed")
                         for i in items)
    assert len({i["record_id"] for i in items}) >= 2
    html = api.get("/group", params={"field": "funds.*.executed", "batch": "b-old"}).text
    assert html.count('class="tile"') == len(items)
    body = {"items": [{"record_id": i["record_id"], "key": i["key"], "action": "accept",
                       "version": i["version"]} for i in items]}
    res = api.post("/api/corrections", body).json()["results"]
    assert [x["status"] for x in res] == [200] * len(items)
    again = api.get("/api/group", params={"field": "funds.*.executed", "batch": "b-old"})
    assert again.json()["items"] == []
    assert api.get("/api/group", params={"field": "../etc"}).status_code == 400


def test_admin_reopens_a_finished_record(env: Any) -> None:
    app, _, jobs = env
    ann, root = Api(app, "ann"), Api(app, "root")
    r = record_on_page(ann, jobs["new"], 0)
    version = 0
    for c in r["cells"]:
        version = ann.decide(r["id"], c["key"], "accept", version).json()["version"]
    version = ann.post(f"/api/records/{r['id']}/finish", {"version": version}).json()["version"]
    assert ann.post(f"/api/records/{r['id']}/reopen", {"version": version}).status_code == 403
    res = root.post(f"/api/records/{r['id']}/reopen", {"version": version})
    assert res.status_code == 200 and res.json()["status"] == "open"


# --- access ----------------------------------------------------------------------------------------


def test_every_state_change_needs_the_csrf_token(env: Any) -> None:
    app, _, jobs = env
    api = Api(app, "ann")
    r = record_on_page(api, jobs["new"], 0)
    url = f"/api/records/{r['id']}/cells/{r['cells'][0]['key']}"
    body = {"action": "accept", "version": 0}
    assert api.client.post(url, json=body).status_code == 403
    assert api.client.post(url, json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert api.client.post("/api/logout").status_code == 403
    fresh = TestClient(app)
    assert fresh.post("/api/login", json={"name": "ann", "password": PASSWORD}).status_code == 403
    form = fresh.post("/login", data={"name": "ann", "password": PASSWORD, "csrf": "x"},
                      follow_redirects=False)
    assert form.status_code == 200 and "expired" in form.text
    assert api.get(f"/api/records/{r['id']}/events").json() == []


def test_login_rejects_wrong_passwords_and_foreign_redirects(env: Any) -> None:
    app, _, _ = env
    c = TestClient(app)
    token = c.get("/api/session").json()["csrf"]
    bad = c.post("/api/login", json={"name": "ann", "password": "nope"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 401
    nobody = c.post("/api/login", json={"name": "zed", "password": PASSWORD},
                    headers={"X-CSRF-Token": token})
    assert nobody.status_code == 401
    page = c.get("/login", params={"next": "//evil.example/x"}).text
    assert 'name="next" value="/"' in page
    token = page.split('name="csrf" value="')[1].split('"')[0]
    ok = c.post("/login", data={"name": "ann", "password": PASSWORD, "csrf": token,
                                "next": "https://evil.example/"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    assert "HttpOnly" in ok.headers["set-cookie"] or "httponly" in ok.headers["set-cookie"].lower()


def test_crops_only_for_logged_in_users_and_only_by_record_and_key(env: Any) -> None:
    app, settings, jobs = env
    api, anon = Api(app, "ann"), Api(app, None)
    r = record_on_page(api, jobs["old"], 0)
    key = r["cells"][0]["key"]
    url = f"/api/records/{r['id']}/cells/{key}/crop.png"
    assert anon.get(url).status_code == 401
    got = api.get(url)
    assert got.status_code == 200 and got.content[:8] == b"\x89PNG\r\n\x1a\n"
    cached = list((Path(settings.store) / "review-cache").rglob("*.png"))
    assert len(cached) >= 2  # the page and the crop
    for bad in ("..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "nope", "indicators[99].score"):
        assert api.get(f"/api/records/{r['id']}/cells/{bad}/crop.png").status_code == 404
    assert api.get(f"/api/records/999999/cells/{key}/crop.png").status_code == 404
    page = r["pages"][0]
    assert api.get(f"/api/records/{r['id']}/pages/{page}.png").status_code == 200
    assert api.get(f"/api/records/{r['id']}/pages/{page + 1}.png").status_code == 404
    grid = api.get(f"/api/records/{r['id']}/pages/{page}").json()
    assert 500 < grid["width"] < 700 and len(grid["cells"]) > 50
    assert "<rect" in api.get(f"/records/{r['id']}/pages/{page}").text


def test_text_from_a_document_is_shown_as_text(env: Any) -> None:
    app, _, jobs = env
    store: ResultStore = app.state.services.store
    doc = copy.deepcopy(store.document(jobs["new"]))
    assert doc is not None
    evil = "<script>alert(1)</script>"
    rec = doc["records"][0]
    rec["fields"]["project_name"]["text"] = evil
    flagged = next(k for k, c in rec["fields"].items() if c["flags"])
    rec["fields"][flagged]["text"] = f'"><img src=x onerror=alert(2)>{evil}'
    source = store.get_job(jobs["new"])
    assert source is not None
    job = store.create_job("e" * 64, "evil.pdf", source.store_path, "b-evil")
    store.save_document(job, doc)
    api = Api(app, "ann")
    rid = next(r["id"] for r in api.get("/api/queue").json()["records"] if r["job_id"] == job)
    for url in (f"/records/{rid}", "/", f"/group?field={flagged}&batch=b-evil"):
        html = api.get(url).text
        assert evil not in html and "<img src=x" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    headers = api.get(f"/records/{rid}").headers
    assert "script-src" in headers["content-security-policy"] or "default-src 'self'" in \
        headers["content-security-policy"]


def test_users_add_reads_the_password_from_stdin(env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _, settings, _ = env
    from review.commands import cmd_users

    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    args = argparse.Namespace(users_command="add", name="cat", admin=True, password_stdin=True)
    assert cmd_users(args, settings) == 0
    store = ResultStore(settings.database_url)
    try:
        user = Users(store).authenticate("cat", "a long passphrase")
        assert user is not None and user.is_admin
        with store.engine.connect() as conn:
            hashed = conn.exec_driver_sql(
                "SELECT password_hash FROM review_users WHERE name='cat'").scalar()
        assert str(hashed).startswith("$argon2id$")
        monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
        assert cmd_users(argparse.Namespace(users_command="add", name="dog", admin=False,
                                            password_stdin=True), settings) == 1
    finally:
        store.close()


def test_api_docs_are_served_without_a_network(env: Any) -> None:
    app, _, _ = env
    client = TestClient(app)
    html = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in html and "cdn." not in html
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "/api/corrections" in client.get("/openapi.json").json()["paths"]
