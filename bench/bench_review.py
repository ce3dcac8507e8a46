"""The reviewer's work: the share of cells nobody has to look at, and cells per minute.

    python bench/bench_review.py [--pages 2,3,4,29,40,49]

1. Over the sample annexes (samples/digital/*.pdf, extracted as `extractor
   extract` does): unflagged cells / all cells, the share a reviewer never sees.
2. In Debian's chromium (Playwright; never a downloaded browser): a store
   filled in-process with those pages of annex2-2022-direct.pdf, every
   flagged cell decided by keyboard as the browser test does it (Enter to
   accept; the first cell of each record typed in full), each record finished with
   Ctrl+Enter. Cells per minute of that machine-driven pass: an upper bound
   of the page's own overhead per cell, not a person's speed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def share_never_seen() -> None:
    from extractor.config import load_settings
    from extractor.emit import document_to_dict
    from extractor.pipeline import extract_document
    from extractor.record import record_cells

    settings = load_settings({})
    all_cells = all_flagged = 0
    for pdf in sorted((ROOT / "samples" / "digital").glob("*.pdf")):
        doc = document_to_dict(extract_document(pdf, settings))
        cells = [c for rec in doc["records"] for _, c in record_cells(rec)]
        flagged = sum(1 for c in cells if c["flags"])
        needing = sum(1 for rec in doc["records"] if rec["needs_review"])
        print(f"{pdf.name}: {len(doc['records'])} records ({needing} need review),"
              f" {len(cells)} cells, {flagged} flagged;"
              f" never seen {100 * (len(cells) - flagged) / len(cells):.1f}%")
        all_cells += len(cells)
        all_flagged += flagged
    print(f"all sample annexes: {all_cells} cells, {all_flagged} flagged;"
          f" share of cells a reviewer never sees {100 * (all_cells - all_flagged) / all_cells:.1f}%")


def cells_per_minute(pages: list[int]) -> None:
    from playwright.sync_api import sync_playwright

    from devkit.localrun import ServerThread
    from review.app import create_app
    from tests.test_review_browser import TIMEOUT_MS, fill, free_port, launch, login, review_record

    with tempfile.TemporaryDirectory() as tmp:
        settings = fill(Path(tmp), pages)
        app = create_app(settings)
        server = ServerThread(app, free_port()).start()
        try:
            with sync_playwright() as p:
                browser = launch(p)
                page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
                login(page, server.url)
                page.goto(server.url + "/next")
                cells = records = 0
                t0 = time.perf_counter()
                while "/records/" in page.url:
                    page.wait_for_selector("li.cell", timeout=TIMEOUT_MS)
                    first, read = page.eval_on_selector(
                        "li.cell", "e => [e.dataset.key, e.dataset.read]")
                    before = page.url
                    cells += review_record(page, {first: read})  # typed in full, as seen
                    records += 1
                    page.wait_for_url(lambda u, b=before: u != b, timeout=TIMEOUT_MS)
                seconds = time.perf_counter() - t0
                browser.close()
        finally:
            server.stop()
            app.state.services.reviews.close()
            app.state.services.store.close()
    print(f"browser pass: {records} records, {cells} flagged cells decided by keyboard in"
          f" {seconds:.1f} s: {cells / seconds * 60:.0f} cells per minute"
          f" ({seconds / cells * 1000:.0f} ms per cell: request, re-validation, redraw)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", default="2,3,4,29,40,49",
                    help="pages of annex2-2022-direct.pdf for the browser pass")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    share_never_seen()
    if not args.no_browser:
        cells_per_minute([int(p) for p in args.pages.split(",")])


if __name__ == "__main__":
    main()
