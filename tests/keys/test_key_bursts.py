"""A burst on a key no instance has cached yet: one store read, every request answered."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import httpx

from gateway import redis_client
from gateway.app import create_app
from gateway.keys.cache import KeyCache
from gateway.keys.redis_store import RedisKeyStore
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.aio import run
from tests.support.processes import RedisServer
from tests.support.servers import ServerThread

BURST = 200


def keyspace_hits(server: RedisServer) -> int:
    admin = server.client()
    try:
        return int(admin.info("stats")["keyspace_hits"])
    finally:
        admin.close()


def test_concurrent_misses_on_one_key_share_one_store_read(
    redis_server: RedisServer, redis_url: str, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, redis_url)
    key = stored_key(settings)
    before = keyspace_hits(redis_server)

    async def burst() -> set[str | None]:
        client = redis_client.connect(settings)
        cache = KeyCache(RedisKeyStore(client))
        try:
            found = await asyncio.gather(*(cache.get(key.key.public_key) for _ in range(BURST)))
            return {None if f is None else f.key.public_key for f in found}
        finally:
            await client.aclose()

    assert run(burst()) == {key.key.public_key}
    # Each store read is one GET of an existing key in Redis.
    assert keyspace_hits(redis_server) - before == 1


def test_a_burst_of_first_requests_for_a_key_gets_no_503(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path, redis_url, limit_per_ip="100000/minute", limit_per_key="100000/minute"
    )
    key = stored_key(settings)
    url = f"/v1/{key.key.public_key}/consent/config"

    async def burst(base: str) -> Counter[int | str]:
        limits = httpx.Limits(max_connections=BURST)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
            answers = await asyncio.gather(
                *(http.get(url, headers={"Origin": SITE}) for _ in range(BURST))
            )
        return Counter(a.status_code if a.status_code == 200 else a.json()["code"] for a in answers)

    with ServerThread(create_app(settings)) as gateway:
        assert run(burst(gateway.url)) == {200: BURST}
