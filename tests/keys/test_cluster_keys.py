"""The Redis key store, its audit trail and its invalidations on a real Redis Cluster."""

from __future__ import annotations

import asyncio

import pytest

from gateway.errors import KeyChanged
from gateway.keys import changes as key_admin
from gateway.keys.audit import RedisAuditLog
from gateway.keys.cache import KeyCache
from gateway.keys.redis_store import INVALIDATE_CHANNEL, RedisKeyStore
from gateway.keys.validation import validate_create, validate_update
from gateway.redis_client import connect_cluster
from tests.support.aio import run
from tests.support.cluster import RedisClusterServers
from tests.support.receiver import wait_until

NEW = {"account": "acct", "name": "Shop", "origins": ["https://shop.example"]}


def test_create_read_roll_and_revoke_a_key_on_the_cluster(
    cluster_url: str, redis_cluster: RedisClusterServers
) -> None:
    async def scenario() -> list[str]:
        client = connect_cluster(cluster_url, 1.0, 1.0)
        store, audit = RedisKeyStore(client), RedisAuditLog(client)
        try:
            account, fields = validate_create(NEW)
            made = await key_admin.create(store, audit, account, fields, "admin", 1.0)
            pk = made.key.public_key
            assert await store.get(pk) == made.key
            found = await store.find_by_private_key(made.private_key)
            assert found is not None and found.public_key == pk
            listed, _ = await store.list("acct")
            assert [k.public_key for k in listed] == [pk]

            rolled = await key_admin.roll(store, audit, made.key, 60, "admin", 2.0)
            assert (await store.find_by_private_key(rolled.private_key)) == rolled.key

            # A change made from the record before the roll is refused, never applied.
            with pytest.raises(KeyChanged):
                await key_admin.update(
                    store, audit, made.key, validate_update({"name": "Old"}), "a", 3.0
                )
            revoked = await key_admin.revoke(store, audit, rolled.key, "admin", 4.0)
            stored = await store.get(pk)
            assert stored is not None and stored.status == "revoked" and stored == revoked
            events, _ = await audit.read(pk)
            return [e.action for e in events]
        finally:
            await client.aclose()

    assert run(scenario()) == ["created", "rolled", "revoked"]
    # Every name of the store lives in one slot (a write is one script on one master).
    with redis_cluster.client() as cluster:
        names = cluster.keys("{wg}:*", target_nodes=cluster.PRIMARIES)
        assert len(names) >= 4
        assert len({cluster.keyslot(n) for n in names}) == 1


def test_another_instance_drops_its_cached_key_when_it_changes_on_the_cluster(
    cluster_url: str, redis_cluster: RedisClusterServers
) -> None:
    async def scenario() -> str:
        writer_client = connect_cluster(cluster_url, 1.0, 1.0)
        reader_client = connect_cluster(cluster_url, 1.0, 1.0)
        listener = connect_cluster(cluster_url, 1.0, None)
        writer = RedisKeyStore(writer_client)
        cache = KeyCache(RedisKeyStore(reader_client), ttl=600)
        try:
            account, fields = validate_create(NEW)
            made = await key_admin.create(
                writer, RedisAuditLog(writer_client), account, fields, "admin", 1.0
            )
            cache.start_listening(listener)
            await wait_until(lambda: redis_cluster.subscribers(INVALIDATE_CHANNEL) > 0, timeout=10)
            first = await cache.get(made.key.public_key)
            assert first is not None and first.key == made.key
            await key_admin.revoke(writer, RedisAuditLog(writer_client), made.key, "admin", 2.0)
            for _ in range(100):
                got = await cache.get(made.key.public_key)
                if got is not None and got.key.status == "revoked":
                    return got.key.status
                await asyncio.sleep(0.05)
            return "still cached"
        finally:
            await cache.close()
            for c in (writer_client, reader_client, listener):
                await c.aclose()

    assert run(scenario()) == "revoked"
