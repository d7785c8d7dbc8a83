"""The grant store in Redis, shared by every gateway instance.

Keys (prefix ``wg:oauth:``): ``code:{digest}`` (the code's grant, expiring with it),
``code-used:{digest}`` (its family, for a while after redemption), ``rt:{digest}`` (a refresh
token's grant), ``rt-used:{digest}`` (set once, by the refresh that used it) and
``revoked:{family}``. Every key has a TTL: nothing outlives what it describes.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.errors import StoreUnavailable
from gateway.oauth.store import CodeGrant, RefreshGrant
from gateway.redis_client import get_many

PREFIX = "wg:oauth:"
USED_CODE_MEMORY = 600  # seconds a redeemed code is remembered, to spot a replay


def _seconds(ttl: float) -> int:
    return max(1, int(ttl + 0.999))


class RedisGrantStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client

    async def put_code(self, grant: CodeGrant, ttl: float) -> None:
        try:
            await self.redis.set(
                f"{PREFIX}code:{grant.code_hash}", grant.to_json(), ex=_seconds(ttl)
            )
        except RedisError as exc:
            raise StoreUnavailable("the grant store is unreachable") from exc

    async def take_code(self, code_hash: str) -> tuple[CodeGrant | None, str | None]:
        try:
            raw = await self.redis.getdel(f"{PREFIX}code:{code_hash}")
            if raw is None:
                family = await self.redis.get(f"{PREFIX}code-used:{code_hash}")
                if isinstance(family, bytes):
                    family = family.decode()
                return None, family or None
            grant = CodeGrant.from_json(raw)
            await self.redis.set(
                f"{PREFIX}code-used:{code_hash}", grant.family, ex=USED_CODE_MEMORY
            )
        except RedisError as exc:
            raise StoreUnavailable("the grant store is unreachable") from exc
        return grant, None

    async def put_refresh(self, grant: RefreshGrant, ttl: float) -> None:
        try:
            await self.redis.set(
                f"{PREFIX}rt:{grant.token_hash}", grant.to_json(), ex=_seconds(ttl)
            )
        except RedisError as exc:
            raise StoreUnavailable("the grant store is unreachable") from exc

    async def get_refresh(self, token_hash: str) -> tuple[RefreshGrant | None, bool]:
        try:
            # Two slots on Redis Cluster: one GET each, in one round trip on a single Redis.
            raw, used = await get_many(
                self.redis, [f"{PREFIX}rt:{token_hash}", f"{PREFIX}rt-used:{token_hash}"]
            )
        except RedisError as exc:
            raise StoreUnavailable("the grant store is unreachable") from exc
        return (None if raw is None else RefreshGrant.from_json(raw)), used is not None

    async def claim_refresh(self, token_hash: str, ttl: float) -> bool:
        try:
            done = await self.redis.set(
                f"{PREFIX}rt-used:{token_hash}", b"1", nx=True, ex=_seconds(ttl)
            )
        except RedisError as exc:
            raise StoreUnavailable("the grant store is unreachable") from exc
        return bool(done)

    async def revoke_family(self, family: str, ttl: float) -> None:
        try:
            await self.redis.set(f"{PREFIX}revoked:{family}", b"1", ex=_seconds(ttl))
        except RedisError as exc:
            raise StoreUnavailable("the grant store is unreachable") from exc

    async def family_revoked(self, family: str) -> bool:
        try:
            return bool(await self.redis.exists(f"{PREFIX}revoked:{family}"))
        except RedisError as exc:
            raise StoreUnavailable("the grant store is unreachable") from exc

    async def close(self) -> None:
        pass  # the client belongs to Services
