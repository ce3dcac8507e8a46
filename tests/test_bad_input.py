"""Every kind of bad input gets its documented error code; the rest of the batch is written."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractor.cli import main as cli_main
from extractor.config import load_settings
from extractor.emit import document_to_dict
from extractor.pipeline import extract_document

from .conftest import ROOT, SAMPLES
from .pdfs import OTHER_TABLE, make_pdf

WORD = SAMPLES / "digital" / "annex2-2022-word.pdf"
DOCS = ROOT / "docs" / "errors.md"


def codes(doc: dict) -> list[str]:
    return [e["code"] for e in doc["errors"]]


def run(path: Path, settings=None) -> dict:
    return document_to_dict(extract_document(path, settings or load_settings({})))


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    data = WORD.read_bytes()
    files = {
        "empty_file": tmp_path / "zero.pdf",
        "not_a_document": tmp_path / "notes.pdf",
        "corrupt_pdf": tmp_path / "truncated.pdf",
        "file_not_found": tmp_path / "missing.pdf",
    }
    files["empty_file"].write_bytes(b"")
    files["not_a_document"].write_text("这不是PDF，只是一段文字。\n", encoding="utf-8")
    files["corrupt_pdf"].write_bytes(data[: len(data) // 3])
    enc = tmp_path / "locked.pdf"
    subprocess.run(
        ["qpdf", "--encrypt", "secret", "owner", "256", "--", str(WORD), str(enc)], check=True
    )
    files["encrypted_pdf"] = enc
    files["no_form_found"] = make_pdf(tmp_path / "letter.pdf", [[("line", "关于报送绩效自评结果的函")]])
    return files


@pytest.mark.parametrize(
    "code", ["empty_file", "not_a_document", "corrupt_pdf", "file_not_found", "encrypted_pdf", "no_form_found"]
)
def test_each_bad_input_has_its_code(bad_files, code):
    doc = run(bad_files[code])
    assert doc["records"] == []
    assert code in codes(doc)
    assert all(e["message"] for e in doc["errors"])
    assert f"`{code}`" in DOCS.read_text(encoding="utf-8"), "document the code in docs/errors.md"


def test_a_bad_batch_still_writes_every_document(bad_files, tmp_path, capsys):
    out = tmp_path / "out"
    inputs = [str(p) for p in bad_files.values()] + [str(WORD)]
    assert cli_main(["extract", *inputs, "-o", str(out)]) == 1  # some documents failed
    written = sorted(p.name for p in out.glob("*.json"))
    assert len(written) == len(inputs)
    good = json.loads((out / "annex2-2022-word.json").read_text(encoding="utf-8"))
    assert len(good["records"]) == 39 and good["errors"] == []
    assert "7 documents" in capsys.readouterr().out


def test_a_page_that_is_not_the_form_is_reported(tmp_path):
    other = make_pdf(tmp_path / "other.pdf", [[("line", "资金分配表"), ("table", OTHER_TABLE)]])
    annex = pdfium.PdfDocument(str(WORD))
    annex.import_pages(pdfium.PdfDocument(str(other)), index=3)  # after the third form
    mixed = tmp_path / "mixed.pdf"
    annex.save(str(mixed))
    doc = run(mixed)
    assert len(doc["records"]) == 39
    assert [(e["page"], e["code"]) for e in doc["errors"]] == [(4, "page_not_a_form")]
    assert doc["records"][3]["pages"] == [5]


def test_a_500_page_pdf_is_read_and_the_limit_is_enforced(tmp_path):
    pages = [[("line", f"第{i + 1}页 说明文字")] for i in range(500)]
    big = make_pdf(tmp_path / "big.pdf", pages)
    doc = run(big)
    assert doc["source"]["pages"] == 500
    assert codes(doc).count("page_not_a_form") == 500
    assert "no_form_found" in codes(doc)
    limited = run(big, load_settings({"EXTRACTOR_MAX_PAGES": "100"}))
    assert codes(limited) == ["too_many_pages"]


def test_a_page_that_crashes_its_reader_is_an_error_not_a_crash(monkeypatch):
    import extractor.pipeline as pipeline

    real = pipeline.read_page

    def flaky(doc, number, settings):
        if number == 2:
            raise RuntimeError("reader exploded")
        return real(doc, number, settings)

    monkeypatch.setattr(pipeline, "read_page", flaky)
    doc = run(WORD)
    assert ("page_unreadable", 2) in [(e["code"], e["page"]) for e in doc["errors"]]
    assert len(doc["records"]) == 38  # form 2 lost its only page, every other form is there



def test_a_form_cut_short_is_reported_and_still_extracted(tmp_path):
    annex = pdfium.PdfDocument(str(WORD))
    expected = json.loads((SAMPLES / "expected" / "annex2-2022-word.json").read_text(encoding="utf-8"))
    two_page = next(r for r in expected["records"] if len(r["pages"]) == 2)
    annex.del_page(two_page["pages"][1] - 1)  # lose the second page of a two-page form
    cut = tmp_path / "cut.pdf"
    annex.save(str(cut))
    doc = run(cut)
    assert len(doc["records"]) == 39
    assert ("form_incomplete", two_page["pages"][0]) in [(e["code"], e["page"]) for e in doc["errors"]]
