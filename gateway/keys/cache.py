"""The in-process key cache in front of a :class:`~gateway.keys.store.KeyStore`.

Entries live for ``ttl`` seconds, unknown keys for a shorter time, and are dropped at once when an
invalidation arrives on Redis pub/sub. While the subscription is broken, messages may be missed, so
the whole cache is dropped when it comes back. When the store itself is unreachable, an expired
entry keeps serving for up to ``stale_ttl``: no key can be changed while its store is down, so the
stale copy is still the truth, and the widgets keep working through a short store outage.

Loads are shared: however many requests miss on one key at once (a burst on a key just created, or
just expired), one store read serves them all, so a burst does not become a burst on the store. A
shared read that fails is tried once more before every request waiting on it is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.errors import StoreUnavailable
from gateway.keys.model import ApiKey
from gateway.keys.origins import AllowList
from gateway.keys.redis_store import INVALIDATE_CHANNEL
from gateway.keys.store import KeyStore
from gateway.redis_client import discover

log = logging.getLogger("gateway.keys")


@dataclass(frozen=True, slots=True)
class CachedKey:
    """A key with its compiled origin allow list."""

    key: ApiKey
    allow: AllowList


@dataclass(slots=True)
class _Entry:
    value: CachedKey | None
    expires: float
    stale_until: float


class KeyCache:
    # Anyone can make well-formed public keys (the checksum is no secret), and each unknown one
    # is cached for a while: the cache must stay bounded whatever arrives.
    max_entries = 100_000

    def __init__(
        self,
        store: KeyStore,
        ttl: float = 30.0,
        negative_ttl: float = 2.0,
        stale_ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self.stale_ttl = stale_ttl
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        # Counts drops: a lookup that was in flight across one may hold the record from before
        # the change, so it answers its own request but is not cached.
        self._generation = 0
        # One load in flight per key, which every request missing on that key meanwhile awaits.
        self._loading: dict[str, asyncio.Future[CachedKey | None]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._closing = False
        # A change written by this process is seen at once, without waiting for pub/sub.
        store.listeners.append(self.drop)

    def fresh(self, public_key: str) -> CachedKey | None:
        """The cached key while its entry is fresh, without awaiting; None for anything else (a
        stale entry, a cached "no such key", nothing cached): then :meth:`get` decides."""
        entry = self._entries.get(public_key)
        if entry is not None and self.clock() < entry.expires:
            return entry.value
        return None

    async def get(self, public_key: str) -> CachedKey | None:
        now = self.clock()
        entry = self._entries.get(public_key)
        if entry is not None and now < entry.expires:
            return entry.value
        loading = self._loading.get(public_key)
        if loading is None:
            loading = asyncio.ensure_future(self._load(public_key, entry, now))
            self._loading[public_key] = loading
            loading.add_done_callback(lambda done: self._loaded(public_key, done))
        # Shielded: a request that gives up must not cancel the load the others wait for.
        return await asyncio.shield(loading)

    def _loaded(self, public_key: str, done: asyncio.Future[CachedKey | None]) -> None:
        if self._loading.get(public_key) is done:
            del self._loading[public_key]
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every waiter has gone

    async def _load(self, public_key: str, entry: _Entry | None, now: float) -> CachedKey | None:
        generation = self._generation
        try:
            key = await self.store.get(public_key)
        except StoreUnavailable:
            if entry is not None and now < entry.stale_until:
                return entry.value
            # Every request missing on this key waits on this one read: a single slow answer (a
            # busy event loop in a burst) should not fail them all, so it gets one more try.
            key = await self.store.get(public_key)
        value = None if key is None else CachedKey(key, AllowList.from_strings(key.origins))
        if generation != self._generation:
            return value
        ttl = self.ttl if key is not None else self.negative_ttl
        self._entries[public_key] = _Entry(value, now + ttl, now + ttl + self.stale_ttl)
        if len(self._entries) > self.max_entries:
            self._evict(now)
        return value

    def drop(self, public_key: str | None = None) -> None:
        """Forget one key, or every key when ``public_key`` is None."""
        self._generation += 1
        # A load in flight may hold the record from before the change: requests from now on
        # start their own.
        if public_key is None:
            self._entries.clear()
            self._loading.clear()
        else:
            self._entries.pop(public_key, None)
            self._loading.pop(public_key, None)

    def start_listening(self, client: aioredis.Redis) -> None:
        """Follow invalidations published by any instance (see ``keystore_redis``)."""
        self._listener = asyncio.create_task(self._listen(client), name="key-invalidations")

    async def close(self) -> None:
        if self._listener is not None:
            # The flag as well as the cancellation: on Python 3.11 a cancellation that arrives as
            # a Redis command completes can be lost inside redis-py, and the loop must end anyway.
            self._closing = True
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def _listen(self, client: aioredis.Redis) -> None:
        while not self._closing:
            await discover(client)  # a Cluster client needs its slot map to subscribe
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(INVALIDATE_CHANNEL)
                # Anything published while we were not subscribed is lost: start clean.
                self.drop()
                while not self._closing:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self.drop(message["data"].decode())
            except (RedisError, OSError, KeyError) as exc:  # KeyError: a Cluster not discovered
                log.warning("key invalidation feed interrupted (%s); retrying", type(exc).__name__)
                await asyncio.sleep(0.5)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _evict(self, now: float) -> None:
        for pk in [pk for pk, e in self._entries.items() if e.stale_until < now]:
            del self._entries[pk]
        # Still full (a flood of made-up keys): drop the oldest entries, down to nine tenths so
        # this scan runs once per many inserts rather than on every one.
        excess = len(self._entries) - self.max_entries * 9 // 10
        if excess > 0:
            for pk in list(itertools.islice(self._entries, excess)):
                del self._entries[pk]
