"""The keys that sign access tokens (and, as a separate set, the gateway's assertions to the
services behind it): generated on first start, stored, rotated, published.

Each key is an ES256 (P-256) key pair with its ``kid`` (the RFC 7638 thumbprint) and the time it
was made. The newest key signs; once it is ``rotation`` seconds old, the next instance that signs
makes a new one. An older key stays in the JWKS until every token it signed has expired (its
successor's age passes the access-token lifetime), then it is dropped from the store.

Where they live: the embedded default keeps them in ``oauth-signing-keys.json`` in the data
folder (mode 0600); with Redis, in the hash ``wg:oauth:signing-keys``, shared by every instance.
Assertion keys: ``assertion-signing-keys.json``, ``wg:assertion:signing-keys``.
Private parts never leave the store but to sign: :class:`SigningKey` keeps them out of ``repr``
and nothing here logs a key.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as aioredis
from joserfc.jwk import ECKey, KeySet
from redis.exceptions import RedisError

from gateway.clock import Clock, system_clock
from gateway.durable import locked
from gateway.errors import StoreUnavailable

log = logging.getLogger("gateway.oauth")

ALGORITHM = "ES256"
TOKEN_KEYS = "oauth"  # the name of each set: the file and the hash are named after it
ASSERTION_KEYS = "assertion"
RELOAD_INTERVAL = 60.0  # seconds between reloads, to see keys other instances made
UNKNOWN_KID_RELOAD = 1.0  # at most one reload a second for tokens signed with an unknown key
CLOCK_SKEW = 60.0


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created_at: float
    jwk: dict[str, Any] = field(repr=False)  # with its private part

    def key(self) -> ECKey:
        return ECKey.import_key(self.jwk)

    def public(self) -> dict[str, Any]:
        data = self.key().as_dict(private=False)
        data.update({"kid": self.kid, "use": "sig", "alg": ALGORITHM})
        return data

    def to_json(self) -> str:
        return json.dumps({"kid": self.kid, "created_at": self.created_at, "jwk": self.jwk})

    @classmethod
    def from_json(cls, raw: str | bytes) -> SigningKey:
        data = json.loads(raw)
        return cls(str(data["kid"]), float(data["created_at"]), dict(data["jwk"]))

    @classmethod
    def generate(cls, now: float) -> SigningKey:
        key = ECKey.generate_key("P-256", private=True)
        kid = key.thumbprint()
        return cls(kid, now, key.as_dict(private=True))


class SigningKeyStore(Protocol):
    async def load(self) -> list[SigningKey]: ...

    async def add(self, key: SigningKey) -> None: ...

    async def remove(self, kids: list[str]) -> None: ...


class FileSigningKeyStore:
    def __init__(self, data_dir: Path, name: str = TOKEN_KEYS) -> None:
        self.path = data_dir / f"{name}-signing-keys.json"
        self.lock_path = data_dir / f"{name}-signing-keys.lock"
        data_dir.mkdir(parents=True, exist_ok=True)

    async def load(self) -> list[SigningKey]:
        return list(self._read().values())

    async def add(self, key: SigningKey) -> None:
        with locked(self.lock_path):
            keys = self._read()
            keys[key.kid] = key
            self._write(keys)

    async def remove(self, kids: list[str]) -> None:
        with locked(self.lock_path):
            keys = self._read()
            for kid in kids:
                keys.pop(kid, None)
            self._write(keys)

    def _read(self) -> dict[str, SigningKey]:
        try:
            raw = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreUnavailable("the signing-key file could not be read") from exc
        return {k["kid"]: SigningKey.from_json(json.dumps(k)) for k in raw.get("keys", [])}

    def _write(self, keys: dict[str, SigningKey]) -> None:
        doc = {"keys": [json.loads(k.to_json()) for k in keys.values()]}
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        try:
            # Created 0600 before a byte is written: the private parts are never world-readable.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(doc, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreUnavailable("the signing-key file could not be written") from exc


class RedisSigningKeyStore:
    def __init__(self, client: aioredis.Redis, name: str = TOKEN_KEYS) -> None:
        self.redis = client
        self.hash = f"wg:{name}:signing-keys"

    async def load(self) -> list[SigningKey]:
        try:
            raw = await self.redis.hgetall(self.hash)
        except RedisError as exc:
            raise StoreUnavailable("the signing-key store is unreachable") from exc
        return [SigningKey.from_json(v) for v in raw.values()]

    async def add(self, key: SigningKey) -> None:
        try:
            await self.redis.hsetnx(self.hash, key.kid, key.to_json())
        except RedisError as exc:
            raise StoreUnavailable("the signing-key store is unreachable") from exc

    async def remove(self, kids: list[str]) -> None:
        if kids:
            try:
                await self.redis.hdel(self.hash, *kids)
            except RedisError as exc:
                raise StoreUnavailable("the signing-key store is unreachable") from exc


class Keyring:
    """The signing keys one instance knows: the current one to sign, all live ones to verify.

    ``token_ttl`` is how long what a key signed must still verify after its successor took
    over. ``clock`` is wall time (tests move it to cross a rotation); ``monotonic`` paces reloads.
    """

    def __init__(
        self,
        store: SigningKeyStore,
        rotation: float,
        token_ttl: float,
        clock: Clock = system_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.rotation = rotation
        self.token_ttl = token_ttl
        self.clock = clock
        self.monotonic = monotonic
        self._keys: list[SigningKey] = []  # oldest first
        self._keyset = KeySet([])
        self._loaded_at = float("-inf")
        # The current key, imported once: importing a private JWK was a fifth of a token's cost.
        self._current: tuple[str, ECKey] | None = None
        # One reload or rotation at a time: the requests that find one due together wait for it
        # instead of each reading the store (and, on a first start, each making a key).
        self._due = asyncio.Lock()

    async def signing_key(self) -> tuple[str, ECKey]:
        """The current key's ``kid`` and key, making a new one when due."""
        if self._current is None or self._reload_due() or self._rotation_due():
            async with self._due:
                if self._reload_due():
                    await self.reload()
                if self._rotation_due():
                    await self.store.add(SigningKey.generate(self.clock()))
                    await self.reload()
                    log.info("signing key rotated; %d key(s) published", len(self._keys))
                if self._current is None:
                    current = self._keys[-1]
                    self._current = (current.kid, current.key())
        return self._current

    def _reload_due(self) -> bool:
        return not self._keys or self.monotonic() - self._loaded_at >= RELOAD_INTERVAL

    def _rotation_due(self) -> bool:
        return not self._keys or self.clock() - self._keys[-1].created_at >= self.rotation

    def keyset(self) -> KeySet:
        return self._keyset

    def knows(self, kid: str) -> bool:
        return any(k.kid == kid for k in self._keys)

    async def reload_for(self, kid: str) -> None:
        """Reload when a token names a key this instance has not seen (another instance's)."""
        if not self.knows(kid) and self.monotonic() - self._loaded_at >= UNKNOWN_KID_RELOAD:
            await self.reload()

    async def reload(self) -> None:
        keys = sorted(await self.store.load(), key=lambda k: (k.created_at, k.kid))
        now = self.clock()
        retired = [
            old.kid
            for old, successor in itertools.pairwise(keys)
            if now - successor.created_at > self.token_ttl + CLOCK_SKEW
        ]
        if retired:
            await self.store.remove(retired)
            keys = [k for k in keys if k.kid not in retired]
        self._keys = keys
        self._keyset = KeySet([self._import(k) for k in keys])
        self._loaded_at = self.monotonic()
        if self._current is None or not keys or self._current[0] != keys[-1].kid:
            self._current = None

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public() for k in self._keys]}

    @staticmethod
    def _import(key: SigningKey) -> ECKey:
        imported = ECKey.import_key(key.public())
        return imported
