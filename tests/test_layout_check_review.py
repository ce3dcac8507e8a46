"""The visual check of a layout in the review app (admin only), issue 13: TestClient for
access and the picture, Debian's chromium (as tests/test_review_browser.py) for the page."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from devkit.localrun import cut_pages, run_jobs
from extractor.config import Settings, load_settings
from review.app import create_app
from review.auth import Users
from workers.store import ResultStore

from .test_review_api import PASSWORD, ROOT, SAMPLE, Api, pytestmark  # noqa: F401 (pytestmark applies here too)
from .test_review_browser import TIMEOUT_MS, assert_not_blank, browser_missing, free_port, launch, wait_images


@pytest.fixture
def app_env(tmp_path: Path) -> Any:
    """One stored document (the seed's page 4); an admin `root` and a reviewer `ann`; the
    shipped layouts plus a draft of the form in layouts/drafts/."""
    layouts = tmp_path / "layouts"
    shutil.copytree(ROOT / "layouts", layouts, ignore=shutil.ignore_patterns("*.md"))
    (layouts / "drafts").mkdir()
    settings: Settings = load_settings({}, store=tmp_path / "store", database_url=f"sqlite:///{tmp_path / 'r.db'}",
                                       review_secret_file=tmp_path / "secret", layouts_dir=layouts)  # fmt: skip
    pdf = cut_pages(SAMPLE, [4], tmp_path / "annex.pdf")
    from extractor.layout.draft import draft_file
    from extractor.layout.draft_yaml import draft_to_yaml
    from extractor.layout.spec import load_layouts
    from extractor.layout.vocab import vocabulary

    text = draft_to_yaml(draft_file(pdf, 1, vocabulary(load_layouts(layouts))), "annex-draft")
    (layouts / "drafts" / "annex-draft.yaml").write_text(text, encoding="utf-8")
    store = ResultStore(settings.database_url)
    run_jobs(settings, [pdf], "b1", store)
    Users(store).add("ann", PASSWORD)
    Users(store).add("root", PASSWORD, admin=True)
    store.close()
    app = create_app(settings)
    yield app, settings
    app.state.services.reviews.close()
    app.state.services.store.close()


def _record_id(api: Api) -> int:
    return int(api.get("/api/queue", params={"include_done": True}).json()["records"][0]["id"])


def test_layout_check_is_for_admins_and_draws_shipped_and_draft_layouts(app_env: Any) -> None:
    app, _ = app_env
    admin, reviewer, nobody = Api(app, "root"), Api(app, "ann"), Api(app, None)
    rid = _record_id(admin)
    url = f"/admin/records/{rid}/layout-check"
    assert nobody.get(url, follow_redirects=False).status_code == 303
    assert reviewer.get(url).status_code == 403
    assert reviewer.get(url + ".png", params={"layout": "perf-selfeval", "page": 1}).status_code == 403
    page = admin.get(url)
    assert page.status_code == 200 and "annex-draft" in page.text and "perf-selfeval" in page.text
    for layout in ("perf-selfeval", "annex-draft"):
        png = admin.get(url + ".png", params={"layout": layout, "page": 1})
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(png.content)).size[0] > 500
    assert admin.get(url + ".png", params={"layout": "nope", "page": 1}).status_code == 404
    assert admin.get(url + ".png", params={"layout": "perf-selfeval", "page": 9}).status_code == 404


def test_layout_check_in_chromium(app_env: Any, tmp_path: Path) -> None:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    from devkit.localrun import ServerThread

    app, _ = app_env
    rid = _record_id(Api(app, "root"))
    server = ServerThread(app, free_port()).start()
    try:
        with sync_playwright() as p:
            browser = launch(p)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1400})
                page.goto(server.url + f"/admin/records/{rid}/layout-check")
                page.fill('input[name="name"]', "root")
                page.fill('input[name="password"]', PASSWORD)
                page.keyboard.press("Enter")
                page.wait_for_selector("img#layout-check", timeout=TIMEOUT_MS)
                wait_images(page)
                page.select_option('select[name="layout"]', "annex-draft")
                page.click('form.layout-check button[type="submit"]')
                page.wait_for_url(lambda u: "layout=annex-draft" in u, timeout=TIMEOUT_MS)
                wait_images(page)
                width = page.eval_on_selector("img#layout-check", "i => i.naturalWidth")
                assert width > 500
                page.screenshot(path=str(tmp_path / "layout-check.png"), full_page=True)
                assert_not_blank(tmp_path / "layout-check.png")
            finally:
                browser.close()
    finally:
        server.stop()
