"""Where keys live: the :class:`KeyStore` interface and the file store of the embedded default.

The file store keeps every key in one JSON document, ``keys.json`` in the data folder. Writers take
an exclusive ``flock`` on a lock file, read the current document, change it, write a temporary file,
``fsync`` it and ``rename`` it over the old one: concurrent writers (several workers, the CLI while
the gateway runs) never lose each other's changes, and a crash never leaves a torn file. Readers
reload the document when its ``stat`` changes, checked at most every :data:`RELOAD_INTERVAL`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from gateway.durable import locked, write_atomic
from gateway.errors import KeyChanged, StoreUnavailable
from gateway.keys.model import ApiKey, decode_record, hash_private_key

RELOAD_INTERVAL = 0.5
log = logging.getLogger("gateway.keys")


def skip_record(public_key: object) -> None:
    """Log a stored record that is not a readable key: by its public key, nothing else of it."""
    shown = public_key if isinstance(public_key, str) and public_key.isascii() else "?"
    log.warning("skipped unreadable key record %.60s", shown)


class KeyStore(Protocol):
    """The operations every key store offers.

    ``listeners`` are called with the public key after each successful ``put`` in this process,
    so the instance that made a change (the admin API, the CLI's own process) sees it at once;
    other instances learn of it through Redis pub/sub or the file's ``stat``.
    """

    listeners: list[Callable[[str], None]]

    async def get(self, public_key: str) -> ApiKey | None: ...

    async def put(self, key: ApiKey, replaces: ApiKey | None = None) -> None:
        """Create or replace ``key``, and tell every gateway instance to drop its cached copy.

        With ``replaces`` (the record the change was made from), raises
        :class:`~gateway.errors.KeyChanged` instead if the stored record is no longer that one:
        a change made meanwhile (a revocation) is never silently undone."""

    async def list(
        self, account: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> tuple[list[ApiKey], str | None]:
        """Keys in creation order (of one account, or all), a page at a time, with the next
        cursor."""

    async def find_by_private_key(self, private_key: str) -> ApiKey | None: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


def page_of(keys: list[ApiKey], cursor: str | None, limit: int) -> tuple[list[ApiKey], str | None]:
    """One page of ``keys`` (sorted by creation) after the opaque ``cursor`` (a public key)."""
    ordered = sorted(keys, key=lambda k: (k.created_at, k.public_key))
    start = 0
    if cursor:
        for i, key in enumerate(ordered):
            if key.public_key == cursor:
                start = i + 1
                break
    page = ordered[start : start + limit]
    more = start + limit < len(ordered)
    return page, (page[-1].public_key if more and page else None)


class FileKeyStore:
    """Keys in ``keys.json`` under ``data_dir``; see the module docstring for the guarantees."""

    def __init__(self, data_dir: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = data_dir / "keys.json"
        self.lock_path = data_dir / "keys.lock"
        self.clock = clock
        self._keys: dict[str, ApiKey] = {}
        self._stat: tuple[int, int, int] | None = None
        self._checked_at = float("-inf")
        self.listeners: list[Callable[[str], None]] = []
        data_dir.mkdir(parents=True, exist_ok=True)

    async def get(self, public_key: str) -> ApiKey | None:
        await self._refresh()
        return self._keys.get(public_key)

    async def put(self, key: ApiKey, replaces: ApiKey | None = None) -> None:
        # The locked read-change-write blocks on flock and fsync: off the event loop.
        keys, stat = await asyncio.to_thread(self._put_locked, key, replaces)
        self._keys, self._stat = keys, stat
        for listener in self.listeners:
            listener(key.public_key)

    def _put_locked(
        self, key: ApiKey, replaces: ApiKey | None
    ) -> tuple[dict[str, ApiKey], tuple[int, int, int] | None]:
        with locked(self.lock_path):
            keys = self._read()
            if replaces is not None and keys.get(key.public_key) != replaces:
                raise KeyChanged("the key was changed meanwhile; load it again and retry")
            keys[key.public_key] = key
            self._write(keys)
            return keys, self._current_stat()

    async def list(
        self, account: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> tuple[list[ApiKey], str | None]:
        await self._refresh(force=True)
        keys = [k for k in self._keys.values() if account is None or k.account == account]
        return page_of(keys, cursor, limit)

    async def find_by_private_key(self, private_key: str) -> ApiKey | None:
        await self._refresh(force=True)
        digest = hash_private_key(private_key)
        for key in self._keys.values():
            if any(p.digest == digest for p in key.private_keys):
                return key
        return None

    async def ping(self) -> bool:
        return os.access(self.path.parent, os.W_OK)

    async def close(self) -> None:
        pass

    async def _refresh(self, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self._checked_at < RELOAD_INTERVAL:
            return
        stat = self._current_stat()  # one stat(2): cheap enough for the loop
        if stat != self._stat:
            keys = await asyncio.to_thread(self._read)
            self._keys, self._stat = keys, stat
        # Only now: a lookup arriving while the file is read must wait for its own read, not
        # find the old (or empty) table marked as fresh.
        self._checked_at = now

    def _current_stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _read(self) -> dict[str, ApiKey]:
        try:
            raw: dict[str, Any] = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreUnavailable("the key file could not be read") from exc
        keys: dict[str, ApiKey] = {}
        for pk, data in raw.get("keys", {}).items():
            key = decode_record(data)
            if key is None:
                skip_record(pk)
            else:
                keys[pk] = key
        return keys

    def _write(self, keys: dict[str, ApiKey]) -> None:
        doc = {"version": 1, "keys": {pk: k.to_json() for pk, k in keys.items()}}
        try:
            write_atomic(self.path, json.dumps(doc, indent=1).encode())
        except OSError as exc:
            raise StoreUnavailable("the key file could not be written") from exc
