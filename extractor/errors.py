"""One exception base; every error has a stable code (docs/errors.md lists them)."""

from __future__ import annotations

from enum import StrEnum

from extractor.models import DocumentError


class ErrorCode(StrEnum):
    # the document cannot be opened at all (permanent)
    EMPTY_FILE = "empty_file"
    NOT_A_DOCUMENT = "not_a_document"
    CORRUPT_PDF = "corrupt_pdf"
    ENCRYPTED_PDF = "encrypted_pdf"
    TOO_MANY_PAGES = "too_many_pages"
    IMAGE_TOO_LARGE = "image_too_large"
    FILE_NOT_FOUND = "file_not_found"
    NOT_A_REGULAR_FILE = "not_a_regular_file"
    # per page / per form (the rest of the document goes on)
    NO_FORM_FOUND = "no_form_found"
    PAGE_NOT_A_FORM = "page_not_a_form"
    PAGE_UNREADABLE = "page_unreadable"
    PAGE_TOO_LARGE = "page_too_large"
    LAYOUT_UNMATCHED = "layout_unmatched"
    FORM_INCOMPLETE = "form_incomplete"
    OCR_FAILED = "ocr_failed"
    # configuration
    LAYOUT_INVALID = "layout_invalid"
    SETTINGS_INVALID = "settings_invalid"
    # service
    TIMEOUT = "timeout"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    JOB_ABANDONED = "job_abandoned"
    INTERNAL = "internal_error"


class ExtractError(Exception):
    """Base of every error the extractor raises on purpose."""

    code: ErrorCode = ErrorCode.INTERNAL
    transient: bool = False

    def __init__(self, message: str, *, code: ErrorCode | None = None, page: int | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.page = page

    def __str__(self) -> str:
        return f"[{self.code.value}] {self.message}"


class PermanentError(ExtractError):
    """Bad input: retrying cannot help."""


class TransientError(ExtractError):
    """Something outside the document failed (broker, database, disk); retry."""

    transient = True


class DocumentOpenError(PermanentError):
    pass


class LayoutSpecError(PermanentError):
    code = ErrorCode.LAYOUT_INVALID

    def __init__(self, path: str, key: str, problem: str):
        super().__init__(f"{path}: {key}: {problem}")
        self.path = path
        self.key = key


class SettingsError(PermanentError):
    code = ErrorCode.SETTINGS_INVALID


def error_from_exception(exc: BaseException, page: int | None = None) -> DocumentError:
    """The one place an exception becomes a reported error (a DocumentError with its code).

    An ExtractError keeps its code and message (and its page, unless `page` is given);
    any other exception is unexpected: on a page it is `page_unreadable` (the other pages
    go on), on the whole document `internal_error` (the batch goes on).
    """
    if isinstance(exc, ExtractError):
        return DocumentError(exc.code.value, exc.message, page if page is not None else exc.page)
    detail = f"{type(exc).__name__}: {exc}"
    if page is not None:
        return DocumentError(ErrorCode.PAGE_UNREADABLE.value, f"page {page} could not be read ({detail})",
                             page)
    return DocumentError(ErrorCode.INTERNAL.value, detail)
