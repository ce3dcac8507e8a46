"""The drop folder against unlucky and hostile inboxes (issue 14, items 3 and 7)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from .service_support import SAMPLE, run_cli, service_env, small_documents

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated")


def watch_once(inbox: Path, tmp_path: Path) -> None:
    out = run_cli(["watch", str(inbox), "--once", "--settle", "0.3", "--timeout", "60"],
                  service_env(tmp_path))
    assert out.returncode == 0, out.stderr


def test_identical_bytes_under_eight_names_all_reach_done(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    [doc] = small_documents(tmp_path / "src", 1)
    names = [f"copy{i}.pdf" for i in range(8)]
    inbox.mkdir()
    for name in names:
        shutil.copyfile(doc, inbox / name)
    watch_once(inbox, tmp_path)
    assert sorted(p.name for p in (inbox / "done").iterdir()) == names
    assert not list((inbox / "processing").iterdir())
    jobs = run_cli(["status"], service_env(tmp_path)).stdout
    assert "1/1 documents" in jobs  # one job for the eight files


def test_only_regular_files_are_taken(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    [good] = small_documents(inbox, 1)
    outside = small_documents(tmp_path / "elsewhere", 2, tag="-outside")[1]
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    (inbox / "link-to-pdf.pdf").symlink_to(outside)
    (inbox / "link-to-secret.pdf").symlink_to(secret)
    (inbox / "dangling.pdf").symlink_to(tmp_path / "nowhere.pdf")
    os.mkfifo(inbox / "fifo.pdf")
    watch_once(inbox, tmp_path)
    assert [p.name for p in (inbox / "done").iterdir()] == [good.name]
    refused = ["dangling.pdf", "fifo.pdf", "link-to-pdf.pdf", "link-to-secret.pdf"]
    failed = sorted(p.name for p in (inbox / "failed").iterdir() if p.suffix != ".json")
    assert failed == refused
    for name in refused:
        note = json.loads((inbox / "failed" / f"{name}.error.json").read_text())
        assert note["code"] == "not_a_regular_file", note
    assert (inbox / "failed" / "link-to-secret.pdf").is_symlink()  # moved, never opened
    stored = list((tmp_path / "store").rglob("*.*"))
    assert len(stored) == 1  # only the good document was copied into the store
    assert secret.read_text() == "root:x:0:0\n" and outside.exists()
