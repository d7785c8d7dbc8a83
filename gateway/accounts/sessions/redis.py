"""Sessions in Redis: ``wg:session:{digest}`` holds the record (expiring with the session's
absolute lifetime), ``wg:sessions:{person}`` the set of a person's digests."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.accounts.sessions.model import Session
from gateway.errors import StoreUnavailable

PREFIX = "wg:session:"
PERSON_PREFIX = "wg:sessions:"


class RedisSessionStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client

    async def get(self, id_hash: str) -> Session | None:
        try:
            raw: Any = await self.redis.get(PREFIX + id_hash)
        except RedisError as exc:
            raise StoreUnavailable("sessions could not be read") from exc
        return Session.from_json(raw) if raw is not None else None

    async def put(self, session: Session, ttl: float) -> None:
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(PREFIX + session.id_hash, session.to_json(), px=int(ttl * 1000))
                pipe.sadd(PERSON_PREFIX + session.person_id, session.id_hash)
                pipe.expire(PERSON_PREFIX + session.person_id, int(ttl) + 1, gt=True)
                pipe.expire(PERSON_PREFIX + session.person_id, int(ttl) + 1, nx=True)
                await pipe.execute()
        except RedisError as exc:
            raise StoreUnavailable("the session could not be stored") from exc

    async def delete(self, id_hash: str) -> None:
        try:
            raw: Any = await self.redis.getdel(PREFIX + id_hash)
            if raw is not None:
                await self.redis.srem(PERSON_PREFIX + Session.from_json(raw).person_id, id_hash)
        except RedisError as exc:
            raise StoreUnavailable("the session could not be ended") from exc

    async def of_person(self, person_id: str) -> list[Session]:
        try:
            members: Any = await self.redis.smembers(PERSON_PREFIX + person_id)
            hashes = sorted(m.decode() for m in members)
            if not hashes:
                return []
            raws: Any = await self.redis.mget([PREFIX + h for h in hashes])
            gone = [h for h, raw in zip(hashes, raws, strict=True) if raw is None]
            if gone:
                await self.redis.srem(PERSON_PREFIX + person_id, *gone)
        except RedisError as exc:
            raise StoreUnavailable("sessions could not be read") from exc
        return [Session.from_json(raw) for raw in raws if raw is not None]

    async def close(self) -> None:
        return None
