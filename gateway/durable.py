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
from collections.abc import Callable, Iterator, Sequence
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
    [error] = write_atomic_many([(target, content)], tmp_dir=tmp_dir, mode=mode)
    if error is not None:
        raise error
    return target


def write_atomic_many(
    files: Sequence[tuple[Path, bytes]], *, tmp_dir: Path | None = None, mode: int = 0o600
) -> list[OSError | None]:
    """:func:`write_atomic` for several files, each one's error (or None) in order.

    Every file is written to its temporary file first and only then ``fsync``ed: on a
    journalling file system the first ``fsync`` commits what the others wrote too, so theirs have
    little left to do. Each file is renamed into place once it is durable, and each folder that
    received one is ``fsync``ed once for all of them. A file that fails fails alone; a folder's
    ``fsync`` that fails fails every file renamed into it (they may not survive a crash).
    """
    errors: list[OSError | None] = [None] * len(files)
    written: list[tuple[int, int, Path]] = []  # (index, open descriptor, temporary path)
    try:
        for i, (target, content) in enumerate(files):
            folder = tmp_dir if tmp_dir is not None else target.parent
            tmp_path = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            except OSError as exc:
                errors[i] = exc
                continue
            written.append((i, fd, tmp_path))
            try:
                view = memoryview(content)
                while view:
                    view = view[os.write(fd, view) :]
            except OSError as exc:
                errors[i] = exc
        renamed: dict[Path, list[int]] = {}
        while written:
            i, fd, tmp_path = written[0]
            try:
                if errors[i] is None:
                    os.fsync(fd)
            except OSError as exc:
                errors[i] = exc
            finally:
                os.close(fd)
                written[0] = (i, -1, tmp_path)
            try:
                if errors[i] is None:
                    os.replace(tmp_path, files[i][0])
                    renamed.setdefault(files[i][0].parent, []).append(i)
            except OSError as exc:
                errors[i] = exc
            if errors[i] is not None:
                tmp_path.unlink(missing_ok=True)
            written.pop(0)
    except BaseException:
        for _, fd, tmp_path in written:  # interrupted: nothing half-made stays behind
            if fd >= 0:
                os.close(fd)
            tmp_path.unlink(missing_ok=True)
        raise
    for folder, indexes in renamed.items():
        try:
            fsync_dir(folder)
        except OSError as exc:
            for i in indexes:
                errors[i] = exc
    return errors


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
