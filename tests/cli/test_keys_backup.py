"""``keys export`` and ``keys import``: a backup, and the move from the file store to Redis."""

from __future__ import annotations

import json
from pathlib import Path

from redis.asyncio import Redis

from gateway.keys.redis_store import RedisKeyStore
from tests.cli.test_cli import cli, create_with_cli
from tests.support.aio import run as run_sync


def test_move_the_file_store_to_redis_without_a_private_key_in_clear(
    data_dir: Path, redis_url: str, tmp_path: Path
) -> None:
    made = [
        json.loads(create_with_cli(data_dir, "acct-1", f"Shop {n}", site(n)).stdout)
        for n in range(2)
    ]
    backup = tmp_path / "keys.json"
    exported = cli(data_dir, "keys", "export", "--output", str(backup))
    assert exported.returncode == 0, exported.stderr
    text = backup.read_text()
    for key in made:
        assert key["public_key"] in text
        assert key["private_key"] not in text
    assert "sk_" not in text
    assert backup.stat().st_mode & 0o077 == 0

    imported = cli(data_dir, "keys", "import", str(backup), redis_url=redis_url)
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 keys" in imported.stderr

    async def owner(private_key: str) -> str | None:
        client = Redis.from_url(redis_url)
        try:
            found = await RedisKeyStore(client).find_by_private_key(private_key)
        finally:
            await client.aclose()
        return None if found is None else found.public_key

    # Each private key, never exported, still authenticates its key on Redis.
    for key in made:
        assert run_sync(owner(key["private_key"])) == key["public_key"]
    audit = cli(data_dir, "keys", "audit", made[0]["public_key"], "--json", redis_url=redis_url)
    assert "imported" in audit.stdout


def test_import_refuses_duplicates_unless_replace(data_dir: Path, tmp_path: Path) -> None:
    create_with_cli(data_dir, "acct-1", "Shop", "https://shop.example")
    backup = tmp_path / "keys.json"
    assert cli(data_dir, "keys", "export", "-o", str(backup)).returncode == 0
    again = cli(data_dir, "keys", "import", str(backup))
    assert again.returncode == 2
    assert "already exist" in again.stderr and "nothing imported" in again.stderr
    replaced = cli(data_dir, "keys", "import", str(backup), "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "1 replaced" in replaced.stderr


def test_import_refuses_a_file_that_is_not_an_export(data_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"keys": []}))
    answer = cli(data_dir, "keys", "import", str(other))
    assert answer.returncode == 2
    assert "not a file written by `widget-gateway keys export`" in answer.stderr


def site(n: int) -> str:
    return f"https://shop{n}.example"
