"""Arrows point down: what the service and review packages may import, checked in fresh processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("celery", "kombu", "sqlalchemy", "fastapi", "uvicorn", "numpy")


def loaded_after(code: str, block: tuple[str, ...] = ()) -> set[str]:
    """The top-level packages loaded by `code` in a fresh interpreter (`block`: unimportable)."""
    prelude = "import sys\n" + "".join(f"sys.modules[{b!r}] = None\n" for b in block)
    epilogue = "\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules if sys.modules[m]})))"
    out = subprocess.run([sys.executable, "-c", prelude + code + epilogue], cwd=REPO,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["workers.commands", "review.commands"])
def test_command_modules_are_cheap_to_import(module: str) -> None:
    assert not loaded_after(f"import {module}") & set(HEAVY)


def test_the_celery_app_does_not_import_its_tasks() -> None:
    code = "import workers.celery_app\nassert 'workers.tasks' not in sys.modules\n"
    assert "celery" in loaded_after(code)


def test_the_service_runs_without_review_and_devkit() -> None:
    code = (
        "import workers.commands, workers.tasks, workers.jobs, workers.watch, workers.store\n"
        "from extractor.cli import build_parser\n"
        "assert {'submit', 'worker', 'export'} <= set(build_parser()._subparsers._group_actions[0].choices)\n"
    )
    loaded_after(code, block=("review", "devkit"))


def test_review_imports_the_store_not_the_service() -> None:
    loaded = loaded_after(
        "import review.app, review.commands\n"
        "assert not [m for m in sys.modules if m.startswith('workers.')"
        " and not m.startswith('workers.store')]\n"
    )
    assert "devkit" not in loaded


def test_no_production_module_reads_a_test_variable() -> None:
    for package in ("extractor", "workers", "review"):
        for path in (REPO / package).rglob("*.py"):
            assert "FORMX_TEST" not in path.read_text(encoding="utf-8"), path
