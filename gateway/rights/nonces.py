"""Form tokens are single-use: each carries a nonce, remembered once used until the token expires.

With Redis the nonce is claimed with ``SET NX PX`` (the first request to claim it wins on every
instance); in the embedded default it is a file created with ``O_EXCL`` in the data folder, so
worker processes sharing the folder agree too. Expired claims are pruned now and then. When Redis
fails, claims fall back to this process's memory, like the duplicate check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.thread_batch import ThreadBatch

log = logging.getLogger("gateway.rights")
PREFIX = "wg:rights:nonce:"
NONCE = re.compile(r"[0-9a-f]{24}")
PRUNE_EVERY = 60.0
# A claim's file is created, then given its expiry as mtime: until then its mtime is the moment
# it was made. Pruning spares files that young, so a prune running in another thread or process
# between the two steps cannot take a claim away (its form could then be sent twice).
PRUNE_GRACE = 60.0
MEMORY_MAX = 100_000


class UsedNonces:
    """Which form-token nonces were used, each until its token's expiry (wall-clock seconds)."""

    def __init__(
        self,
        redis: aioredis.Redis | None,
        folder: Path | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.redis = redis
        self.folder = folder
        self.clock = clock
        self._memory: dict[str, float] = {}
        self._pruned_at = float("-inf")
        self._claims: ThreadBatch[tuple[str, float], bool] = ThreadBatch(self._claim_many)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    async def claim(self, nonce: str, until: float) -> bool:
        """True if ``nonce`` was unused (it is now used until ``until``), False if used before."""
        if not NONCE.fullmatch(nonce):
            return False
        ttl_ms = max(1, int((until - self.clock()) * 1000))
        if self.redis is not None:
            try:
                return bool(await self.redis.set(PREFIX + nonce, b"1", nx=True, px=ttl_ms))
            except RedisError:
                log.warning("form token claim: Redis unavailable, using this instance's memory")
                return self._claim_in_memory(nonce, until)
        if self.folder is not None:
            # Creating a file takes about a millisecond on a journaling file system: not on the
            # event loop, where every other request would wait for it. Claims that arrive while
            # others are being made go to the thread together (gateway.thread_batch).
            return await self._claims.submit((nonce, until))
        return self._claim_in_memory(nonce, until)

    async def release(self, nonce: str) -> None:
        """Forget a claim whose request could not be stored, so the form can be sent again."""
        self._memory.pop(nonce, None)
        if self.redis is not None:
            with contextlib.suppress(RedisError):
                await self.redis.delete(PREFIX + nonce)
        elif self.folder is not None and NONCE.fullmatch(nonce):
            await asyncio.to_thread((self.folder / nonce).unlink, missing_ok=True)

    def _claim_many(self, claims: list[tuple[str, float]]) -> list[bool]:
        return [self._claim_in_folder(nonce, until) for nonce, until in claims]

    def _claim_in_folder(self, nonce: str, until: float) -> bool:
        assert self.folder is not None
        self._prune_folder()
        path = self.folder / nonce
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return False
        try:
            os.utime(fd, (until, until))  # the file's mtime says when the claim may be forgotten
        finally:
            os.close(fd)
        return True

    def _prune_folder(self) -> None:
        assert self.folder is not None
        now = self.clock()
        if now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        for entry in os.scandir(self.folder):
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < now - PRUNE_GRACE:
                    os.unlink(entry.path)

    def _claim_in_memory(self, nonce: str, until: float) -> bool:
        now = self.clock()
        if self._memory.get(nonce, float("-inf")) >= now:
            return False
        if len(self._memory) >= MEMORY_MAX:
            self._memory = {n: t for n, t in self._memory.items() if t >= now}
            while len(self._memory) >= MEMORY_MAX:
                del self._memory[next(iter(self._memory))]
        self._memory[nonce] = until
        return True
