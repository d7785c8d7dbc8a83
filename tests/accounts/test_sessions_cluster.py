"""Console sessions on a real Redis Cluster: a session's record and its person's index live in
different slots, and every operation still works."""

from __future__ import annotations

from gateway.accounts.sessions.model import SessionManager, SessionRules
from gateway.accounts.sessions.redis import RedisSessionStore
from gateway.redis_client import connect_cluster, discover
from tests.support.aio import run

NOW = 1_800_000_000.0


def test_sessions_start_rotate_list_and_end_on_the_cluster(cluster_url: str) -> None:
    async def scenario() -> tuple[int, int, int]:
        client = connect_cluster(cluster_url, 1.0, 1.0)
        await discover(client)
        try:
            manager = SessionManager(RedisSessionStore(client), SessionRules(1800, 43_200))
            token, session = await manager.start("per_1", NOW, "Firefox", "203.0.113.0")
            rotated, _ = await manager.rotate(session, NOW + 61)
            assert await manager.find(token, NOW + 62) is None
            assert (await manager.find(rotated, NOW + 62)) is not None
            await manager.start("per_1", NOW + 63)
            live = len(await manager.live_of("per_1", NOW + 64))
            ended = await manager.end_all("per_1")
            left = len(await manager.live_of("per_1", NOW + 65))
            return live, ended, left
        finally:
            await client.aclose()

    assert run(scenario()) == (2, 2, 0)
