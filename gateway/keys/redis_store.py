"""The Redis key store, shared by every gateway instance.

Layout (all under the ``wg:`` prefix): ``wg:key:{pk}`` holds the key record as JSON;
``wg:keys`` and ``wg:account:{account}`` are sorted sets of public keys by creation time, for
listing; ``wg:sk:{sha256}`` maps a private-key digest to its public key. Every write publishes the
public key on :data:`INVALIDATE_CHANNEL` so each instance drops its cached copy at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError, WatchError

from gateway.errors import KeyChanged, StoreUnavailable
from gateway.keys.model import ApiKey, decode_record, hash_private_key
from gateway.keys.store import skip_record

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


class RedisKeyStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client
        self.listeners: list[Callable[[str], None]] = []

    async def get(self, public_key: str) -> ApiKey | None:
        try:
            raw = await self.redis.get(f"wg:key:{public_key}")
        except RedisError as exc:
            raise StoreUnavailable("the key store is unreachable") from exc
        return None if raw is None else _decode(public_key, raw)

    async def put(self, key: ApiKey, replaces: ApiKey | None = None) -> None:
        name = f"wg:key:{key.public_key}"
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                # WATCH: a write by anyone else between this read and EXEC aborts ours.
                await pipe.watch(name)
                raw = await pipe.get(name)
                old = None if raw is None else _decode(key.public_key, raw)
                if replaces is not None and old != replaces:
                    raise KeyChanged("the key was changed meanwhile; load it again and retry")
                pipe.multi()  # type: ignore[no-untyped-call]
                pipe.set(name, json.dumps(key.to_json()))
                pipe.zadd("wg:keys", {key.public_key: key.created_at})
                pipe.zadd(f"wg:account:{key.account}", {key.public_key: key.created_at})
                current = {p.digest for p in key.private_keys}
                for entry in key.private_keys:
                    pipe.set(f"wg:sk:{entry.digest}", key.public_key)
                for entry in old.private_keys if old else ():
                    if entry.digest not in current:
                        pipe.delete(f"wg:sk:{entry.digest}")
                pipe.publish(INVALIDATE_CHANNEL, key.public_key)
                await pipe.execute()
        except WatchError:
            raise KeyChanged("the key was changed meanwhile; load it again and retry") from None
        except RedisError as exc:
            raise StoreUnavailable("the key store is unreachable") from exc
        for listener in self.listeners:
            listener(key.public_key)

    async def list(
        self, account: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> tuple[list[ApiKey], str | None]:
        index = "wg:keys" if account is None else f"wg:account:{account}"
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
            raws = await self.redis.mget([f"wg:key:{m}" for m in members]) if members else []
        except RedisError as exc:
            raise StoreUnavailable("the key store is unreachable") from exc
        decoded = [_decode(m, r) for m, r in zip(members, raws, strict=True) if r is not None]
        keys = [k for k in decoded if k is not None]
        # The cursor is the last member of the page, readable or not, so paging goes on past it.
        return keys, (members[-1] if more and members else None)

    async def find_by_private_key(self, private_key: str) -> ApiKey | None:
        try:
            pk = await self.redis.get(f"wg:sk:{hash_private_key(private_key)}")
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
