"""Throttling sign-in: a rate per client network, and a backoff per address.

* **Per client network** — the gateway's rate limiter (:class:`gateway.ratelimit.Limiter`, so in
  Redis when configured, in memory on the embedded default) counts every sign-in attempt against
  ``GATEWAY_LIMIT_SIGN_IN`` per client address; IPv6 clients are counted per /64, the block one
  subscriber usually holds, so rotating through a /64 buys nothing.
* **Per address** — after :data:`FREE_FAILURES` wrong passwords in a row for one address, each
  further failure locks that address for twice as long as the previous one, from
  :data:`BASE_DELAY` up to :data:`MAX_DELAY` (15 minutes): never for longer, so the lock is a
  delay, not a door shut for good. Unknown addresses are counted exactly like known ones, so the
  lock tells nothing about who has an account. A correct sign-in clears the count.
* **The owner-lock-out guard** — a browser that has signed in as this person before carries a
  signed *known-device* cookie; it skips the per-address lock (not the per-network rate). An
  attacker hammering someone's address from elsewhere delays only other unknown browsers, never
  the owner on their own device.

Failures are kept for :data:`FORGET_AFTER` after the last one, under a keyed hash of the address
(no address is stored in clear), in Redis or in a bounded in-process table.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from gateway.accounts.errors import SignInLocked
from gateway.ratelimit.limiter import Limiter, LimitRequest
from gateway.web.clientip import parse_ip

FREE_FAILURES = 5
BASE_DELAY = 2.0
MAX_DELAY = 900.0
FORGET_AFTER = 86_400.0
MEMORY_ENTRIES = 50_000


def client_network(ip: str) -> str:
    """What the per-network rate counts: the address for IPv4, its /64 for IPv6."""
    parsed = parse_ip(ip)
    if parsed is None:
        return ip
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass(frozen=True)
class Failures:
    count: int
    last_at: float

    def locked_until(self) -> float:
        if self.count <= FREE_FAILURES:
            return 0.0
        delay: float = min(BASE_DELAY * 2.0 ** (self.count - FREE_FAILURES - 1), MAX_DELAY)
        return self.last_at + delay


class FailureCounter(Protocol):
    async def get(self, key: str, now: float) -> Failures | None: ...

    async def add(self, key: str, now: float) -> Failures: ...

    async def clear(self, key: str) -> None: ...


class MemoryFailures:
    def __init__(self) -> None:
        self._table: OrderedDict[str, Failures] = OrderedDict()

    async def get(self, key: str, now: float) -> Failures | None:
        found = self._table.get(key)
        if found is not None and now - found.last_at >= FORGET_AFTER:
            del self._table[key]
            return None
        return found

    async def add(self, key: str, now: float) -> Failures:
        before = await self.get(key, now)
        after = Failures((before.count if before else 0) + 1, now)
        self._table[key] = after
        self._table.move_to_end(key)
        while len(self._table) > MEMORY_ENTRIES:
            self._table.popitem(last=False)
        return after

    async def clear(self, key: str) -> None:
        self._table.pop(key, None)


class RedisFailures:
    """One hash per address: ``count`` and ``last_at``, expiring a day after the last failure."""

    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client

    async def get(self, key: str, now: float) -> Failures | None:
        try:
            data: Any = await self.redis.hgetall("wg:signin:" + key)
        except RedisError:
            return None  # the per-network rate still applies; sign-in stays possible
        if not data:
            return None
        found = Failures(int(data[b"count"]), float(data[b"last_at"]))
        return None if now - found.last_at >= FORGET_AFTER else found

    async def add(self, key: str, now: float) -> Failures:
        name = "wg:signin:" + key
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.hincrby(name, "count", 1)
                pipe.hset(name, "last_at", repr(now))
                pipe.expire(name, int(FORGET_AFTER))
                count, *_ = await pipe.execute()
        except RedisError:
            return Failures(0, now)
        return Failures(int(count), now)

    async def clear(self, key: str) -> None:
        try:
            await self.redis.delete("wg:signin:" + key)
        except RedisError:
            return


class SignInThrottle:
    def __init__(
        self, limiter: Limiter, limit: str, failures: FailureCounter, secret: bytes
    ) -> None:
        self.limiter = limiter
        self.limit = limit
        self.failures = failures
        self._key = hashlib.blake2b(secret, digest_size=32, person=b"wg-signin").digest()

    def _address_key(self, address: str) -> str:
        return hashlib.blake2b(address.encode(), key=self._key, digest_size=16).hexdigest()

    async def before_attempt(
        self, address: str, ip: str, now: float, known_device: bool
    ) -> dict[str, str]:
        """Count the attempt against the client's network and check the address's lock;
        raises :class:`RateLimited` or :class:`SignInLocked`. Returns the rate headers."""
        decision = await self.limiter.enforce(
            [LimitRequest("sign_in", self.limit, ("sign-in", client_network(ip)))]
        )
        if not known_device:
            found = await self.failures.get(self._address_key(address), now)
            until = found.locked_until() if found else 0.0
            if until > now:
                wait = max(1, math.ceil(until - now))
                raise SignInLocked(
                    f"too many failed sign-ins for this address; try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )
        return dict(decision.headers)

    async def failed(self, address: str, now: float) -> None:
        await self.failures.add(self._address_key(address), now)

    async def succeeded(self, address: str) -> None:
        await self.failures.clear(self._address_key(address))
