"""The grant stores and signing-key stores, on Redis and on the data folder, on asyncio and
uvloop: a code is redeemed once, of two concurrent refreshes one wins, keys rotate and retire."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from gateway.oauth.signing_keys import FileSigningKeyStore, Keyring, RedisSigningKeyStore
from gateway.oauth.store import CodeGrant, GrantStore, RefreshGrant
from gateway.oauth.store.file import FileGrantStore
from gateway.oauth.store.redis import RedisGrantStore
from tests.support.aio import LOOPS, run

Kind = tuple[str, str]
CASES = [(store, loop) for store in ("redis", "file") for loop in LOOPS]


def _with_store(
    kind: Kind, redis_url: str, data_dir: Path, body: Callable[[GrantStore], Awaitable[None]]
) -> None:
    store_kind, loop = kind

    async def main() -> None:
        if store_kind == "redis":
            client = aioredis.Redis.from_url(redis_url)
            try:
                await body(RedisGrantStore(client))
            finally:
                await client.aclose()
        else:
            await body(FileGrantStore(data_dir))

    run(main(), loop)


CODE = CodeGrant("h1", "pk", "acct", "person", "https://a/cb", "s", "c" * 43, "fam-1", 1e12)


@pytest.mark.parametrize("kind", CASES, ids=lambda k: f"{k[0]}-{k[1]}")
def test_a_code_is_taken_once_and_its_replay_names_its_family(
    kind: Kind, redis_url: str, data_dir: Path
) -> None:
    async def body(store: GrantStore) -> None:
        await store.put_code(CODE, 60)
        first, second = await asyncio.gather(store.take_code("h1"), store.take_code("h1"))
        taken = [r for r in (first, second) if r[0] is not None]
        assert len(taken) == 1 and taken[0][0] == CODE
        assert await store.take_code("h1") == (None, "fam-1")
        assert await store.take_code("unknown") == (None, None)

    _with_store(kind, redis_url, data_dir, body)


@pytest.mark.parametrize("kind", CASES, ids=lambda k: f"{k[0]}-{k[1]}")
def test_of_two_concurrent_refreshes_one_wins_and_families_revoke(
    kind: Kind, redis_url: str, data_dir: Path
) -> None:
    grant = RefreshGrant("r1", "fam-2", "pk", "acct", "person", "s", "public", 0.0, 1e12)

    async def body(store: GrantStore) -> None:
        await store.put_refresh(grant, 3600)
        assert await store.get_refresh("r1") == (grant, False)
        wins = await asyncio.gather(*(store.claim_refresh("r1", 3600) for _ in range(5)))
        assert sorted(wins) == [False, False, False, False, True]
        assert await store.get_refresh("r1") == (grant, True)
        assert not await store.family_revoked("fam-2")
        await store.revoke_family("fam-2", 3600)
        assert await store.family_revoked("fam-2")

    _with_store(kind, redis_url, data_dir, body)


@pytest.mark.parametrize("kind", CASES, ids=lambda k: f"{k[0]}-{k[1]}")
def test_signing_keys_rotate_on_schedule_and_retire_after_their_tokens(
    kind: Kind, redis_url: str, data_dir: Path
) -> None:
    store_kind, loop = kind

    async def main() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = (
            RedisSigningKeyStore(client) if store_kind == "redis" else FileSigningKeyStore(data_dir)
        )
        now = [1_000_000.0]
        ring = Keyring(store, rotation=7200, token_ttl=3600, clock=lambda: now[0])
        first, _ = await ring.signing_key()
        assert (await ring.signing_key())[0] == first
        other = Keyring(store, rotation=7200, token_ttl=3600, clock=lambda: now[0])
        assert (await other.signing_key())[0] == first  # shared: one key for every instance
        now[0] += 7200
        second, _ = await ring.signing_key()
        assert second != first
        assert {k["kid"] for k in ring.jwks()["keys"]} == {first, second}
        now[0] += 3600 + 61  # every token the first key signed has expired
        await ring.reload()
        assert [k["kid"] for k in ring.jwks()["keys"]] == [second]
        assert all("d" not in k for k in ring.jwks()["keys"])
        await client.aclose()

    run(main(), loop)


@pytest.mark.parametrize("kind", CASES, ids=lambda k: f"{k[0]}-{k[1]}")
def test_requests_arriving_together_on_a_first_start_share_one_new_signing_key(
    kind: Kind, redis_url: str, data_dir: Path
) -> None:
    store_kind, loop = kind

    async def main() -> None:
        client = aioredis.Redis.from_url(redis_url)
        store = (
            RedisSigningKeyStore(client) if store_kind == "redis" else FileSigningKeyStore(data_dir)
        )
        now, mono = [1_000_000.0], [0.0]
        ring = Keyring(
            store, rotation=7200, token_ttl=3600, clock=lambda: now[0], monotonic=lambda: mono[0]
        )
        got = await asyncio.gather(*(ring.signing_key() for _ in range(20)))
        (first,) = {kid for kid, _ in got}
        assert [k.kid for k in await store.load()] == [first]
        # Another instance on a shorter schedule rotates; this one keeps signing with the key it
        # has until its next reload, then signs with the newer one.
        now[0] += 10
        other = Keyring(store, rotation=5, token_ttl=3600, clock=lambda: now[0])
        newer, _ = await other.signing_key()
        assert newer != first
        assert (await ring.signing_key())[0] == first
        mono[0] += 60
        kid, key = await ring.signing_key()
        assert kid == newer
        (published,) = [k for k in ring.jwks()["keys"] if k["kid"] == newer]
        mine = key.as_dict(private=False)
        assert (mine["x"], mine["y"]) == (published["x"], published["y"])
        await client.aclose()

    run(main(), loop)
