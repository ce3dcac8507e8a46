"""The inbox opens files without following links (issue 14, item 7, the race): whoever can
write into the inbox can swap a file for a link between the watcher's look and its open;
the open itself refuses (O_NOFOLLOW, fstat on the descriptor: workers/intake.py). And, by
setting (EXTRACTOR_INBOX_FOLLOW_LINKS), links followed only when they lead inside the inbox.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from extractor.config import load_settings
from extractor.errors import ErrorCode, ExtractError, SettingsError
from workers import intake, jobs
from workers.commands import service_context
from workers.watch import Watcher

from .service_support import SAMPLE, run_cli, service_env, small_documents

pytestmark = pytest.mark.skipif(not SAMPLE.exists(), reason="samples/digital not generated")

SECRET = b"root:x:0:0:the service account can read this\n"


def watcher(tmp_path: Path, inbox: Path, **settings: Any) -> Watcher:
    s = load_settings(environ={}, store=tmp_path / "store", ocr_engine="none",
                      database_url=f"sqlite:///{tmp_path / 'service.db'}", **settings)
    ctx, local = service_context(s)
    return Watcher(inbox, ctx, local, settle=0.0)


def stored_bytes(tmp_path: Path) -> list[bytes]:
    return [p.read_bytes() for p in (tmp_path / "store").rglob("*") if p.is_file()]


def error_note(inbox: Path, name: str) -> dict[str, Any]:
    return dict(json.loads((inbox / "failed" / f"{name}.error.json").read_text()))


def test_a_file_swapped_for_a_link_after_the_look_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox = tmp_path / "inbox"
    [doc] = small_documents(inbox, 1)
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.7\n" + SECRET)
    real_submit = jobs.submit

    def swap_then_submit(path: Path, *args: Any, **kwargs: Any) -> jobs.Submitted:
        path.unlink()  # the attacker, between the watcher's lstat and the open
        path.symlink_to(secret)
        return real_submit(path, *args, **kwargs)

    monkeypatch.setattr(jobs, "submit", swap_then_submit)
    w = watcher(tmp_path, inbox)
    w.stable_files()
    w.step()
    assert error_note(inbox, doc.name)["code"] == "not_a_regular_file"
    assert (inbox / "failed" / doc.name).is_symlink()
    assert not any(SECRET in data for data in stored_bytes(tmp_path))


def test_submit_by_rule_refuses_links_fifos_and_folders(tmp_path: Path) -> None:
    [doc] = small_documents(tmp_path / "in", 1)
    ctx, _ = service_context(load_settings(environ={}, store=tmp_path / "store", ocr_engine="none",
                                           database_url=f"sqlite:///{tmp_path / 'service.db'}"))
    link, fifo = tmp_path / "link.pdf", tmp_path / "fifo.pdf"
    link.symlink_to(doc)
    os.mkfifo(fifo)
    for path in (link, fifo, tmp_path / "in"):
        with pytest.raises(ExtractError) as e:  # a FIFO without a writer: refused, not waited on
            jobs.submit(path, ctx, links=intake.REFUSE)
        assert e.value.code is ErrorCode.NOT_A_REGULAR_FILE, path
    assert not list((tmp_path / "store").rglob("*.pdf"))
    assert jobs.submit(link, ctx).created  # `extractor submit FILE`: the caller named it


def test_links_followed_only_into_the_inbox_by_setting(tmp_path: Path) -> None:
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "elsewhere"
    [inner] = small_documents(inbox / "archive", 1)
    [outside] = small_documents(elsewhere, 1, tag="-outside")
    (inbox / "inner.pdf").symlink_to(Path("archive") / inner.name)  # relative, inside
    (inbox / "outside.pdf").symlink_to(outside)
    (inbox / "archive" / "hop.pdf").symlink_to(outside)
    (inbox / "via-hop.pdf").symlink_to(inbox / "archive" / "hop.pdf")  # inside, then out
    (inbox / "folder.pdf").symlink_to(inbox / "archive")
    env = service_env(tmp_path, EXTRACTOR_INBOX_FOLLOW_LINKS="on")
    out = run_cli(["watch", str(inbox), "--once", "--settle", "0.3", "--timeout", "60"], env)
    assert out.returncode == 0, out.stderr
    assert [p.name for p in (inbox / "done").iterdir()] == ["inner.pdf"]
    for name in ("outside.pdf", "via-hop.pdf", "folder.pdf"):
        assert error_note(inbox, name)["code"] == "not_a_regular_file", name
    assert stored_bytes(tmp_path) == [inner.read_bytes()]
    assert inner.exists() and outside.exists()


def test_a_link_whose_folder_is_swapped_after_the_check_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The path the kernel opened is checked too: a folder on the way replaced by a link
    after the target was resolved leads outside, and is refused."""
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "elsewhere"
    [outside] = small_documents(elsewhere, 1)
    (inbox / "archive").mkdir(parents=True)
    (inbox / "swapped").symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.setattr(intake, "link_target_inside",
                        lambda path, folder: inbox / "swapped" / outside.name)
    with pytest.raises(ExtractError) as e, intake.opened_regular(
            inbox / "x.pdf", intake.inbox_rule(inbox, True)):
        pass
    assert e.value.code is ErrorCode.NOT_A_REGULAR_FILE and "outside the inbox" in e.value.message


def test_the_setting_is_checked() -> None:
    assert load_settings(environ={}).inbox_follow_links is False
    assert load_settings({"EXTRACTOR_INBOX_FOLLOW_LINKS": "yes"}).inbox_follow_links is True
    with pytest.raises(SettingsError, match="EXTRACTOR_INBOX_FOLLOW_LINKS"):
        load_settings({"EXTRACTOR_INBOX_FOLLOW_LINKS": "inside"})


def test_the_bytes_stored_are_the_bytes_hashed(tmp_path: Path) -> None:
    import hashlib

    [doc] = small_documents(tmp_path / "in", 1)
    ctx, _ = service_context(load_settings(environ={}, store=tmp_path / "store", ocr_engine="none",
                                           database_url=f"sqlite:///{tmp_path / 'service.db'}"))
    sub = jobs.submit(doc, ctx)
    job = ctx.store.get_job(sub.job_id)
    assert job is not None
    stored = Path(job.store_path).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == job.sha256 and stored == doc.read_bytes()
    assert not [p for p in (tmp_path / "store").iterdir() if p.name.startswith(".incoming-")]
