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
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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

    @property
    def label(self) -> str:
        return f"file://{self.path}"

    async def write(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        try:
            await asyncio.to_thread(self._append, line.encode())
        except OSError:
            raise SinkUnavailable(f"the {self.service} record file is not writable") from None

    async def check(self) -> bool:
        folder = self.path.parent
        return folder.is_dir() and os.access(folder, os.W_OK)

    async def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _append(self, data: bytes) -> None:
        with self._lock:
            fd = self._open_locked()
            try:
                size = os.fstat(fd).st_size
                if self._rotation_due(fd, size, len(data)):
                    fd = self._rotate()
                    size = 0
                try:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view) :]
                    os.fsync(fd)
                except OSError:
                    # Never leave half a line behind for the next writer to continue.
                    os.ftruncate(fd, size)
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

    def _rotation_due(self, fd: int, size: int, incoming: int) -> bool:
        if size == 0:
            return False
        if self.rotate_bytes and size + incoming > self.rotate_bytes:
            return True
        return self.rotate_daily and _day(os.fstat(fd).st_mtime) != _day(self.clock())

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
