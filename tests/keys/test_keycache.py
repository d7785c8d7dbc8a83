"""The in-process key cache: invalidations win over lookups that were in flight."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from gateway.keys.cache import KeyCache
from gateway.keys.model import PUBLIC_PREFIX, ApiKey, create_key, new_key_string, revoke_key
from tests.support.aio import run


class SlowStore:
    """A store whose next ``get`` answers what it held when asked, once ``release`` is set."""

    def __init__(self, key: ApiKey) -> None:
        self.key = key
        self.listeners: list[Callable[[str], None]] = []
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def get(self, public_key: str) -> ApiKey | None:
        seen = self.key
        self.asked.set()
        await self.release.wait()
        return seen


def test_invalidation_during_a_lookup_is_not_lost() -> None:
    """A key revoked while an instance was reading it must not stay cached for the whole TTL."""

    async def scenario() -> None:
        key = create_key("acct", "site", now=1.0).key
        store = SlowStore(key)
        cache = KeyCache(store, ttl=60.0)  # type: ignore[arg-type]
        lookup = asyncio.create_task(cache.get(key.public_key))
        await store.asked.wait()
        # The revocation lands and is published while the old record is on its way back.
        store.key = revoke_key(key, now=2.0)
        cache.drop(key.public_key)
        store.release.set()
        first = await lookup
        assert first is not None and first.key.active  # that request raced; it may pass
        again = await cache.get(key.public_key)
        assert again is not None and not again.key.active

    run(scenario())


def test_an_untouched_lookup_is_cached() -> None:
    async def scenario() -> None:
        key = create_key("acct", "site", now=1.0).key
        store = SlowStore(key)
        store.release.set()
        cache = KeyCache(store, ttl=60.0)  # type: ignore[arg-type]
        assert (await cache.get(key.public_key)) is not None
        store.key = dataclasses.replace(key, name="changed")
        cached = await cache.get(key.public_key)
        assert cached is not None and cached.key.name == "site"

    run(scenario())


class EmptyStore:
    def __init__(self) -> None:
        self.listeners: list[Callable[[str], None]] = []

    async def get(self, public_key: str) -> ApiKey | None:
        return None


def test_made_up_keys_cannot_grow_the_cache_without_bound() -> None:
    """Unknown keys are cached too; a flood of well-formed made-up keys must not fill memory."""

    async def scenario() -> None:
        cache = KeyCache(EmptyStore(), ttl=60.0)  # type: ignore[arg-type]
        cache.max_entries = 100
        for _ in range(1000):
            assert await cache.get(new_key_string(PUBLIC_PREFIX)) is None
        assert len(cache._entries) <= 100

    run(scenario())
