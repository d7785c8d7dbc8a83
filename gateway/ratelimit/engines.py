"""How limits are counted: the engine interface and the engine built on ``limits`` strategies.

An engine takes every window of one request and answers, for each, how much is left and when it
frees up, consuming ``cost`` from all of them only if all of them allow it. Two engines exist:

* :class:`LimitsEngine` runs ``limits``' own strategies on any ``limits`` async storage: memory
  (the embedded default and the fallback while Redis is down) or Redis (Sentinel and Cluster too).
  It costs a few storage calls per window.
* :class:`gateway.ratelimit.script.ScriptEngine` evaluates all windows in one Lua script, one Redis
  round trip per request, keeping the same keys and the same sliding-window-counter arithmetic.

Storage failures become :class:`EngineUnavailable`, saying which kind of :class:`Failure` it was;
the limiter decides what to do about them.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit

from limits import RateLimitItem
from limits.aio.storage import Storage
from limits.aio.strategies import STRATEGIES, RateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from redis import exceptions as redis_errors
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from gateway.clock import system_clock

# At most this many checks of one process talk to Redis at once through ``limits`` (each holds one
# pooled connection at a time), so a burst queues here instead of opening a connection per request.
POOL_SIZE = 16


class Failure(StrEnum):
    """What went wrong between the gateway and Redis, as the degraded log line names it."""

    TIMEOUT = "timeout"
    BUSY = "too many checks waiting"  # this process's own queue for Redis, not Redis itself
    REFUSED = "connection refused"
    UNREACHABLE = "cannot connect"
    LOST = "connection lost"
    PROTOCOL = "protocol error"
    SCRIPT = "script error"
    REDIS = "Redis error"

    @property
    def transient(self) -> bool:
        """A slow answer, which a burst can cause on a healthy Redis, rather than a broken one."""
        return self in (Failure.TIMEOUT, Failure.BUSY)


class EngineUnavailable(Exception):
    """The engine's storage could not be reached, did not answer in time, or answered an error.

    ``detail`` says more without personal data: no keys, identities or server addresses.
    """

    def __init__(self, kind: Failure, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else str(kind))
        self.kind = kind
        self.detail = detail


def classify(exc: BaseException) -> EngineUnavailable:
    """A redis-py (or ``limits``-wrapped) exception as an :class:`EngineUnavailable`."""
    if isinstance(exc, StorageError):
        exc = exc.storage_error
    if isinstance(exc, redis_errors.TimeoutError | TimeoutError):
        return EngineUnavailable(Failure.TIMEOUT, "no reply in time")
    if isinstance(exc, redis_errors.ConnectionError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ConnectionRefusedError):
            return EngineUnavailable(Failure.REFUSED, "nothing listens at the address")
        if isinstance(cause, TimeoutError):
            return EngineUnavailable(Failure.TIMEOUT, "connecting took too long")
        return EngineUnavailable(Failure.LOST, type(cause or exc).__name__)
    if isinstance(exc, redis_errors.ResponseError):
        words = str(exc).split(maxsplit=1)
        code = words[0] if words and words[0].isupper() else "ERR"
        return EngineUnavailable(Failure.REDIS, code)
    if isinstance(exc, redis_errors.RedisError):
        return EngineUnavailable(Failure.PROTOCOL, type(exc).__name__)
    return EngineUnavailable(Failure.PROTOCOL, f"unexpected {type(exc).__name__}")


@dataclass(frozen=True)
class Window:
    """One window of one limit for one identity, ready for an engine."""

    policy: str  # unique name in the headers, e.g. "ip" or "consent_ip-hour"
    item: RateLimitItem
    identity: tuple[str, ...]  # already hashed where personal
    # Windows are cached and reused by the limiter; engines keep what they derive from one here.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @cached_property
    def key(self) -> str:
        """The storage key, as ``limits`` builds it (so engines share counters)."""
        return self.item.key_for(*self.identity)

    @cached_property
    def policy_item(self) -> str:
        """This window's item of the ``RateLimit-Policy`` field."""
        return f'"{self.policy}";q={self.item.amount};w={self.item.get_expiry()}'


class WindowState(NamedTuple):
    """What one window says after a check (a tuple: built several times per request)."""

    limit: int
    remaining: int
    reset_after: int  # seconds until the window frees up (the `t` of the RateLimit field)
    exceeded: bool  # this window alone refused the request


