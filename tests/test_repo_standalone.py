"""The repository stands alone: no tracked file points at a path outside it.

A fresh clone in an empty directory must test and document itself: no
sibling folder (the shared drawer it once read), no absolute path of the machine a file was written on
(the folder the work was done in, a home directory, this checkout's own
location). System paths that packages install to (/usr/share/fonts/…,
/usr/bin/chromium) are not of a machine and are allowed. Links in the
Markdown files must land on a file of the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .conftest import ROOT

# spelled in pieces so that this file does not name what it looks for
SIBLING = ".." + "/shared"
MACHINE_ROOTS = ("/" + "work/", "/" + "home/", "/" + "Users/", "/" + "root/", "/" + "mnt/")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def tracked_files() -> list[Path]:
    """`git ls-files`; outside a git checkout (an unpacked archive), every file but caches."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        names = [n for n in out.stdout.decode("utf-8").split("\0") if n]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                 if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    return [ROOT / n for n in sorted(names) if (ROOT / n).is_file()]


def machine_paths() -> tuple[bytes, ...]:
    """What only this machine has: its work roots, this checkout, the folder around it, home."""
    here = {str(ROOT), str(ROOT.parent), str(Path.home())} - {"/", ""}
    return tuple(p.encode() for p in (SIBLING, *MACHINE_ROOTS, *(h + "/" for h in here)))


def test_there_are_files_to_check() -> None:
    files = {str(p.relative_to(ROOT)) for p in tracked_files()}
    assert {"README.md", "pyproject.toml", "samples/seeds/annex2-2022.txt",
            "docs/record-format.md", "docs/record.schema.json"} <= files  # fmt: skip


def test_no_tracked_file_names_a_path_outside_the_repository() -> None:
    needles = machine_paths()
    found = []
    for path in tracked_files():
        data = path.read_bytes()
        for needle in needles:
            for m in re.finditer(re.escape(needle), data):
                line = data.count(b"\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {needle.decode()}")
    assert found == [], "tracked files name paths outside the repository:\n" + "\n".join(found)


def test_markdown_links_land_in_the_repository() -> None:
    bad = []
    for path in (p for p in tracked_files() if p.suffix == ".md"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for target in _LINK.findall(line):
                if target.startswith(("#", "http://", "https://", "mailto:")):
                    continue
                resolved = (path.parent / target.split("#")[0]).resolve()
                if not resolved.is_relative_to(ROOT) or not resolved.exists():
                    bad.append(f"{path.relative_to(ROOT)}:{n}: {target}")
    assert bad == [], "links that leave the repository or lead nowhere:\n" + "\n".join(bad)
