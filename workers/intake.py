"""Taking a file in: opened once, links refused or followed by rule, read from that descriptor.

The drop folder looks at a file (lstat) before it takes it. Whoever can write into the inbox
could swap the file for a symbolic link between that look and the open, so the look is not
what protects: the file is opened with O_NOFOLLOW (a link as the last component fails with
ELOOP) and O_NONBLOCK (a FIFO does not hold the open), the descriptor is checked with fstat
(a regular file only), and the bytes hashed and copied into the store are read from that
same descriptor. What was checked is what is stored.

A link is followed only by rule: `extractor submit FILE` follows it (the caller names the
file); the inbox refuses it, or with EXTRACTOR_INBOX_FOLLOW_LINKS follows it when its
target resolves inside the inbox (every link in the path resolved; the file then opened
with O_NOFOLLOW, and the path the kernel opened checked again through /proc/self/fd, so a
link swapped in after the check is refused too).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from extractor.errors import ErrorCode, ExtractError

KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a device",
         stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


@dataclass(frozen=True)
class LinkRule:
    """What is done with a symbolic link given as the file."""

    follow: bool = True  # False: refused with not_a_regular_file
    inside: Path | None = None  # with `follow`: only when its target resolves inside this folder


FOLLOW = LinkRule()  # `extractor submit FILE`: the caller names the file
REFUSE = LinkRule(follow=False)


def inbox_rule(inbox: Path, follow_inside: bool) -> LinkRule:
    """The drop folder's rule: links refused, or (EXTRACTOR_INBOX_FOLLOW_LINKS) followed
    into the inbox only."""
    return LinkRule(True, Path(inbox)) if follow_inside else REFUSE


def describe(mode: int) -> str:
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


def not_regular(path: Path, what: str) -> ExtractError:
    return ExtractError(f"{path.name}: {what}, not a regular file; only regular files are taken",
                        code=ErrorCode.NOT_A_REGULAR_FILE)


def link_target_inside(path: Path, folder: Path) -> Path | None:
    """The file a link leads to, every link on the way resolved, if it lies inside `folder`."""
    target = Path(os.path.realpath(path))
    return target if target.is_relative_to(os.path.realpath(folder)) else None


@contextmanager
def opened_regular(path: Path, links: LinkRule = FOLLOW) -> Iterator[BinaryIO]:
    """`path` opened for reading, a regular file by its descriptor; not_a_regular_file for
    anything else (a link against `links`, a FIFO, a device, a socket, a folder)."""
    with os.fdopen(_open_regular(Path(path), links), "rb") as f:
        yield f


def _open_regular(path: Path, links: LinkRule) -> int:
    target, flags = path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    if not links.follow:
        flags |= os.O_NOFOLLOW
    elif links.inside is not None:
        resolved = link_target_inside(path, links.inside)
        if resolved is None:
            raise not_regular(path, "a symbolic link to a file outside the inbox")
        target, flags = resolved, flags | os.O_NOFOLLOW  # no link left: one swapped in is refused
    try:
        fd = os.open(target, flags)
    except FileNotFoundError as e:
        raise ExtractError(f"{path}: no such file", code=ErrorCode.FILE_NOT_FOUND) from e
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a link (EMLINK: BSDs)
            raise not_regular(path, "a symbolic link") from e
        if e.errno == errno.ENXIO:  # a socket, or a device without its driver
            raise not_regular(path, "a socket or a device") from e
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise not_regular(path, describe(mode))
        if links.follow and links.inside is not None and not _opened_inside(fd, links.inside):
            raise not_regular(path, "a symbolic link to a file outside the inbox")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _opened_inside(fd: int, folder: Path) -> bool:
    """Whether the file the kernel opened lies inside `folder` (Linux: /proc/self/fd; elsewhere
    the O_NOFOLLOW open of the resolved path is all there is)."""
    proc = Path(f"/proc/self/fd/{fd}")
    if not proc.exists():
        return True
    return Path(os.readlink(proc)).is_relative_to(os.path.realpath(folder))


def stage(src: BinaryIO, store_dir: Path) -> tuple[str, Path]:
    """Copy `src` into a temporary file of the store while hashing it: (sha256, temp path).
    The bytes hashed are the bytes stored, whatever happens to the file meanwhile."""
    digest = hashlib.sha256()
    store_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=store_dir, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(tmp)
        raise
    return digest.hexdigest(), Path(tmp)


def keep(tmp: Path, sha: str, suffix: str, store_dir: Path) -> Path:
    """A staged file moved to its place by content, `store/ab/abcdef....pdf` (once)."""
    dest = store_dir / sha[:2] / f"{sha}{suffix.lower() or '.bin'}"
    if dest.exists():
        tmp.unlink()
        return dest.resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return dest.resolve()
