"""One exception base; every error has a stable code (docs/errors.md lists them)."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # the document cannot be opened at all (permanent)
    EMPTY_FILE = "empty_file"
    NOT_A_DOCUMENT = "not_a_document"
    CORRUPT_PDF = "corrupt_pdf"
    ENCRYPTED_PDF = "encrypted_pdf"
    TOO_MANY_PAGES = "too_many_pages"
    IMAGE_TOO_LARGE = "image_too_large"
    FILE_NOT_FOUND = "file_not_found"
    # per page / per form (the rest of the document goes on)
    NO_FORM_FOUND = "no_form_found"
    PAGE_NOT_A_FORM = "page_not_a_form"
    PAGE_UNREADABLE = "page_unreadable"
    LAYOUT_UNMATCHED = "layout_unmatched"
    FORM_INCOMPLETE = "form_incomplete"
    OCR_FAILED = "ocr_failed"
    # configuration
    LAYOUT_INVALID = "layout_invalid"
    SETTINGS_INVALID = "settings_invalid"
    # service
    TIMEOUT = "timeout"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
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
