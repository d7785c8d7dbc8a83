"""Recognising a rights request sent again, so it gets the same reference (idempotency).

People double-click, reload after a slow answer, or send the form again because they lost the
confirmation. Each of these must not open a second legal case. A submission's fingerprint is an
HMAC (keyed with the signing secret, so it cannot be reversed by guessing addresses) of the key
and the normalised fields; the first answer is kept under it for a window. With Redis the
fingerprints are shared by every instance (``SET NX`` makes the first writer win); without Redis,
or when Redis fails, they live in this process's memory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger("gateway.rights")
PREFIX = "wg:rights:dup:"
MEMORY_MAX = 10_000


def fingerprint(secret: str, public_key: str, fields: Mapping[str, Any]) -> str:
    """The submission's fingerprint: same key and same normalised fields, same fingerprint."""
    canonical = dict(fields)
    if isinstance(canonical.get("email"), str):
        canonical["email"] = canonical["email"].lower()
    payload = json.dumps([public_key, canonical], sort_keys=True, separators=(",", ":"))
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class Duplicates:
    """Answers already given, by fingerprint, for ``window`` seconds."""

    def __init__(
        self,
        redis: aioredis.Redis | None,
        window: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis
        self.window = window
        self.clock = clock
        self._memory: dict[str, tuple[float, dict[str, str]]] = {}

    async def get(self, fp: str) -> dict[str, str] | None:
        """The answer already given to this submission, if it is recent."""
        if self.redis is not None:
            try:
                raw = await self.redis.get(PREFIX + fp)
                return None if raw is None else dict(json.loads(raw))
            except RedisError:
                log.warning("duplicate check: Redis unavailable, using this instance's memory")
        found = self._memory.get(fp)
        if found is None or found[0] < self.clock():
            return None
        return found[1]

    async def claim(self, fp: str, answer: dict[str, str]) -> dict[str, str] | None:
        """Remember ``answer`` unless another one got there first; return that other one."""
        if self.redis is not None:
            try:
                ms = int(self.window * 1000)
                if await self.redis.set(PREFIX + fp, json.dumps(answer), nx=True, px=ms):
                    return None
                raw = await self.redis.get(PREFIX + fp)
                return None if raw is None else dict(json.loads(raw))
            except RedisError:
                log.warning("duplicate claim: Redis unavailable, using this instance's memory")
        now = self.clock()
        found = self._memory.get(fp)
        if found is not None and found[0] >= now:
            return found[1]
        self._prune(now)
        self._memory[fp] = (now + self.window, answer)
        return None

    async def release(self, fp: str) -> None:
        """Forget a claim whose request could not be stored, so sending again can succeed."""
        self._memory.pop(fp, None)
        if self.redis is not None:
            try:
                await self.redis.delete(PREFIX + fp)
            except RedisError:
                log.warning("duplicate release: Redis unavailable")

    def _prune(self, now: float) -> None:
        if len(self._memory) < MEMORY_MAX:
            return
        for fp in [fp for fp, (until, _) in self._memory.items() if until < now]:
            del self._memory[fp]
        while len(self._memory) >= MEMORY_MAX:  # still full: drop the oldest entries
            del self._memory[next(iter(self._memory))]
