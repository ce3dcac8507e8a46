"""The batch report (extractor/report, `extractor report`): its facts, one self-contained
HTML file in each language, from the result store and from the JSON `extract` wrote.

The documents are the golden ones of samples/expected (no extraction here), plus a
document that failed and one with a page error, so every part of the report has rows.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from extractor.config import load_settings
from extractor.report import JobFacts, batch_facts, build_report, documents_from_dir

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "samples" / "expected"
T0 = datetime(2026, 11, 29, 8, 0, 0)


def golden() -> list[dict[str, Any]]:
    paths = [EXPECTED / "annex2-2022-direct.json", *sorted((EXPECTED / "variants").glob("*.json"))]
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def broken() -> list[dict[str, Any]]:
    """A PDF that could not be opened, and a document with one unreadable page."""
    bad = {"source": {"path": "in/bad.pdf", "sha256": "0" * 64, "pages": 0, "kind": "born_digital"},
           "records": [], "errors": [{"page": None, "code": "corrupt_pdf", "message": "not a PDF"}]}
    partial = copy.deepcopy(golden()[1])
    partial["source"]["path"] = "in/partial.pdf"
    partial["errors"] = [{"page": 2, "code": "page_unreadable", "message": "the page raised"}]
    for rec in partial["records"]:
        rec["needs_review"] = False
        rec["flags"] = []
        for cell in rec["fields"].values():
            cell["flags"] = []
        for row in rec["indicators"]:
            for cell in row.values():
                cell["flags"] = []
    return [bad, partial]


def test_facts_count_outcomes_errors_and_flags() -> None:
    docs = golden() + broken()
    queued = JobFacts("later.pdf", "queued")
    failed = JobFacts("gone.pdf", "failed", error_code="timeout", error_message="took too long")
    timed = [JobFacts(Path(d["source"]["path"]).name, "done", d["source"]["pages"],
                      started_at=T0 + timedelta(seconds=i), finished_at=T0 + timedelta(seconds=10 + i))
             for i, d in enumerate(docs)]
    f = batch_facts([*zip(docs, timed, strict=True), (None, queued), (None, failed)])
    assert f.documents == len(docs) + 2
    assert f.pages == sum(d["source"]["pages"] for d in docs)
    assert f.records == sum(len(d["records"]) for d in docs)
    assert f.records_flagged == sum(r["needs_review"] for d in docs for r in d["records"])
    assert f.outcomes["failed"] == ["bad.pdf", "gone.pdf"]
    assert f.outcomes["page_errors"] == ["partial.pdf"] and f.outcomes["unfinished"] == ["later.pdf"]
    assert {"corrupt_pdf", "page_unreadable", "timeout"} <= set(f.errors)
    assert [s.file for s in f.errors["timeout"]] == ["gone.pdf"]
    assert f.errors["page_unreadable"][0].page == 2
    flagged = sum(bool(c["flags"]) for d in docs for r in d["records"]
                  for c in [*r["fields"].values(), *(c for row in r["indicators"] for c in row.values())])
    assert f.cells_flagged == flagged == sum(s.flagged for s in f.fields)
    assert [s.share for s in f.fields] == sorted((s.share for s in f.fields), reverse=True)
    assert all(0 <= c <= 1 for c in f.confidences) and f.confidences
    top = [r.flagged_cells for r in f.top_records]
    assert top == sorted(top, reverse=True) and top[0] > 0
    assert f.seconds == 10 + len(docs) - 1 and f.pages_per_second == pytest.approx(f.pages / f.seconds)


def test_a_batch_without_documents_still_reports() -> None:
    html = build_report([], title="empty", language="en")
    assert "No documents." in html and "<svg" not in html


def self_contained(html: str) -> None:
    """Nothing the browser would fetch: no script, stylesheet link, external src or url()."""
    assert "<script" not in html and "<link" not in html and "<iframe" not in html
    assert not re.search(r"""\ssrc\s*=\s*["'](?!data:)""", html)
    assert "url(" not in html.replace("url(#", "")  # an SVG's clip paths are url(#id)
    assert "@import" not in html and "@font-face" not in html


