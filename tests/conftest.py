from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extractor.config import Settings, load_settings
from extractor.layout.spec import LayoutSpec, load_layouts

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
RECORD_SCHEMA = ROOT / "docs" / "record.schema.json"  # the published schema of a document


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings({})


@pytest.fixture(scope="session")
def layouts(settings: Settings) -> list[LayoutSpec]:
    return load_layouts(settings.layouts_dir)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A result store on SQLite, then on a fresh PostgreSQL database (skipped when there is
    no PostgreSQL to reach)."""
    from workers.store import ResultStore

    from .service_support import postgres_database, postgres_reason

    if request.param == "sqlite":
        s = ResultStore(f"sqlite:///{tmp_path / 'store.db'}")
        yield s
        s.close()
        return
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    with postgres_database() as url:
        s = ResultStore(url)
        yield s
        s.close()


@functools.cache
def _record_validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(RECORD_SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(document: dict[str, Any]) -> list[str]:
    """Where a document breaks docs/record.schema.json (checked by jsonschema), one line each."""
    errors = sorted(_record_validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(document)'}: {e.message}" for e in errors]


def assert_valid_document(document: dict[str, Any]) -> None:
    """An emitted document must validate against the published schema."""
    errors = schema_errors(document)
    assert errors == [], "not a document of docs/record.schema.json:\n" + "\n".join(errors[:20])
