"""Files that survive a crash: one way to lock, write atomically and append durably.

Every store of the embedded default (keys, audit trail, spool, records file) writes through these
helpers, so the guarantees are stated once: a file written with :func:`write_atomic` is either the
old one or the complete new one after a crash (temporary file, ``fsync``, ``rename``, ``fsync`` of
the folder); a line appended with :func:`append_durable` is on disk when the call returns; and
:func:`locked` serialises writers across processes that share a data folder (several workers, the
CLI). These are blocking calls: async code runs them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the block."""
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    target: Path, content: bytes, *, tmp_dir: Path | None = None, mode: int = 0o600
) -> Path:
    """Replace ``target`` with ``content`` atomically and durably; returns ``target``.

    The temporary file is created in ``tmp_dir`` (same file system as ``target``; by default its
    folder) with a random suffix, so concurrent writers never share one.
    """
    folder = tmp_dir if tmp_dir is not None else target.parent
    tmp_path = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return target


def append_durable(path: Path, content: bytes, *, lock: Path | None = None) -> None:
    """Append ``content`` to ``path`` and ``fsync`` it, under ``lock`` when given."""
    with locked(lock) if lock is not None else contextlib.nullcontext():
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)


def create_once(path: Path, make: Callable[[], str]) -> str:
    """The text of ``path``; when there is none, ``make()`` written there (mode 0600) by a
    ``link``, which fails if another process created the file first: then that one wins, so
    every process ends up with the same text."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    tmp.write_text(make())
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_text().strip()
