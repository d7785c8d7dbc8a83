"""The Redis outbox of an HTTP sink: a stream, a retry schedule and a dead-letter stream.

Keys for service ``S`` (the ``{S}`` hash tag keeps them in one Redis Cluster slot):

- ``wg:outbox:{S}`` — the stream. Every gateway instance reads it through the consumer group
  ``wg-delivery``; an entry stays pending in the group until a worker marks it done, schedules a
  retry or buries it. Entries pending longer than ``delivery_claim_idle`` belong to an instance
  that died and are claimed (``XAUTOCLAIM``) by another.
- ``wg:outbox:{S}:retry`` — a sorted set of entries waiting for their retry time (score in ms);
  a Lua script moves due ones back to the stream atomically.
- ``wg:outbox:{S}:dead`` — the dead-letter stream an operator inspects and replays.

Each move between them is one ``MULTI`` transaction or one script, so an entry is always in
exactly one place. Durability before the widget's ``2xx`` is Redis's: run it with
``appendonly yes`` and ``appendfsync always`` (or accept ``everysec``'s one second). On Sentinel
and Cluster, a write is also confirmed by a replica (``WAIT``, :mod:`gateway.delivery.replicas`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from gateway import redis_client
from gateway.delivery.envelope import Envelope
from gateway.delivery.queue import DeadEntry, Entry, QueueStatus
from gateway.delivery.replicas import ReplicaWait, Unreplicated
from gateway.errors import SinkUnavailable

GROUP = "wg-delivery"

_PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'e', member)
  redis.call('ZREM', KEYS[1], member)
end
return #due
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _field(fields: Mapping[Any, Any], name: str, default: str = "") -> str:
    # Works whether the client was made with decode_responses or not.
    value = fields.get(name.encode(), fields.get(name, default))
    return _text(value)


class RedisOutbox:
    """The :class:`~gateway.delivery.queue.DeliveryQueue` of an HTTP sink with Redis."""

    kind = "redis-outbox"

    def __init__(
        self,
        redis: Redis,
        service: str,
        *,
        claim_idle: float = 60.0,
        clock: Callable[[], float] = time.time,
        wait: ReplicaWait | None = None,
    ) -> None:
        self.redis = redis
        self.wait = wait
        self.service = service
        self.stream = f"wg:outbox:{{{service}}}"
        self.retry_key = f"wg:outbox:{{{service}}}:retry"
        self.dead_key = f"wg:outbox:{{{service}}}:dead"
        self.claim_idle_ms = int(claim_idle * 1000)
        self.clock = clock
        self._promote = redis.register_script(_PROMOTE)
        self._claim_cursor = "0-0"
        # The consumer names this process took entries as, to hand them back on release().
        self._consumers: set[str] = set()

    async def add(self, record: Envelope) -> str:
        """Append ``record``; raises ``SinkUnavailable``, or ``Unreplicated`` when the entry is
        written but fewer replicas than :attr:`wait` asks confirmed it."""
        entry = Entry.new(record, self.clock())
        try:
            if self.wait is None:
                return _text(await self.redis.xadd(self.stream, {"e": entry.dumps()}))
            command = ("XADD", self.stream, "*", "e", entry.dumps())
            reply, confirmed = await redis_client.write_and_wait(
                self.redis, self.stream, command, self.wait.replicas, self.wait.timeout_ms
            )
        except RedisError:
            raise SinkUnavailable("the outbox is unavailable; retry shortly") from None
        if confirmed < self.wait.replicas:
            raise Unreplicated(_text(reply), confirmed)
        return _text(reply)

    async def ensure_group(self) -> None:
        try:
            await self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def take(self, consumer: str, count: int) -> list[Entry]:
        self._consumers.add(consumer)
        now_ms = int(self.clock() * 1000)
        await self._promote(keys=[self.retry_key, self.stream], args=[now_ms, count])
        try:
            return await self._take(consumer, count)
        except ResponseError as exc:
            # A Redis restarted without persistence forgets the group: create it again.
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_group()
            return await self._take(consumer, count)

    async def _take(self, consumer: str, count: int) -> list[Entry]:
        entries: list[Entry] = []
        # Entries an instance took and never answered for: it died, or lost Redis mid-way.
        claim: Any = await self.redis.xautoclaim(
            self.stream,
            GROUP,
            consumer,
            self.claim_idle_ms,
            start_id=self._claim_cursor,
            count=count,
        )
        self._claim_cursor = _text(claim[0])
        entries += self._entries(claim[1])
        if len(entries) < count:
            reply: Any = await self.redis.xreadgroup(
                GROUP, consumer, {self.stream: ">"}, count=count - len(entries)
            )
            for _stream, items in reply or []:
                entries += self._entries(items)
        return entries

    def _entries(self, items: Sequence[Any]) -> list[Entry]:
        out = []
        for entry_id, fields in items:
            if not fields:  # deleted while pending
                continue
            out.append(Entry.loads(_text(entry_id), _field(fields, "e")))
        return out

    async def done(self, entry: Entry) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, entry.entry_id)
            pipe.xdel(self.stream, entry.entry_id)
            await pipe.execute()

    async def retry(self, entry: Entry, at: float) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self.retry_key, {entry.dumps(): int(at * 1000)})
            pipe.xack(self.stream, GROUP, entry.entry_id)
            pipe.xdel(self.stream, entry.entry_id)
            await pipe.execute()

    async def bury(self, entry: Entry, reason: str) -> None:
        fields = {"e": entry.dumps(), "reason": reason, "died_at": str(self.clock())}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self.dead_key, fields)  # type: ignore[arg-type]
            pipe.xack(self.stream, GROUP, entry.entry_id)
            pipe.xdel(self.stream, entry.entry_id)
            await pipe.execute()

    async def release(self) -> None:
        """Hand back at once what this process's consumers hold (on a graceful stop).

        Each held entry is added again as a new stream entry (same record, same attempts) and
        the old one acknowledged and deleted in one transaction, so another instance reads it
        straight away instead of claiming it after ``claim_idle``. A delivery cut short may
        have reached the service: the idempotency key absorbs the second post.
        """
        try:
            await self._hand_back()
        except ResponseError as exc:
            # A Redis restarted without persistence has no group, so nothing is held in it.
            if "NOGROUP" not in str(exc):
                raise
        self._consumers.clear()

    async def _hand_back(self) -> None:
        for consumer in sorted(self._consumers):
            held: Any = await self.redis.xpending_range(
                self.stream, GROUP, min="-", max="+", count=10_000, consumername=consumer
            )
            for item in held:
                entry_id = _text(item["message_id"])
                found: Any = await self.redis.xrange(self.stream, entry_id, entry_id)
                async with self.redis.pipeline(transaction=True) as pipe:
                    if found and found[0][1]:
                        pipe.xadd(self.stream, {"e": _field(found[0][1], "e")})
                    pipe.xack(self.stream, GROUP, entry_id)
                    pipe.xdel(self.stream, entry_id)
                    await pipe.execute()
            await self.redis.xgroup_delconsumer(self.stream, GROUP, consumer)

    async def status(self) -> QueueStatus:
        await self.ensure_group()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.xlen(self.stream)
            pipe.xpending(self.stream, GROUP)
            pipe.zcard(self.retry_key)
            pipe.xlen(self.dead_key)
            pipe.xrange(self.stream, count=1)
            pipe.zrange(self.retry_key, 0, 0)
            length, pending, retrying, dead, first, first_retry = await pipe.execute()
        queued = [Entry.loads(_text(i), _field(f, "e")).queued_at for i, f in first]
        queued += [Entry.loads("", m).queued_at for m in first_retry]
        return QueueStatus(
            service=self.service,
            kind=self.kind,
            depth=int(length) + int(retrying),
            in_flight=int(pending["pending"]),
            retrying=int(retrying),
            dead=int(dead),
            oldest_age=self.clock() - min(queued) if queued else None,
        )

    async def dead(self, limit: int) -> list[DeadEntry]:
        items: Any = await self.redis.xrange(self.dead_key, count=limit)
        out = []
        for dead_id, fields in items:
            entry = Entry.loads(_text(dead_id), _field(fields, "e"))
            out.append(
                DeadEntry(
                    dead_id=entry.entry_id,
                    service=self.service,
                    record_id=entry.record_id,
                    attempts=entry.attempts,
                    queued_at=entry.queued_at,
                    died_at=float(_field(fields, "died_at", "0")),
                    reason=_field(fields, "reason"),
                )
            )
        return out

    async def replay(self, dead_ids: Sequence[str] | None) -> int:
        items: Any
        if dead_ids is None:
            items = await self.redis.xrange(self.dead_key)
        else:
            items = []
            for dead_id in dead_ids:
                items += await self.redis.xrange(self.dead_key, dead_id, dead_id)
        now = self.clock()
        for dead_id, fields in items:
            entry = Entry.loads(_text(dead_id), _field(fields, "e"))
            fresh = Entry.new(entry.record, now)
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.xadd(self.stream, {"e": fresh.dumps()})
                pipe.xdel(self.dead_key, dead_id)
                await pipe.execute()
        return len(items)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except RedisError:
            return False
