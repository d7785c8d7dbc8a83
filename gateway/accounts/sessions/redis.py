"""Sessions in Redis: ``wg:session:{digest}`` holds the record (expiring with the session's
absolute lifetime), ``wg:sessions:{person}`` the set of a person's digests.

The two live in different hash slots on Redis Cluster, so they are never written in one
transaction: the person's set first, then the record. A failure between the two leaves a digest
without a record in the set, which :meth:`RedisSessionStore.of_person` drops; never a session
missing from the set ("sign out everywhere" must reach every one)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.accounts.sessions.model import Session
from gateway.errors import StoreUnavailable
from gateway.redis_client import get_many

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
                pipe.sadd(PERSON_PREFIX + session.person_id, session.id_hash)
                pipe.expire(PERSON_PREFIX + session.person_id, int(ttl) + 1, gt=True)
                pipe.expire(PERSON_PREFIX + session.person_id, int(ttl) + 1, nx=True)
                await pipe.execute()
            await self.redis.set(PREFIX + session.id_hash, session.to_json(), px=int(ttl * 1000))
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
            raws = await get_many(self.redis, [PREFIX + h for h in hashes])
            gone = [h for h, raw in zip(hashes, raws, strict=True) if raw is None]
            if gone:
                await self.redis.srem(PERSON_PREFIX + person_id, *gone)
        except RedisError as exc:
            raise StoreUnavailable("sessions could not be read") from exc
        return [Session.from_json(raw) for raw in raws if raw is not None]

    async def close(self) -> None:
        return None
