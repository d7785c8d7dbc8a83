"""The configured key store for one command: the data folder's file, or Redis."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from gateway import redis_client
from gateway.keys.redis_store import RedisKeyStore
from gateway.keys.store import FileKeyStore, KeyStore
from gateway.settings import Settings


@contextlib.asynccontextmanager
async def open_key_store(settings: Settings) -> AsyncIterator[tuple[KeyStore, Redis | None]]:
    """The key store the gateway with ``settings`` reads, and its Redis client (or None);
    both closed on leaving."""
    client = None if settings.redis_url is None else redis_client.connect(settings)
    store: KeyStore = FileKeyStore(settings.data_dir) if client is None else RedisKeyStore(client)
    try:
        yield store, client
    finally:
        await store.close()
        if client is not None:
            await client.aclose()
