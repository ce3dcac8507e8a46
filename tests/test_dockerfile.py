"""The image the Dockerfile builds, without Docker: its COPY lines (less .dockerignore) make a
tree, and every `extractor` command starts from that tree alone, with the image's ENV.

The tree is run by the Python of these tests (whose packages stand for the image's
`pip install`), with this checkout and its editable install taken off the import path, so
a package the Dockerfile does not copy cannot be imported (as review/ once could not).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "digital" / "annex2-2022-direct.pdf"

# imports from the tree in argv[1] only: no editable finder, no checkout on sys.path
ONLY_THE_TREE = """
import sys
app, repo = sys.argv[1], sys.argv[2]
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "")]
sys.path_hooks[:] = [h for h in sys.path_hooks if "editable" not in repr(h).lower()]
sys.path[:] = [app] + [p for p in sys.path if p and not p.startswith(repo) and "editable" not in p]
sys.path_importer_cache.clear()
"""
IN_IMAGE = ONLY_THE_TREE + "from extractor.cli import main; sys.exit(main(sys.argv[3:]))"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continued lines joined."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def ignored(relative: str) -> bool:
    patterns = [p.strip() for p in (REPO / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    parts = relative.split("/")
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        if fnmatch.fnmatch(relative, pattern) or any(fnmatch.fnmatch(p, bare) for p in parts):
            return True
    return False


def build_tree(root: Path) -> tuple[Path, dict[str, str]]:
    """The image's /app (WORKDIR) under root, and its ENV with /app and /data moved under root."""
    workdir, env = Path("/"), {}
    for word, args in instructions():
        if word == "WORKDIR":
            workdir = Path(args)
        elif word == "ENV":
            env.update(dict(item.split("=", 1) for item in shlex.split(args)))
        elif word == "COPY":
            *sources, dest = shlex.split(args)
            target = root / (workdir / dest).relative_to("/")
            for source in sources:
                copy(REPO / source, target / source if dest.endswith("/") else target, root)
    moved = {k: v.replace("/app", str(root / "app")).replace("/data", str(root / "data")) for k, v in env.items()}
    return root / workdir.relative_to("/"), moved


def copy(source: Path, target: Path, root: Path) -> None:
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        return
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(REPO).as_posix()
        if path.is_file() and not ignored(relative):
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("image")
    app, image_env = build_tree(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRACTOR_")}
    env.update(image_env, PYTHONDONTWRITEBYTECODE="1",
               EXTRACTOR_DATABASE_URL=f"sqlite:///{root / 'data' / 'extractor.db'}")
    (root / "data" / "store").mkdir(parents=True)
    return app, env


def run(image: tuple[Path, dict[str, str]], *argv: str, code: str = IN_IMAGE) -> subprocess.CompletedProcess[str]:
    app, env = image
    return subprocess.run([sys.executable, "-c", code, str(app), str(REPO), *argv], cwd=app, env=env,
                          capture_output=True, text=True, timeout=180, check=False)


def commands(help_text: str) -> list[str]:
    match = re.search(r"\{([a-z,-]+)\}", help_text)
    assert match, help_text
    return match.group(1).split(",")


def test_the_tree_is_the_image(image: tuple[Path, dict[str, str]]) -> None:
    app, env = image
    assert (app / "pyproject.toml").is_file() and (app / "extractor" / "cli.py").is_file()
    assert not list(app.rglob("__pycache__")) and not (app / "tests").exists()
    assert env["EXTRACTOR_LAYOUTS_DIR"] == str(app / "layouts")
    where = ONLY_THE_TREE + "import importlib.util as u; print([u.find_spec(m) and u.find_spec(m).origin for m in sys.argv[3:]])"
    out = run(image, "extractor", "workers", "review", "tests", code=where)
    assert out.stdout.strip() == str([str(app / m / "__init__.py") for m in ("extractor", "workers", "review")] + [None])


def test_the_image_has_every_command(image: tuple[Path, dict[str, str]]) -> None:
    here = subprocess.run([sys.executable, "-m", "extractor.cli", "--help"], cwd=REPO, capture_output=True,
                          text=True, timeout=120, check=True)
    out = run(image, "--help")
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert commands(out.stdout) == commands(here.stdout)
    cmd = json.loads(next(a for w, a in instructions() if w == "CMD"))
    assert cmd[0] == "extractor" and cmd[1] in commands(out.stdout)


def test_every_command_starts_in_the_image(image: tuple[Path, dict[str, str]]) -> None:
    failed = {}
    for command in commands(run(image, "--help").stdout):
        out = run(image, command, "--help")
        if out.returncode != 0 or "usage: extractor" not in out.stdout or out.stderr:
            failed[command] = out.stderr[-500:]
    assert failed == {}


def test_commands_run_in_the_image(image: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    layouts = run(image, "layouts")
    assert layouts.returncode == 0 and "layout(s) valid" in layouts.stdout, layouts.stderr
    extract = run(image, "extract", str(SAMPLE), "-o", str(tmp_path))
    assert extract.returncode == 0 and (tmp_path / "annex2-2022-direct.json").is_file(), extract.stderr
    status = run(image, "status")
    assert status.returncode == 0 and "no jobs" in status.stdout, status.stderr
    users = run(image, "users", "list")
    assert users.returncode == 0, users.stderr


def test_the_dockerfile_checks_the_image_when_built() -> None:
    runs = [a for w, a in instructions() if w == "RUN"]
    assert any("extractor doctor" in a and "extractor --help" in a for a in runs)
