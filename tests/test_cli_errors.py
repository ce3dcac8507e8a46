"""One place turns exceptions into error codes: extractor.errors.error_from_exception."""

from __future__ import annotations

from pathlib import Path

from extractor.errors import DocumentOpenError, ErrorCode, SettingsError, error_from_exception
from extractor.models import DocumentError
from extractor.pipeline import check_document


def test_an_extract_error_keeps_its_code_and_message() -> None:
    err = error_from_exception(DocumentOpenError("a.pdf: empty", code=ErrorCode.EMPTY_FILE))
    assert err == DocumentError("empty_file", "a.pdf: empty", None)
    assert error_from_exception(SettingsError("bad"), page=3) == DocumentError("settings_invalid", "bad", 3)


def test_an_unexpected_error_on_a_page_is_page_unreadable() -> None:
    err = error_from_exception(ZeroDivisionError("division by zero"), page=2)
    assert err == DocumentError("page_unreadable", "page 2 could not be read (ZeroDivisionError: division by zero)", 2)


def test_an_unexpected_error_on_a_document_is_internal() -> None:
    assert error_from_exception(KeyError("x")) == DocumentError("internal_error", "KeyError: 'x'", None)


def test_check_document_reports_an_unreadable_file(tmp_path: Path, settings) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    fits, errors = check_document(empty, settings, [])
    assert fits == [] and [e.code for e in errors] == ["empty_file"]