class Engine(Protocol):
    async def hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        """Consume ``cost`` from every window if all allow it; never from some only."""
        ...

    async def ping(self) -> None:
        """Ask the storage something; raises :class:`EngineUnavailable` if it does not answer."""
        ...

    async def close(self) -> None: ...


class LimitsEngine:
    """Counting through a ``limits`` strategy on a ``limits`` async storage.

    Test-then-hit keeps a refused request from consuming the windows that still had room. Each
    ``hit`` is atomic in the storage, so concurrent requests never overshoot a window; two that
    race between test and hit can at worst spend a unit of another window on a refusal.

    With ``slots``, at most that many checks run at once (the rest wait their turn, up to
    ``queue_wait`` seconds): on Redis, that bounds the connections a burst opens.
    """

    def __init__(
        self,
        storage: Storage,
        strategy: str,
        *,
        slots: int | None = None,
        queue_wait: float = 1.0,
    ) -> None:
        self.storage = storage
        strategy_class: type[RateLimiter] = STRATEGIES[strategy]  # type: ignore[type-abstract]
        self.strategy = strategy_class(storage)
        self._slots = asyncio.Semaphore(slots) if slots else None
        self._queue_wait = queue_wait

    async def hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        if self._slots is None:
            return await self._hit_translated(windows, cost)
        try:
            async with asyncio.timeout(self._queue_wait):
                await self._slots.acquire()
        except TimeoutError:
            raise EngineUnavailable(
                Failure.BUSY, f"no free Redis connection within {self._queue_wait:g} s"
            ) from None
        try:
            return await self._hit_translated(windows, cost)
        finally:
            self._slots.release()

    async def _hit_translated(self, windows: Sequence[Window], cost: int) -> list[WindowState]:
        try:
            return await self._hit(windows, cost)
        except Exception as exc:  # limits wraps storage errors; anything else is the same fault
            raise classify(exc) from exc

    async def _hit(self, windows: Sequence[Window], cost: int) -> list[WindowState]:
        refused: set[int] = set()
        for i, w in enumerate(windows):
            if not await self.strategy.test(w.item, *w.identity, cost=cost):
                refused.add(i)
        if not refused:
            for i, w in enumerate(windows):
                if not await self.strategy.hit(w.item, *w.identity, cost=cost):
                    refused.add(i)
                    break
        states = []
        now = system_clock()
        for i, w in enumerate(windows):
            stats = await self.strategy.get_window_stats(w.item, *w.identity)
            reset_after = max(0, math.ceil(stats.reset_time - now))
            if i in refused:
                reset_after = max(1, reset_after)
            states.append(
                WindowState(
                    limit=w.item.amount,
                    remaining=max(0, stats.remaining),
                    reset_after=reset_after,
                    exceeded=i in refused,
                )
            )
        return states

    async def ping(self) -> None:
        # A read rather than ``storage.check()``, which hides why it failed.
        try:
            await self.storage.get("gateway-ping")
        except Exception as exc:
            raise classify(exc) from exc

    async def close(self) -> None:
        # limits' storages hold no handle that needs closing except redis-py's pool.
        bridge = getattr(self.storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        aclose = getattr(client, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


def redis_limits_engine(url: str, strategy: str, timeout: float) -> LimitsEngine:
    """A :class:`LimitsEngine` on ``limits``' Redis storage (redis-py underneath) for ``url``,
    plain, Sentinel or Cluster, with at most :data:`POOL_SIZE` connections."""
    storage_url, options = _storage_url(url)
    storage = storage_from_string(
        storage_url,
        **options,
        implementation="redispy",
        wrap_exceptions=True,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        max_connections=POOL_SIZE,
        retry=Retry(NoBackoff(), 0),  # type: ignore[arg-type]  # passed on to redis-py
    )
    return LimitsEngine(
        storage,  # type: ignore[arg-type]
        strategy,
        slots=POOL_SIZE,
        queue_wait=max(1.0, 4 * timeout),
    )


def _storage_url(url: str) -> tuple[str, dict[str, int]]:
    """``limits``' async storage URL for a Redis URL.

    The gateway's Sentinel URLs name the database after the service
    (``redis+sentinel://host:26379/mymaster/2``); ``limits`` takes only the service in the path,
    so the database moves to an option.
    """
    if url.startswith("unix://"):
        return "async+redis+" + url, {}
    if url.startswith("redis+sentinel://"):
        parts = urlsplit(url)
        path = [p for p in parts.path.split("/") if p]
        if len(path) > 1:
            return "async+" + parts._replace(path="/" + path[0]).geturl(), {"db": int(path[1])}
    return "async+" + url, {}