@pytest.mark.parametrize("language, words", [
    ("zh_CN", ["批次报告", "文件处理结果", "各字段被标记比例", "识别置信度", "标记最多的记录"]),
    ("en", ["Batch report", "Documents by outcome", "Flagged share per field", "Records with most flags"]),
])
def test_report_html_is_self_contained_in_each_language(language: str, words: list[str]) -> None:
    html = build_report([(d, None) for d in golden() + broken()], title="t", language=language,
                        review_url="http://review.example:8000/")
    self_contained(html)
    assert html.count("<svg") == 2  # the flagged shares and the confidence histogram
    assert all(w in html for w in words)
    assert f'<html lang="{"zh-CN" if language == "zh_CN" else "en"}">' in html
    assert "corrupt_pdf" in html and "bad.pdf" in html
    assert "年度资金总额" in html or "项目名称" in html  # the form's labels name the fields
    assert 'href="http://review.example:8000/' in html  # records link to the review page


def test_report_from_outdir_with_the_command(tmp_path: Path) -> None:
    from workers.commands import cmd_report

    out = tmp_path / "out"
    out.mkdir()
    for i, d in enumerate(golden() + broken()):
        (out / f"{i}.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    (out / "batch.notes.json").write_text("[1, 2]", encoding="utf-8")  # not a document: skipped
    assert len(documents_from_dir(out)) == len(golden()) + 2
    args = argparse.Namespace(output=str(tmp_path / "r.html"), batch=None, source=str(out),
                              lang="en", title=None)
    assert cmd_report(args, load_settings({})) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    self_contained(html)
    assert "No timings" in html and "<small>out</small>" in html
    args.source = str(tmp_path / "nowhere")
    assert cmd_report(args, load_settings({})) == 2
    args.source, args.lang = str(out), "fr"
    assert cmd_report(args, load_settings({})) == 2


def test_report_from_the_store_links_each_record(tmp_path: Path) -> None:
    from workers.commands import cmd_report
    from workers.store import ResultStore

    settings = load_settings({}, database_url=f"sqlite:///{tmp_path / 'r.db'}",
                             review_url="http://review.example:8000")
    store = ResultStore(settings.database_url)
    docs = golden()[:3]
    for d in docs:
        job = store.create_job(d["source"]["sha256"] or "1" * 64, Path(d["source"]["path"]).name, "x", "b1")
        store.mark_running(job, "text", [(n, "text") for n in range(1, d["source"]["pages"] + 1)])
        store.save_document(job, d)
    other = store.create_job("2" * 64, "elsewhere.pdf", "x", "b2")
    store.save_document(other, broken()[0], failed=("corrupt_pdf", "not a PDF"))
    store.close()
    args = argparse.Namespace(output=str(tmp_path / "r.html"), batch="b1", source=None, lang=None, title=None)
    assert cmd_report(args, settings) == 0
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    self_contained(html)
    assert "批次报告" in html and "<small>b1</small>" in html  # Chinese by default
    assert "elsewhere.pdf" not in html  # another batch
    assert re.search(r'href="http://review\.example:8000/records/\d+"', html)
    assert "页/秒" in html and "无耗时数据" not in html  # the store has the timings
    args.batch = None
    assert cmd_report(args, settings) == 0
    assert "corrupt_pdf" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_charts_use_a_cjk_font_when_one_is_installed() -> None:
    from matplotlib import font_manager

    from extractor.report.charts import CJK_FONTS, cjk_font

    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed & set(CJK_FONTS):
        pytest.skip("no CJK font installed (scripts/setup.sh installs fonts-noto-cjk)")
    assert cjk_font() in CJK_FONTS


def test_help_does_not_import_matplotlib() -> None:
    import subprocess
    import sys

    code = ("import sys; from extractor.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n"
            "print('matplotlib' in sys.modules, 'extractor.report' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["False", "False"]
