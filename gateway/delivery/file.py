"""The ``file://`` sink: JSON lines appended, flushed and fsynced before ``write`` returns.

Several gateway processes may append to the same file. Each append holds an exclusive
``flock`` on the file while it checks the file is still the one at the path (another process may
have rotated it), rotates it if it is due, writes the whole line and fsyncs. Rotation renames the
file aside (``consent.jsonl`` -> ``consent.20250101T000000Z.3f2a.jsonl``) and the next append
creates a new one, so every line lands in exactly one file and none is torn.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from gateway.delivery.envelope import Envelope
from gateway.errors import SinkUnavailable


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


class FileSink:
    """A JSON-lines file, rotated by size and by UTC day."""

    def __init__(
        self,
        service: str,
        path: Path,
        *,
        rotate_bytes: int = 0,
        rotate_daily: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.path = path
        self.rotate_bytes = rotate_bytes
        self.rotate_daily = rotate_daily
        self.clock = clock
        self._fd: int | None = None
        # flock excludes other processes; threads of this one share the descriptor, so they need
        # their own lock.
        self._lock = threading.Lock()
        self._pending: list[tuple[bytes, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        # Appends made (each one fsync), for the metrics and the group-commit test.
        self.commits = 0

    @property
    def label(self) -> str:
        return f"file://{self.path}"

    async def write(self, record: Envelope) -> None:
        """Append the record and return once it is on disk.

        Group commit: records written while an append is in progress wait for the next one,
        which writes them all and ``fsync``s once. Each caller still returns only after its own
        line is durable, and a failed append fails every caller in it (none is half-written).
        """
        await asyncio.shield(self.enqueue(record))

    def enqueue(self, record: Envelope) -> asyncio.Future[None]:
        """Queue the record for the next append; the future settles once it is on disk."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._pending.append((record.wire() + b"\n", waiter))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return waiter

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await asyncio.to_thread(self._append_many, [line for line, _ in batch])
                self.commits += 1
            except OSError:
                error = SinkUnavailable(f"the {self.service} record file is not writable")
                for _, waiter in batch:
                    if not waiter.done():
                        waiter.set_exception(error)
            else:
                for _, waiter in batch:
                    if not waiter.done():
                        waiter.set_result(None)

    async def check(self) -> bool:
        # A folder not made yet is fine when it can be: the first record creates it (a Redis
        # instance keeps nothing else in its data folder, so it may not exist before then).
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        return folder.is_dir() and os.access(folder, os.W_OK)

    async def close(self) -> None:
        if self._flusher is not None:
            await self._flusher  # records already accepted are written before the file closes
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _append_many(self, lines: list[bytes]) -> None:
        with self._lock:
            fd = self._open_locked()
            try:
                stat = os.fstat(fd)
                size = start = stat.st_size
                # A batch is written at one moment: its day is looked up once, not per line.
                new_day = self._new_day(stat.st_mtime) if size else False
                try:
                    for line in lines:
                        if new_day or self._too_big(size, len(line)):
                            os.fsync(fd)  # lines already in the old file are durable first
                            fd = self._rotate()
                            size = start = 0
                            new_day = False
                        view = memoryview(line)
                        while view:
                            view = view[os.write(fd, view) :]
                        size += len(line)
                    os.fsync(fd)
                except OSError:
                    # Never leave half a line behind for the next writer to continue.
                    os.ftruncate(fd, start)
                    raise
            finally:
                if self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _open_locked(self) -> int:
        """The file at the path, opened and exclusively locked."""
        while True:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                # The file may be new: its directory entry must survive a crash too.
                dir_fd = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = -1
            if current == os.fstat(self._fd).st_ino:
                return self._fd
            # Rotated by another process since we opened it: follow the path.
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._close()

    def _too_big(self, size: int, incoming: int) -> bool:
        """Whether a line of ``incoming`` bytes would take a non-empty file past the limit."""
        return bool(size and self.rotate_bytes and size + incoming > self.rotate_bytes)

    def _new_day(self, modified: float) -> bool:
        """Whether a file last written at ``modified`` belongs to an earlier UTC day."""
        return self.rotate_daily and _day(modified) != _day(self.clock())

    def _rotate(self) -> int:
        """Rename the (locked) current file aside and open a fresh, locked one."""
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(
            f"{self.path.stem}.{stamp}.{secrets.token_hex(3)}{self.path.suffix}"
        )
        os.rename(self.path, aside)
        fcntl.flock(self._fd, fcntl.LOCK_UN)  # type: ignore[arg-type]
        self._close()
        return self._open_locked()
