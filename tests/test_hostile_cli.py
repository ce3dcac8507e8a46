"""A file whose name starts with '-' is never taken for an option (issue 14, item 9)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "digital" / "variant-standard.pdf"


def run(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env = {k: v for k, v in env.items() if not k.startswith("EXTRACTOR_")}
    return subprocess.run([sys.executable, "-m", "extractor.cli", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def dash_dir(tmp_path: Path) -> Path:
    shutil.copy(SAMPLE, tmp_path / "-o.pdf")
    shutil.copy(SAMPLE, tmp_path / "good.pdf")
    return tmp_path


@pytest.mark.parametrize("argv", [
    ("extract", "-o", "out", "--", "-o.pdf"),
    ("extract", "./-o.pdf", "-o", "out"),
])
def test_a_dash_file_is_extracted_when_marked(dash_dir: Path, argv: tuple[str, ...]) -> None:
    res = run(dash_dir, *argv)
    assert res.returncode == 0, res.stderr
    doc = json.loads((dash_dir / "out" / "-o.json").read_text(encoding="utf-8"))
    assert len(doc["records"]) == 2


@pytest.mark.parametrize("argv", [
    ("extract", "good.pdf", "-o.pdf", "-o", "out"),  # was: -o.pdf silently replaced by -o out
    ("extract", "-o", "out", "-o.pdf"),
    ("submit", "-o.pdf"),
])
def test_a_dash_file_unmarked_is_refused_with_the_way_out(dash_dir: Path,
                                                          argv: tuple[str, ...]) -> None:
    res = run(dash_dir, *argv)
    assert res.returncode == 2
    assert "./-o.pdf" in res.stderr and "--" in res.stderr
    assert not (dash_dir / "out").exists() and not (dash_dir / ".pdf").exists()


def test_output_given_twice_or_named_like_a_document_is_refused(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "good.pdf")
    twice = run(tmp_path, "extract", "good.pdf", "-o", "a", "-o", "b")
    assert twice.returncode == 2 and "given twice" in twice.stderr
    glued = run(tmp_path, "extract", "good.pdf", "-o.pdf")  # no such file: argparse's -o .pdf
    assert glued.returncode == 2 and "not a document" in glued.stderr
