"""The batch report in a real browser, and the pictures of the report and the sheet in docs/.

Chromium (Debian's, driven by Playwright; nothing is downloaded) opens the report from
a file with every request intercepted: any request that is not `file:` or `data:` is
refused and fails the test, so the report cannot lean on a CDN, a web font or an image
from elsewhere. The screenshot must not be blank. With UPDATE_SCREENSHOTS=1 the test
rewrites docs/report.png, and docs/sheet.png (the batch XLSX as LibreOffice prints it:
soffice -> PDF -> pdftoppm), when soffice and pdftoppm are installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from extractor.report import build_report, write_report
from tests.test_report import broken, golden
from tests.test_review_browser import TIMEOUT_MS, assert_not_blank, browser_missing, launch

ROOT = Path(__file__).resolve().parent.parent
REPORT_PNG = ROOT / "docs" / "report.png"
SHEET_PNG = ROOT / "docs" / "sheet.png"
MAX_PNG_BYTES = 400_000
LOCAL_SCHEMES = ("file:", "data:", "about:")
SHEET_COLUMNS = {"record", "project_name", "cells_flagged", "total.weight", "total.score"}  # + funds.total.*


def guard(route: Any, outside: list[str]) -> None:
    """Let the page have its own file and data: URLs; refuse and record anything else."""
    url = route.request.url
    if url.startswith(LOCAL_SCHEMES):
        route.continue_()
    else:
        outside.append(url)
        route.abort()


def scanned() -> list[dict[str, Any]]:
    """Two scans read by OCR (for the picture: their confidences are not all 1.0)."""
    from extractor.config import load_settings
    from extractor.emit import document_to_dict
    from extractor.layout.spec import load_layouts
    from extractor.pipeline import extract_document

    settings = load_settings({})
    layouts = load_layouts(settings.layouts_dir)
    scans = ROOT / "samples" / "scans"
    return [document_to_dict(extract_document(scans / name, settings, layouts))
            for name in ("annex2-2022-word-fax.tiff", "annex2-2022-direct-hard.pdf")
            if (scans / name).exists()]


def screenshot(browser: Any, report: Path, shot: Path, outside: list[str], full: bool = False) -> Any:
    # the report's own Content-Security-Policy is bypassed: the route alone must find nothing
    page = browser.new_page(viewport={"width": 1100, "height": 1500}, bypass_csp=True)
    page.route("**/*", lambda route: guard(route, outside))
    page.goto(report.as_uri(), wait_until="load", timeout=TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    page.screenshot(path=str(shot), full_page=full)
    return page


def crop_to_ink(png: Path, margin: int = 12) -> None:
    """Cut the white page margins off a rendered page."""
    from PIL import Image, ImageOps

    with Image.open(png) as im:
        im = im.convert("RGB")
        box = ImageOps.invert(im).getbbox()
        if box:
            im = im.crop((max(box[0] - margin, 0), max(box[1] - margin, 0),
                          min(box[2] + margin, im.width), min(box[3] + margin, im.height)))
        im.save(png)


def small_png(src: Path, dest: Path, width: int) -> None:
    """A screenshot scaled to `width` and cut to 256 colours: small enough for the repository."""
    from PIL import Image

    with Image.open(src) as im:
        im = im.convert("RGB")
        if im.width > width:
            im = im.resize((width, round(im.height * width / im.width)), Image.Resampling.LANCZOS)
        im.quantize(colors=256).save(dest, optimize=True)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_report_opens_in_chromium_with_nothing_fetched(tmp_path: Path, language: str) -> None:
    reason = browser_missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    html = build_report([(d, None) for d in golden() + broken()], title="samples/expected",
                        language=language, review_url="http://127.0.0.1:9/")
    report = write_report(html, tmp_path / "report.html")
    outside: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            shot = tmp_path / "report.png"
            page = screenshot(browser, report, shot, outside)
            assert page.locator(".chart svg").count() == 2
            assert page.locator("#top-records a[href]").count() > 0  # links are there, not followed
            assert outside == [], f"the report fetched {outside}"
            assert_not_blank(shot)
            # the guard does see a request leaving the page (a fetch made on purpose)
            page.evaluate("fetch('http://example.invalid/x').catch(() => null)")
            page.wait_for_timeout(300)
            assert outside == ["http://example.invalid/x"]
            if os.environ.get("UPDATE_SCREENSHOTS") and language == "zh_CN":
                docs = golden()[:1] + scanned() + broken()[:1]
                html = build_report([(d, None) for d in docs], title="annex2-2022", language=language,
                                    review_url="http://127.0.0.1:8000/")
                outside.clear()
                screenshot(browser, write_report(html, tmp_path / "docs.html"), shot, outside, full=True)
                assert outside == []
                small_png(shot, REPORT_PNG, 900)
        finally:
            browser.close()


@pytest.mark.skipif(not os.environ.get("UPDATE_SCREENSHOTS"), reason="UPDATE_SCREENSHOTS=1 refreshes it")
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                    reason="LibreOffice (soffice) or poppler-utils (pdftoppm) is not installed")
def test_refresh_the_sheet_picture(tmp_path: Path) -> None:
    import openpyxl

    from extractor.sheets import write_xlsx

    xlsx = write_xlsx(golden()[:1], tmp_path / "batch.xlsx", review_url="http://127.0.0.1:8000")
    wb = openpyxl.load_workbook(xlsx)  # print the record, its name and the money: one landscape page
    ws = wb.worksheets[0]
    keys = [c.value for c in ws[2]]
    for i, key in enumerate(keys, start=1):
        shown = key in SHEET_COLUMNS or str(key).startswith("funds.total.")
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].hidden = not shown
        if shown and key not in ("record", "project_name"):
            ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = 13
    ws.column_dimensions[openpyxl.utils.get_column_letter(keys.index("project_name") + 1)].width = 30
    ws.print_area = f"A1:{openpyxl.utils.get_column_letter(len(keys))}22"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    wb.save(xlsx)
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
                   check=True, capture_output=True, timeout=180, env=env)
    subprocess.run(["pdftoppm", "-png", "-r", "220", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "batch.pdf"), str(tmp_path / "sheet")], check=True, timeout=60)
    crop_to_ink(tmp_path / "sheet.png")
    small_png(tmp_path / "sheet.png", SHEET_PNG, 1300)
    assert_not_blank(SHEET_PNG)


@pytest.mark.parametrize("png", [REPORT_PNG, SHEET_PNG], ids=lambda p: p.name)
def test_pictures_in_docs_are_there_and_not_blank(png: Path) -> None:
    assert_not_blank(png)  # refreshed with UPDATE_SCREENSHOTS=1
    assert png.stat().st_size < MAX_PNG_BYTES

