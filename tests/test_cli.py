"""The core CLI: command groups found through entry points, imports made when a command runs."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from extractor import cli

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "digital" / "annex2-2022-direct.pdf"
SERVICE_LIBRARIES = ("celery", "kombu", "fastapi", "sqlalchemy", "uvicorn", "alembic")
DOCUMENT_LIBRARIES = ("numpy", "cv2", "pypdfium2", "pdfplumber", "PIL", "yaml", "onnxruntime")

# runs extractor.cli's main in a fresh process with the groups named in argv[1] (a comma list;
# "*" for every installed one), then prints the top-level packages it imported, as JSON
PROBE = """
import json, sys
import extractor.cli as c
keep, groups = sys.argv[1], c.command_groups
if keep != "*":
    c.command_groups = lambda: [g for g in groups() if g.name in keep.split(",")]
try:
    code = c.main(sys.argv[2:])
except SystemExit as e:
    code = e.code
print(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def probe(groups: str, *argv: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", PROBE, groups, *argv], cwd=REPO, capture_output=True,
                         text=True, timeout=120, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_help_of_the_core_imports_no_document_or_service_library() -> None:
    result = probe("", "--help")
    assert result["code"] == 0
    assert not set(result["modules"]) & {*SERVICE_LIBRARIES, *DOCUMENT_LIBRARIES}


def test_extract_imports_no_service_library(tmp_path: Path) -> None:
    result = probe("", "extract", str(SAMPLE), "-o", str(tmp_path))
    assert result["code"] == 0 and (tmp_path / "annex2-2022-direct.json").exists()
    assert not set(result["modules"]) & set(SERVICE_LIBRARIES)


def test_extract_with_every_command_group_imports_no_service_library(tmp_path: Path) -> None:
    """The command groups register their parsers without importing what their commands use."""
    result = probe("*", "extract", str(SAMPLE), "-o", str(tmp_path))
    assert result["code"] == 0
    assert not set(result["modules"]) & set(SERVICE_LIBRARIES)


def test_pyproject_declares_the_command_groups() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["extractor"] == "extractor.cli:main"
    assert project["entry-points"][cli.ENTRY_POINT_GROUP] == {
        "workers": "workers.commands:add_commands",
        "review": "review.commands:add_commands",
    }


# --- a command group registered through an entry point ------------------------------------


def cmd_hello(args: argparse.Namespace, settings: Any) -> int:
    print(f"hello {args.name} {settings.max_pages}")
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("hello", help="a command of a test group")
    p.add_argument("name")
    p.set_defaults(func=cmd_hello)


def group(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=cli.ENTRY_POINT_GROUP)


@pytest.fixture
def groups(monkeypatch: pytest.MonkeyPatch) -> list[EntryPoint]:
    found: list[EntryPoint] = []
    monkeypatch.setattr(cli, "command_groups", lambda: found)
    monkeypatch.delenv("EXTRACTOR_MAX_PAGES", raising=False)
    return found


def test_a_group_adds_its_commands(groups: list[EntryPoint], capsys: pytest.CaptureFixture[str]) -> None:
    groups.append(group("test", f"{__name__}:add_commands"))
    assert cli.main(["hello", "you"]) == 0
    assert capsys.readouterr().out == "hello you 2000\n"


def test_a_broken_group_is_left_out_quietly_from_help(
    groups: list[EntryPoint], capsys: pytest.CaptureFixture[str]
) -> None:
    groups += [group("gone", "no_such_module.commands:add_commands"), group("test", f"{__name__}:add_commands")]
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--help"])
    out = capsys.readouterr()
    assert exit_.value.code == 0 and "hello" in out.out and "extract" in out.out
    assert out.err == ""
    assert cli.main(["hello", "me"]) == 0
    assert capsys.readouterr().err == ""


def test_a_broken_group_is_named_when_its_command_is_asked_for(
    groups: list[EntryPoint], capsys: pytest.CaptureFixture[str]
) -> None:
    groups.append(group("gone", "no_such_module.commands:add_commands"))
    with pytest.raises(SystemExit) as exit_:
        cli.main(["serve"])
    err = capsys.readouterr().err.splitlines()
    assert exit_.value.code == 2
    assert err[0] == ("extractor: command group not loaded: gone (no_such_module.commands:add_commands):"
                      " ModuleNotFoundError: No module named 'no_such_module'")
    assert "invalid choice: 'serve'" in err[-1]


def test_settings_errors_are_usage_errors(groups: list[EntryPoint], monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    groups.append(group("test", f"{__name__}:add_commands"))
    monkeypatch.setenv("EXTRACTOR_MAX_PAGES", "many")
    assert cli.main(["hello", "you"]) == 2
    assert "EXTRACTOR_MAX_PAGES" in capsys.readouterr().err
