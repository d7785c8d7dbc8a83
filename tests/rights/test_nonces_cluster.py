"""Form-token nonces on a real Redis Cluster: single-use across instances."""

from __future__ import annotations

import asyncio
import time

from gateway.redis_client import connect_cluster, discover
from gateway.rights.nonces import UsedNonces
from tests.support.aio import run


def test_a_nonce_is_claimed_once_across_instances_on_the_cluster(cluster_url: str) -> None:
    async def scenario() -> tuple[list[bool], bool, bool]:
        clients = [connect_cluster(cluster_url, 1.0, 1.0) for _ in range(3)]
        for c in clients:
            await discover(c)  # as the gateway's services do when they open
        instances = [UsedNonces(c, None) for c in clients]
        try:
            nonce = "0123456789abcdef01234567"
            until = time.time() + 60
            claims = await asyncio.gather(
                *(instances[i % 3].claim(nonce, until) for i in range(30))
            )
            await instances[0].release(nonce)  # its request could not be stored
            again = await instances[1].claim(nonce, until)
            other = await instances[2].claim("fedcba9876543210fedcba98", until)
            return list(claims), again, other
        finally:
            for c in clients:
                await c.aclose()

    claims, again, other = run(scenario())
    assert claims.count(True) == 1
    assert again and other
