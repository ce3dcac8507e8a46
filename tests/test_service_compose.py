"""docker-compose.yml parses, scales, and every service's command runs here by hand."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .service_support import REPO, RedisServer, free_port

COMPOSE = REPO / "docker-compose.yml"


def services() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(COMPOSE.read_text())
    return dict(data["services"])


def local_argv(command: list[str]) -> list[str]:
    """The service's command as runnable in this checkout (console scripts may be missing)."""
    if command[0] == "extractor":
        return [sys.executable, "-m", "extractor.cli", *command[1:]]
    if command[0] == "celery":
        return [sys.executable, "-m", "celery", *command[1:]]
    return command


def test_compose_file_has_the_services() -> None:
    svc = services()
    assert {"redis", "postgres", "worker", "watch", "flower"} <= set(svc)
    assert "--appendonly" in svc["redis"]["command"] and "yes" in svc["redis"]["command"]
    worker = svc["worker"]
    assert "container_name" not in worker and "ports" not in worker  # --scale worker=N
    assert worker["command"][:2] == ["extractor", "worker"]
    assert any(str(v).endswith(":/data/inbox") for v in svc["watch"]["volumes"])
    env = worker["environment"]
    assert env["EXTRACTOR_REDIS_URL"].startswith("redis://redis:")
    assert env["EXTRACTOR_DATABASE_URL"].startswith("postgresql")
    for name in ("worker", "watch", "flower"):
        assert svc[name]["build"] == "."


def test_dockerfile() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    for pkg in ("tesseract-ocr", "tesseract-ocr-chi-sim", "fonts-noto-cjk"):
        assert pkg in text
    assert 'pip install --no-cache-dir ".[postgres,service]"' in text


@pytest.mark.parametrize("name", ["worker", "watch", "flower"])
def test_service_command_runs(name: str) -> None:
    command = services()[name]["command"]
    if name == "flower" and importlib.util.find_spec("flower") is None:
        pytest.skip("flower is not installed here (pip install '.[service]')")
    out = subprocess.run(
        [*local_argv(command), "--help"], cwd=REPO, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "usage" in out.stdout.lower()


def test_celery_inspect_command_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "workers.celery_app", "inspect", "--help"],
        cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
    )
    assert out.returncode == 0, out.stderr


def test_redis_command_runs(tmp_path: Path) -> None:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    command = services()["redis"]["command"]
    server = RedisServer(tmp_path)
    server.port = free_port()
    proc = subprocess.Popen(
        [*command, "--port", str(server.port), "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    server.proc = proc
    try:
        from .service_support import wait_for

        wait_for(server.ping, 10, what="redis-server")
    finally:
        server.stop()
    assert (tmp_path / "appendonlydir").exists() or list(tmp_path.glob("*.aof"))


def test_worker_refuses_to_start_without_redis(tmp_path: Path) -> None:
    from .service_support import run_cli, service_env

    out = run_cli(["worker"], service_env(tmp_path), timeout=60)
    assert out.returncode == 2 and "EXTRACTOR_REDIS_URL" in out.stderr
