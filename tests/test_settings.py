"""Settings: every EXTRACTOR_* variable in use is known, and a bad value names its variable."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path

import pytest

from extractor import ocr
from extractor.config import OCR_ENGINES, Settings, load_settings, variable
from extractor.errors import ErrorCode, SettingsError

REPO = Path(__file__).resolve().parent.parent


def test_defaults_load() -> None:
    assert load_settings({}) == Settings()


@pytest.mark.parametrize(
    ("name", "raw", "problem"),
    [
        ("EXTRACTOR_TEXT_READER", "pdfplumbr", "not one of pdfium, pdfplumber"),
        ("EXTRACTOR_OCR_ENGINE", "tessaract", "not one of"),
        ("EXTRACTOR_MAX_PAGES", "0", "out of range"),
        ("EXTRACTOR_MAX_PAGES", "many", "is not a valid int"),
        ("EXTRACTOR_MIN_LAYOUT_SCORE", "1.5", "out of range"),
        ("EXTRACTOR_RENDER_DPI", "20", "out of range"),
        ("EXTRACTOR_OCR_SECOND_OPINION", "perhaps", "is not a valid bool"),
        ("EXTRACTOR_REDIS_URL", "localhost:6379", "not a Redis URL"),
        ("EXTRACTOR_DATABASE_URL", "var/extractor.db", "not a database URL"),
        ("EXTRACTOR_TEXT_READR", "pdfium", "unknown setting"),
    ],
)
def test_a_bad_value_names_its_variable(name: str, raw: str, problem: str) -> None:
    with pytest.raises(SettingsError) as e:
        load_settings({name: raw})
    assert e.value.code == ErrorCode.SETTINGS_INVALID
    assert name in str(e.value) and problem in str(e.value)


def test_overrides_and_replace_are_checked_too() -> None:
    with pytest.raises(SettingsError, match="EXTRACTOR_TEXT_READER"):
        load_settings({}, text_reader="plumber")
    with pytest.raises(SettingsError, match="EXTRACTOR_MAX_ATTEMPTS"):
        dataclasses.replace(Settings(), max_attempts=0)
    with pytest.raises(SettingsError, match="unknown setting 'max_page'"):
        load_settings({}, max_page=3)


def test_soft_time_limit_under_the_hard_one() -> None:
    with pytest.raises(SettingsError, match="EXTRACTOR_TASK_SOFT_TIME_LIMIT=20 is over EXTRACTOR_TASK_TIME_LIMIT=10"):
        load_settings({"EXTRACTOR_TASK_TIME_LIMIT": "10", "EXTRACTOR_TASK_SOFT_TIME_LIMIT": "20"})


def test_ocr_engines_are_the_registry() -> None:
    assert set(OCR_ENGINES) - {"auto", "none"} <= set(ocr.ENGINES) | set(ocr.ALIASES)
    ocr.register("registered-for-settings-test", lambda: ocr.get_engine("tiny"))
    try:
        assert load_settings({"EXTRACTOR_OCR_ENGINE": "registered-for-settings-test"}).ocr_engine
    finally:
        ocr.ENGINES.pop("registered-for-settings-test")


def test_typed_values() -> None:
    s = load_settings({"EXTRACTOR_MAX_PAGES": "10", "EXTRACTOR_OCR_SECOND_OPINION": "no",
                       "EXTRACTOR_STORE": "/data/store", "EXTRACTOR_REDIS_URL": "redis://r:6379/0"})
    assert (s.max_pages, s.ocr_second_opinion, s.store, s.redis_url) == (10, False, Path("/data/store"), "redis://r:6379/0")


def test_every_variable_in_use_is_a_setting() -> None:
    """Compose files, Dockerfile, scripts, tests and docs use only known EXTRACTOR_* names."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    known = {variable(f.name) for f in dataclasses.fields(Settings)}
    used: dict[str, str] = {}
    for name in files:
        path = REPO / name
        if name == "tests/test_settings.py":  # its bad names are on purpose
            continue
        if path.suffix in {".py", ".md", ".yml", ".yaml", ".sh", ".toml", ""} and path.is_file():
            for var in re.findall(r"\bEXTRACTOR_[A-Z][A-Z_]*[A-Z]\b", path.read_text(errors="ignore")):
                used.setdefault(var, name)
    assert {v: f for v, f in used.items() if v not in known} == {}
