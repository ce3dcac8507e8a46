"""One settings model, read from EXTRACTOR_* environment variables; unknown keys refused."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from extractor.errors import SettingsError

PREFIX = "EXTRACTOR_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    layouts_dir: Path = PROJECT_ROOT / "layouts"
    max_pages: int = 2000  # documents longer than this are refused (too_many_pages)
    max_file_mb: int = 500
    max_image_pixels: int = 200_000_000  # decompression-bomb guard for scans
    render_dpi: int = 300  # image-only PDF pages are rendered at this dpi for OCR
    text_reader: str = "pdfium"  # pdfium | pdfplumber (the slower reference reader)
    ocr_engine: str = "auto"  # auto (tiny) | tiny | rapid | tesseract | none
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
        raise SettingsError(f"{PREFIX}{key.upper()}={raw!r} is not a valid {kind.__name__}") from e


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    env = os.environ if environ is None else environ
    types = {f.name: type(f.default) if f.default is not None else str for f in fields(Settings)}
    types = {k: (Path if issubclass(v, Path) else v) for k, v in types.items()}
    values: dict[str, object] = {}
    for name, raw in env.items():
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX) :].lower()
        if key not in types:
            known = ", ".join(PREFIX + k.upper() for k in sorted(types))
            raise SettingsError(f"unknown setting {name}; known: {known}")
        values[key] = _coerce(raw, types[key], key)
    values.update(overrides)
    return dataclasses.replace(Settings(), **values)  # type: ignore[arg-type]
