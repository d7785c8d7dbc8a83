"""The grant store of the embedded default: one JSON document in the data folder.

``oauth-grants.json`` is changed under an exclusive ``flock`` (read, change, write a temporary
file, ``fsync``, ``rename``), so several processes sharing the folder (``serve --workers``, the
CLI) see one truth and a code is redeemed once across all of them. Readers of revocations keep
the document in memory and reload it when its ``stat`` changes, checked at most every
:data:`RELOAD_INTERVAL`. Expired entries are dropped on every write.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.clock import Clock, system_clock
from gateway.durable import locked
from gateway.errors import StoreUnavailable
from gateway.oauth.store import CodeGrant, RefreshGrant

RELOAD_INTERVAL = 0.25
USED_CODE_MEMORY = 600.0

Document = dict[str, dict[str, Any]]
SECTIONS = ("codes", "used_codes", "refresh", "used_refresh", "revoked")


class FileGrantStore:
    def __init__(
        self,
        data_dir: Path,
        clock: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = data_dir / "oauth-grants.json"
        self.lock_path = data_dir / "oauth-grants.lock"
        self.clock = clock
        self.monotonic = monotonic
        self._doc: Document = _empty()
        self._stat: tuple[int, int, int] | None = None
        self._checked_at = float("-inf")
        data_dir.mkdir(parents=True, exist_ok=True)

    async def put_code(self, grant: CodeGrant, ttl: float) -> None:
        with self._change() as doc:
            doc["codes"][grant.code_hash] = [grant.to_json(), self.clock() + ttl]

    async def take_code(self, code_hash: str) -> tuple[CodeGrant | None, str | None]:
        with self._change() as doc:
            entry = doc["codes"].pop(code_hash, None)
            if entry is None:
                used = doc["used_codes"].get(code_hash)
                return None, (used[0] if used else None)
            grant = CodeGrant.from_json(entry[0])
            doc["used_codes"][code_hash] = [grant.family, self.clock() + USED_CODE_MEMORY]
        return grant, None

    async def put_refresh(self, grant: RefreshGrant, ttl: float) -> None:
        with self._change() as doc:
            doc["refresh"][grant.token_hash] = [grant.to_json(), self.clock() + ttl]

    async def get_refresh(self, token_hash: str) -> tuple[RefreshGrant | None, bool]:
        doc = self._current(force=True)
        entry = doc["refresh"].get(token_hash)
        live = entry is not None and entry[1] > self.clock()
        grant = RefreshGrant.from_json(entry[0]) if live and entry else None
        return grant, token_hash in doc["used_refresh"]

    async def claim_refresh(self, token_hash: str, ttl: float) -> bool:
        with self._change() as doc:
            if token_hash in doc["used_refresh"]:
                return False
            doc["used_refresh"][token_hash] = [True, self.clock() + ttl]
        return True

    async def revoke_family(self, family: str, ttl: float) -> None:
        with self._change() as doc:
            doc["revoked"][family] = [True, self.clock() + ttl]

    async def family_revoked(self, family: str) -> bool:
        entry = self._current()["revoked"].get(family)
        return entry is not None and entry[1] > self.clock()

    async def close(self) -> None:
        pass

    # --- the document ----------------------------------------------------------------------

    def _change(self) -> _Change:
        return _Change(self)

    def _current(self, force: bool = False) -> Document:
        now = self.monotonic()
        if force or now - self._checked_at >= RELOAD_INTERVAL:
            self._checked_at = now
            stat = self._file_stat()
            if stat != self._stat:
                self._doc = self._read()
                self._stat = stat
        return self._doc

    def _file_stat(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _read(self) -> Document:
        try:
            raw = json.loads(self.path.read_text())
        except FileNotFoundError:
            return _empty()
        except (OSError, ValueError) as exc:
            raise StoreUnavailable("the grant file could not be read") from exc
        doc = _empty()
        for section in SECTIONS:
            doc[section].update(raw.get(section) or {})
        return doc

    def _write(self, doc: Document) -> None:
        now = self.clock()
        for section in SECTIONS:
            doc[section] = {k: v for k, v in doc[section].items() if v[1] > now}
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        try:
            with open(tmp, "w") as fh:
                json.dump(doc, fh, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreUnavailable("the grant file could not be written") from exc
        self._doc = doc
        self._stat = self._file_stat()


class _Change:
    """``with store._change() as doc``: the current document under the lock, written after."""

    def __init__(self, store: FileGrantStore) -> None:
        self.store = store
        self._lock = locked(store.lock_path)

    def __enter__(self) -> Document:
        self._lock.__enter__()
        self.doc = self.store._read()
        return self.doc

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self.store._write(self.doc)
        finally:
            self._lock.__exit__(None, None, None)


def _empty() -> Document:
    return {section: {} for section in SECTIONS}
