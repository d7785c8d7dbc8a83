"""The file spool of an HTTP sink when there is no Redis: one fsynced file per entry.

Layout under ``DATA_DIR/spool/SERVICE/``: ``ready/`` holds entries waiting (a first attempt or a
retry; the file says when it is due), ``dead/`` the dead-letter entries, ``tmp/`` files being
written. A file only appears in ``ready/`` or ``dead/`` by ``rename`` after it and its content
were fsynced, so a crash never leaves a half-written entry. Several worker processes share the
folder: a worker holds an entry by an exclusive ``flock`` on its file, which the kernel releases
when the process dies, so another process takes over a dead one's entries at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from gateway.delivery.envelope import Envelope
from gateway.delivery.queue import DeadEntry, Entry, QueueStatus
from gateway.durable import write_atomic
from gateway.errors import SinkUnavailable


def write_durably(folder: Path, tmp: Path, name: str, content: str) -> Path:
    """Write ``content`` to ``folder/name`` atomically and durably (tmp file, fsync, rename)."""
    return write_atomic(folder / name, content.encode(), tmp_dir=tmp)


class FileSpool:
    """The :class:`~gateway.delivery.queue.DeliveryQueue` of an HTTP sink without Redis."""

    kind = "file-spool"

    def __init__(
        self, folder: Path, service: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.service = service
        self.ready = folder / "ready"
        self.dead_dir = folder / "dead"
        self.tmp = folder / "tmp"
        self.clock = clock
        # Entries this process holds: name -> locked file descriptor.
        self._held: dict[str, int] = {}
        # Due times seen, so a poll does not re-read files that are waiting for a retry.
        self._due: dict[str, float] = {}

    def _ensure(self) -> None:
        for d in (self.ready, self.dead_dir, self.tmp):
            d.mkdir(parents=True, exist_ok=True)

    def _name(self) -> str:
        return f"{int(self.clock() * 1000):013d}-{secrets.token_hex(8)}.json"

    async def add(self, record: Envelope) -> str:
        entry = Entry.new(record, self.clock())
        name = self._name()
        content = json.dumps({"entry": entry.to_json(), "due": 0.0})
        try:
            await asyncio.to_thread(self._add, name, content)
        except OSError:
            raise SinkUnavailable("the delivery spool is not writable; retry shortly") from None
        return name

    def _add(self, name: str, content: str) -> None:
        self._ensure()
        write_durably(self.ready, self.tmp, name, content)

    async def take(self, consumer: str, count: int) -> list[Entry]:
        return await asyncio.to_thread(self._take, count)

    def _take(self, count: int) -> list[Entry]:
        self._ensure()
        now = self.clock()
        out: list[Entry] = []
        names = sorted(os.listdir(self.ready))
        present = set(names)
        self._due = {n: due for n, due in self._due.items() if n in present}
        for name in names:
            if len(out) >= count:
                break
            if name in self._held or self._due.get(name, 0.0) > now:
                continue
            entry = self._lock_and_read(name, now)
            if entry is not None:
                out.append(entry)
        return out

    def _lock_and_read(self, name: str, now: float) -> Entry | None:
        path = self.ready / name
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        try:
            # Another process may have replaced or removed the file before we locked it.
            if os.fstat(fd).st_ino != os.stat(path).st_ino:
                raise FileNotFoundError(name)
            data = json.loads(os.read(fd, 16 * 1024 * 1024) or b"null")
            if data is None:
                raise FileNotFoundError(name)
        except (FileNotFoundError, ValueError):
            os.close(fd)
            return None
        due = float(data.get("due", 0.0))
        if due > now:
            self._due[name] = due
            os.close(fd)
            return None
        self._held[name] = fd
        entry = data["entry"]
        return Entry.from_json(name, entry)

    def _let_go(self, name: str) -> None:
        self._due.pop(name, None)
        fd = self._held.pop(name, None)
        if fd is not None:
            os.close(fd)

    async def done(self, entry: Entry) -> None:
        await asyncio.to_thread(self._done, entry.entry_id)

    def _done(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.ready / name)
        self._let_go(name)

    async def retry(self, entry: Entry, at: float) -> None:
        content = json.dumps({"entry": entry.to_json(), "due": at})
        await asyncio.to_thread(self._retry, entry.entry_id, content, at)

    def _retry(self, name: str, content: str, at: float) -> None:
        try:
            write_durably(self.ready, self.tmp, name, content)
        finally:
            self._let_go(name)
        self._due[name] = at

    async def bury(self, entry: Entry, reason: str) -> None:
        content = json.dumps({"entry": entry.to_json(), "reason": reason, "died_at": self.clock()})
        await asyncio.to_thread(self._bury, entry.entry_id, content)

    def _bury(self, name: str, content: str) -> None:
        write_durably(self.dead_dir, self.tmp, name, content)
        self._done(name)

    async def release(self) -> None:
        for name in list(self._held):
            self._let_go(name)

    async def status(self) -> QueueStatus:
        return await asyncio.to_thread(self._status)

    def _status(self) -> QueueStatus:
        self._ensure()
        ready = sorted(os.listdir(self.ready))
        retrying = in_flight = 0
        oldest: float | None = None
        for name in ready:
            try:
                data = json.loads((self.ready / name).read_text())
            except (FileNotFoundError, ValueError):
                continue
            if float(data.get("due", 0.0)) > 0:
                retrying += 1
            queued = float(data["entry"]["queued_at"])
            oldest = queued if oldest is None else min(oldest, queued)
            fd = os.open(self.ready / name, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                in_flight += 1
            finally:
                os.close(fd)
        return QueueStatus(
            service=self.service,
            kind=self.kind,
            depth=len(ready),
            in_flight=in_flight,
            retrying=retrying,
            dead=len(os.listdir(self.dead_dir)),
            oldest_age=None if oldest is None else self.clock() - oldest,
        )

    async def dead(self, limit: int) -> list[DeadEntry]:
        return await asyncio.to_thread(self._dead, limit)

    def _dead(self, limit: int) -> list[DeadEntry]:
        self._ensure()
        out = []
        for name in sorted(os.listdir(self.dead_dir))[:limit]:
            data = json.loads((self.dead_dir / name).read_text())
            entry = Entry.from_json(name, data["entry"])
            out.append(
                DeadEntry(
                    dead_id=name.removesuffix(".json"),
                    service=self.service,
                    record_id=entry.record_id,
                    attempts=entry.attempts,
                    queued_at=entry.queued_at,
                    died_at=float(data.get("died_at", 0.0)),
                    reason=str(data.get("reason", "")),
                )
            )
        return out

    async def replay(self, dead_ids: Sequence[str] | None) -> int:
        return await asyncio.to_thread(self._replay, dead_ids)

    def _replay(self, dead_ids: Sequence[str] | None) -> int:
        self._ensure()
        names = (
            sorted(os.listdir(self.dead_dir))
            if dead_ids is None
            else [d if d.endswith(".json") else f"{d}.json" for d in dead_ids]
        )
        count = 0
        for name in names:
            path = self.dead_dir / name
            try:
                data = json.loads(path.read_text())
            except FileNotFoundError:
                continue
            fresh = Entry.new(Entry.from_json("", data["entry"]).record, self.clock())
            content = json.dumps({"entry": json.loads(fresh.dumps()), "due": 0.0})
            write_durably(self.ready, self.tmp, self._name(), content)
            path.unlink()
            count += 1
        return count

    async def ping(self) -> bool:
        try:
            await asyncio.to_thread(self._ensure)
            return os.access(self.ready, os.W_OK)
        except OSError:
            return False
