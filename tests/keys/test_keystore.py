"""Both key stores behind one interface, and the file store's safety under concurrent writers."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import multiprocessing
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from gateway.errors import KeyChanged
from gateway.keys import changes as key_admin
from gateway.keys.audit import FileAuditLog
from gateway.keys.model import create_key
from gateway.keys.redis_store import RedisKeyStore
from gateway.keys.store import FileKeyStore, KeyStore
from gateway.keys.validation import validate_update
from tests.support.aio import run as run_sync


def run(coro):  # type: ignore[no-untyped-def]
    return run_sync(coro)


def open_store(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[KeyStore, aioredis.Redis | None]:
    """A file store in ``tmp_path``, or a Redis store on the private Redis (with its client)."""
    if kind == "file":
        return FileKeyStore(tmp_path), None
    client = aioredis.Redis.from_url(request.getfixturevalue("redis_url"))
    return RedisKeyStore(client), client


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_put_get_list_and_find_by_private_key(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    async def scenario() -> None:
        store, client = open_store(kind, tmp_path, request)
        made = [
            create_key("acct-a" if i % 2 else "acct-b", f"k{i}", now=100.0 + i) for i in range(7)
        ]
        for new in made:
            await store.put(new.key)
        assert await store.get(made[3].key.public_key) == made[3].key
        assert await store.get("pk_" + "a" * 38) is None

        page, cursor = await store.list("acct-a", None, 2)
        seen = [k.public_key for k in page]
        while cursor:
            page, cursor = await store.list("acct-a", cursor, 2)
            seen.extend(k.public_key for k in page)
        assert seen == [m.key.public_key for m in made if m.key.account == "acct-a"]
        everything, cursor = await store.list(None, None, 50)
        assert len(everything) == 7 and cursor is None

        found = await store.find_by_private_key(made[5].private_key)
        assert found is not None and found.public_key == made[5].key.public_key

        revoked = dataclasses.replace(made[5].key, status="revoked")
        await store.put(revoked)
        assert (await store.get(revoked.public_key)).status == "revoked"  # type: ignore[union-attr]
        assert await store.ping()
        if client is not None:
            await client.aclose()

    run(scenario())


def _writer(data_dir: str, worker: int, count: int) -> None:
    async def go() -> None:
        store = FileKeyStore(Path(data_dir))
        for i in range(count):
            await store.put(create_key(f"w{worker}", f"key {i}").key)

    run_sync(go())


def test_file_store_loses_nothing_with_concurrent_writer_processes(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, 15)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    doc = json.loads((tmp_path / "keys.json").read_text())
    assert len(doc["keys"]) == 60
    assert not list(tmp_path.glob("*.tmp"))


def test_file_store_sees_changes_made_by_another_process(tmp_path: Path) -> None:
    clock = [0.0]
    reader = FileKeyStore(tmp_path, clock=lambda: clock[0])
    writer = FileKeyStore(tmp_path)
    new = create_key("acct", "Shop")

    async def scenario() -> None:
        assert await reader.get(new.key.public_key) is None
        await writer.put(new.key)
        await writer.put(dataclasses.replace(new.key, status="revoked"))
        clock[0] += 1.0  # past the reload interval
        got = await reader.get(new.key.public_key)
        assert got is not None and got.status == "revoked"

    run(scenario())


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_a_change_made_from_an_old_record_never_undoes_a_revocation(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Two operators at once: one renames the key, the other revokes it in between."""

    async def scenario() -> None:
        store, client = open_store(kind, tmp_path, request)
        audit = FileAuditLog(tmp_path)
        key = create_key("acct", "Shop", ("https://shop.example",), now=1.0).key
        await store.put(key)
        seen = await key_admin.load_key(store, key.public_key)
        await key_admin.revoke(store, audit, seen, "admin", 2.0)
        with pytest.raises(KeyChanged):
            await key_admin.update(store, audit, seen, validate_update({"name": "New"}), "a", 3.0)
        stored = await store.get(key.public_key)
        assert stored is not None and stored.status == "revoked" and stored.name == "Shop"
        if client is not None:
            await client.aclose()

    run(scenario())


def test_concurrent_first_lookups_all_find_a_key_written_by_another_process(
    tmp_path: Path,
) -> None:
    # Two widget requests arriving together on a fresh instance both miss the cache; neither
    # may answer "unknown key" while the other is still reading the file.
    writer = FileKeyStore(tmp_path)
    reader = FileKeyStore(tmp_path)
    new = create_key("acct", "Shop", ("https://shop.example",))

    async def scenario() -> list[object]:
        await writer.put(new.key)
        return list(await asyncio.gather(*(reader.get(new.key.public_key) for _ in range(20))))

    found = run_sync(scenario())
    assert all(k == new.key for k in found)
