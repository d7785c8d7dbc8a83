"""A key store that reports on itself: Redis latency and errors, spans, cache hits and misses.

:class:`InstrumentedKeyStore` wraps the configured store, and the key cache reads through it; a
read is noted for the lookup that caused it, so :func:`cached_lookup` can tell a cache hit (no
read) from a miss without reaching into the cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar

from gateway.errors import StoreUnavailable
from gateway.keys.cache import CachedKey, KeyCache
from gateway.keys.model import ApiKey
from gateway.keys.store import KeyStore
from gateway.web.metrics import Metrics
from gateway.web.tracing import Tracing

# A list per lookup, shared by reference with any task the cache starts for the read (a task
# copies the context, so a plain flag set there would not be seen by the lookup).
_store_reads: ContextVar[list[str] | None] = ContextVar("gateway_key_store_reads", default=None)


class InstrumentedKeyStore:
    """``inner`` with every read timed (as ``op="key_get"`` when it is Redis) and traced."""

    def __init__(self, inner: KeyStore, metrics: Metrics, tracing: Tracing, *, redis: bool) -> None:
        self.inner = inner
        self.metrics = metrics
        self.tracing = tracing
        self.redis = redis
        # The same list: listeners added through either object hear every change.
        self.listeners: list[Callable[[str], None]] = inner.listeners

    async def get(self, public_key: str) -> ApiKey | None:
        reads = _store_reads.get()
        if reads is not None:
            reads.append(public_key)
        with self.tracing.span("gateway.keystore.get", {"gateway.store": self.kind}):
            started = time.perf_counter()
            ok = False
            try:
                key = await self.inner.get(public_key)
                ok = True
                return key
            finally:
                if self.redis:
                    self.metrics.redis_command("key_get", time.perf_counter() - started, ok)

    @property
    def kind(self) -> str:
        return "redis" if self.redis else "file"

    async def put(self, key: ApiKey, replaces: ApiKey | None = None) -> None:
        await self.inner.put(key, replaces)

    async def list(
        self, account: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> tuple[list[ApiKey], str | None]:
        return await self.inner.list(account, cursor, limit)

    async def find_by_private_key(self, private_key: str) -> ApiKey | None:
        return await self.inner.find_by_private_key(private_key)

    async def ping(self) -> bool:
        started = time.perf_counter()
        ok = await self.inner.ping()
        if self.redis:
            self.metrics.redis_command("ping", time.perf_counter() - started, ok)
        return ok

    async def close(self) -> None:
        await self.inner.close()


async def cached_lookup(cache: KeyCache, public_key: str, metrics: Metrics) -> CachedKey | None:
    """``cache.get(public_key)``, counted as a hit or a miss (concurrent misses on one key share
    one store read: the lookup that started it counts the miss, the others a hit)."""
    fresh = cache.fresh(public_key)
    if fresh is not None:
        metrics.key_lookup(hit=True)
        return fresh
    reads: list[str] = []
    token = _store_reads.set(reads)
    try:
        cached = await cache.get(public_key)
    except StoreUnavailable:
        metrics.key_lookup(hit=False)
        raise
    else:
        metrics.key_lookup(hit=not reads)
    finally:
        _store_reads.reset(token)
    return cached


def serving_keys(cache: KeyCache) -> int:
    """How many keys the cache could still answer for with its store down (stale included).

    Reads the cache's table: the cache offers no count, and readiness must not read the store
    it is asking about.
    """
    now = cache.clock()
    entries = getattr(cache, "_entries", {})
    return sum(1 for e in entries.values() if e.value is not None and now < e.stale_until)
