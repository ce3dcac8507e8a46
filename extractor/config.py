"""One settings model, read from EXTRACTOR_* environment variables; unknown keys refused.

Every value is checked when the Settings are made (from the environment, from keyword
overrides, or by `dataclasses.replace`): a value of the wrong type, out of its range or not
one of its choices is a SettingsError naming the variable, as is an unknown EXTRACTOR_*
variable. Plain dataclasses rather than pydantic-settings: the same `extra="forbid"` rule
without pydantic's import cost at every start of the command.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from extractor.errors import SettingsError

PREFIX = "EXTRACTOR_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEXT_READERS = ("pdfium", "pdfplumber")
# the OCR engines of extractor/ocr's registry, and the two names that are no engine; an engine
# registered at run time (ocr.register) is known too once extractor.ocr is imported
OCR_ENGINES = ("auto", "none", "tiny", "ppocrv5", "rapid", "tesseract")
LANGUAGES = ("zh_CN", "en")  # extractor.i18n.LANGUAGES: the pages' and the report's languages
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

# (lowest, highest) of the numeric settings; None: no bound on that side
RANGES: dict[str, tuple[float | None, float | None]] = {
    "max_pages": (1, None),
    "max_file_mb": (1, None),
    "max_image_pixels": (1, None),
    "max_page_pixels": (1_000_000, None),
    "render_dpi": (72, 1200),
    "task_soft_time_limit": (1, None),
    "task_time_limit": (1, None),
    "max_attempts": (1, None),
    "worker_max_memory_mb": (0, None),  # 0: no limit
    "result_expires": (0, None),
    "min_layout_score": (0.0, 1.0),
    "review_max_body_kb": (1, None),
    "review_login_attempts_per_account": (1, None),
    "review_login_attempts_per_address": (1, None),
    "review_login_window_s": (1, 86400),
}
REVIEW_COOKIE_SECURE = ("auto", "on", "off")


@dataclass(frozen=True)
class Settings:
    layouts_dir: Path = PROJECT_ROOT / "layouts"
    max_pages: int = 2000  # documents longer than this are refused (too_many_pages)
    max_file_mb: int = 500
    max_image_pixels: int = 200_000_000  # decompression-bomb guard for scans
    render_dpi: int = 300  # image-only PDF pages are rendered at this dpi for OCR
    # the pixels one page may take when rendered or decoded (A2 at 300 dpi: 35 M; ~160 MB RGB):
    # a larger page is rendered at a lower dpi, or refused (page_too_large) before any allocation
    max_page_pixels: int = 40_000_000
    text_reader: str = "pdfium"  # pdfium | pdfplumber (the slower reference reader)
    # the drop folder (`extractor watch`) takes regular files only: a symlink is refused
    # (not_a_regular_file); on: a symlink is followed when its target resolves inside the inbox
    inbox_follow_links: bool = False
    ocr_engine: str = "auto"  # auto (tiny) | tiny | ppocrv5 (alias rapid) | tesseract | none
    ocr_second_opinion: bool = True
    store: Path = Path("var/store")
    database_url: str = "sqlite:///var/extractor.db"
    redis_url: str = ""  # empty: run jobs in-process (embedded default)
    task_soft_time_limit: int = 600
    task_time_limit: int = 900
    max_attempts: int = 3
    worker_max_memory_mb: int = 1500
    result_expires: int = 86400
    min_layout_score: float = 0.6
    review_secret_file: Path = Path("var/review-secret")  # signs the review page's session cookie
    review_url: str = ""  # where `extractor serve` is reached: the batch XLSX links records to it
    language: str = "zh_CN"  # the review page's and the report's: zh_CN (Simplified Chinese) | en
    review_max_body_kb: int = 2048  # a larger request body is refused (413) before it is read
    # `Secure` on the session cookie: auto = when the request came over HTTPS (directly, or as
    # X-Forwarded-Proto from a proxy in review_trusted_proxies); on = always; off = never
    review_cookie_secure: str = "auto"
    # addresses whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated IPs or
    # networks, "*" any); empty: none, the client is the TCP peer
    review_trusted_proxies: str = ""
    # login attempts allowed per window; over it the account / the client address gets 429 until
    # the window has room again (in memory; in Redis when EXTRACTOR_REDIS_URL is set)
    review_login_attempts_per_account: int = 10
    review_login_attempts_per_address: int = 30
    review_login_window_s: int = 60

    def __post_init__(self) -> None:
        for f in fields(self):
            problem = _problem(f.name, getattr(self, f.name), _kind(f.name))
            if problem:
                raise SettingsError(f"{variable(f.name)}={getattr(self, f.name)!r}: {problem}")
        if self.task_soft_time_limit > self.task_time_limit:
            raise SettingsError(f"{variable('task_soft_time_limit')}={self.task_soft_time_limit} is over"
                                f" {variable('task_time_limit')}={self.task_time_limit}")


def variable(name: str) -> str:
    """The environment variable of a setting: max_pages -> EXTRACTOR_MAX_PAGES."""
    return PREFIX + name.upper()


def _kind(name: str) -> type:
    kind = type(next(f.default for f in fields(Settings) if f.name == name))
    return Path if issubclass(kind, Path) else kind


def known_ocr_engines() -> set[str]:
    registry = sys.modules.get("extractor.ocr")  # not imported here: it loads numpy
    return set(OCR_ENGINES) | set(getattr(registry, "ENGINES", {}))


def _problem(name: str, value: object, kind: type) -> str:
    """Why a value does not fit its setting, or ""."""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return f"not a {kind.__name__}"
    low, high = RANGES.get(name, (None, None))
    if isinstance(value, int | float) and not _within(value, low, high):
        return f"out of range ({low if low is not None else '...'} to {high if high is not None else '...'})"
    choices = {"text_reader": set(TEXT_READERS), "ocr_engine": known_ocr_engines(),
               "language": set(LANGUAGES), "review_cookie_secure": set(REVIEW_COOKIE_SECURE)}.get(name)
    if choices is not None and value not in choices:
        return f"not one of {', '.join(sorted(choices))}"
    if name == "redis_url" and value and not str(value).startswith(REDIS_SCHEMES):
        return f"not a Redis URL ({', '.join(REDIS_SCHEMES)})"
    if name == "review_url" and value and not str(value).startswith(("http://", "https://")):
        return "not an http(s) URL"
    if name == "database_url" and "://" not in str(value):
        return "not a database URL (sqlite:///PATH or postgresql+psycopg2://...)"
    return ""


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (-math.inf if low is None else low) <= value <= (math.inf if high is None else high)


def _coerce(raw: str, kind: type, key: str) -> object:
    try:
        if kind is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind is Path:
            return Path(raw)
        return kind(raw)
    except ValueError as e:
        raise SettingsError(f"{variable(key)}={raw!r} is not a valid {kind.__name__}") from e


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """The settings from `environ` (default os.environ), then `overrides` by field name."""
    env = os.environ if environ is None else environ
    names = {f.name for f in fields(Settings)}
    values: dict[str, object] = {}
    for name, raw in env.items():
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX) :].lower()
        if key not in names:
            known = ", ".join(variable(k) for k in sorted(names))
            raise SettingsError(f"unknown setting {name}; known: {known}")
        values[key] = _coerce(raw, _kind(key), key)
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]!r}")
    values.update(overrides)
    return dataclasses.replace(Settings(), **values)  # type: ignore[arg-type]
