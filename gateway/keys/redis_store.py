"""The Redis key store, shared by every gateway instance.

Layout (all under the ``wg:`` prefix): ``wg:key:{pk}`` holds the key record as JSON;
``wg:keys`` and ``wg:account:{account}`` are sorted sets of public keys by creation time, for
listing; ``wg:sk:{sha256}`` maps a private-key digest to its public key. Every write publishes the
public key on :data:`INVALIDATE_CHANNEL` so each instance drops its cached copy at once.

A write changes several of these names at once, in one Lua script that first checks the record is
still the one read (a concurrent write makes it refuse, and the caller sees :class:`KeyChanged`).
On Redis Cluster a script may only touch names of one hash slot, so there the prefix is
``{wg}:`` instead of ``wg:`` (``{wg}:key:{pk}``, ``{wg}:keys``…): the whole key store lives in
the slot of ``wg``. It is small (one record per site key) and read through each instance's cache,
so one slot's master carries it easily.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.errors import KeyChanged, StoreUnavailable
from gateway.keys.model import ApiKey, decode_record, hash_private_key
from gateway.keys.store import skip_record
from gateway.redis_client import get_many, is_cluster

INVALIDATE_CHANNEL = "wg:keys:invalidate"


def _decode(public_key: str, raw: bytes | str) -> ApiKey | None:
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    key = decode_record(data)
    if key is None:
        skip_record(public_key)
    return key


# KEYS: record, all keys, the account's keys, digests to point at the key…, digests to drop…
# ARGV: "1" if a record was read (else "0"), the record read, the new record, public key,
#       created at, how many digests to point, the invalidation channel
_PUT = """
local current = redis.call('get', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
redis.call('set', KEYS[1], ARGV[3])
redis.call('zadd', KEYS[2], ARGV[5], ARGV[4])
redis.call('zadd', KEYS[3], ARGV[5], ARGV[4])
local n = tonumber(ARGV[6])
for i = 4, 3 + n do redis.call('set', KEYS[i], ARGV[4]) end
for i = 4 + n, #KEYS do redis.call('del', KEYS[i]) end
redis.call('publish', ARGV[7], ARGV[4])
return 1
"""


class RedisKeyStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client
        self.prefix = "{wg}:" if is_cluster(client) else "wg:"
        self.listeners: list[Callable[[str], None]] = []
        self._put = client.register_script(_PUT)

    def _name(self, kind: str, item: str | None = None) -> str:
        return f"{self.prefix}{kind}" if item is None else f"{self.prefix}{kind}:{item}"

    async def get(self, public_key: str) -> ApiKey | None:
        try:
            raw = await self.redis.get(self._name("key", public_key))
        except RedisError as exc:
            raise StoreUnavailable("the key store is unreachable") from exc
        return None if raw is None else _decode(public_key, raw)

    async def put(self, key: ApiKey, replaces: ApiKey | None = None) -> None:
        name = self._name("key", key.public_key)
        try:
            raw = await self.redis.get(name)
            old = None if raw is None else _decode(key.public_key, raw)
            if replaces is not None and old != replaces:
                raise KeyChanged("the key was changed meanwhile; load it again and retry")
            current = {p.digest for p in key.private_keys}
            pointed = [self._name("sk", entry.digest) for entry in key.private_keys]
            dropped = [
                self._name("sk", entry.digest)
                for entry in (old.private_keys if old else ())
                if entry.digest not in current
            ]
            # The script writes only if the record is still the one read above.
            done = await self._put(
                keys=[
                    name,
                    self._name("keys"),
                    self._name("account", key.account),
                    *pointed,
                    *dropped,
                ],
                args=[
                    "0" if raw is None else "1",
                    raw or "",
                    json.dumps(key.to_json()),
                    key.public_key,
                    key.created_at,
                    len(pointed),
                    INVALIDATE_CHANNEL,
                ],
            )
        except RedisError as exc:
            raise StoreUnavailable("the key store is unreachable") from exc
        if not done:
            raise KeyChanged("the key was changed meanwhile; load it again and retry")
        for listener in self.listeners:
            listener(key.public_key)

    async def list(
        self, account: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> tuple[list[ApiKey], str | None]:
        index = self._name("keys") if account is None else self._name("account", account)
        try:
            start = 0
            if cursor:
                rank: int | None = await self.redis.zrank(index, cursor)  # type: ignore[assignment]
                start = 0 if rank is None else rank + 1
            found: list[bytes] = await self.redis.zrange(  # type: ignore[assignment]
                index, start, start + limit
            )
            more = len(found) > limit
            members = [m.decode() for m in found[:limit]]
            raws = await get_many(self.redis, [self._name("key", m) for m in members])
        except RedisError as exc:
            raise StoreUnavailable("the key store is unreachable") from exc
        decoded = [_decode(m, r) for m, r in zip(members, raws, strict=True) if r is not None]
        keys = [k for k in decoded if k is not None]
        # The cursor is the last member of the page, readable or not, so paging goes on past it.
        return keys, (members[-1] if more and members else None)

    async def find_by_private_key(self, private_key: str) -> ApiKey | None:
        try:
            pk = await self.redis.get(self._name("sk", hash_private_key(private_key)))
        except RedisError as exc:
            raise StoreUnavailable("the key store is unreachable") from exc
        return None if pk is None else await self.get(pk.decode() if isinstance(pk, bytes) else pk)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except RedisError:
            return False

    async def close(self) -> None:
        pass  # the client belongs to Services
