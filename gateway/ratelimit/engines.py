"""How limits are counted: the engine interface and the engine built on ``limits`` strategies.

An engine takes every window of one request and answers, for each, how much is left and when it
frees up, consuming ``cost`` from all of them only if all of them allow it. Two engines exist:

* :class:`LimitsEngine` runs ``limits``' own strategies on any ``limits`` async storage: memory
  (the embedded default and the fallback while Redis is down) or Redis (Sentinel and Cluster too).
  It costs a few storage calls per window.
* :class:`gateway.ratelimit.script.ScriptEngine` evaluates all windows in one Lua script, one Redis
  round trip per request, keeping the same keys and the same sliding-window-counter arithmetic.

Storage failures become :class:`EngineUnavailable`; the limiter decides what to do about them.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from limits import RateLimitItem
from limits.aio.storage import Storage
from limits.aio.strategies import STRATEGIES, RateLimiter


class EngineUnavailable(Exception):
    """The engine's storage could not be reached or did not answer in time."""


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


@dataclass(frozen=True)
class WindowState:
    """What one window says after a check."""

    limit: int
    remaining: int
    reset_after: int  # seconds until the window frees up (the `t` of the RateLimit field)
    exceeded: bool  # this window alone refused the request


class Engine(Protocol):
    async def hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        """Consume ``cost`` from every window if all allow it; never from some only."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class LimitsEngine:
    """Counting through a ``limits`` strategy on a ``limits`` async storage.

    Test-then-hit keeps a refused request from consuming the windows that still had room. Each
    ``hit`` is atomic in the storage, so concurrent requests never overshoot a window; two that
    race between test and hit can at worst spend a unit of another window on a refusal.
    """

    def __init__(self, storage: Storage, strategy: str) -> None:
        self.storage = storage
        strategy_class: type[RateLimiter] = STRATEGIES[strategy]  # type: ignore[type-abstract]
        self.strategy = strategy_class(storage)

    async def hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        try:
            return await self._hit(windows, cost)
        except EngineUnavailable:
            raise
        except Exception as exc:  # limits wraps storage errors; anything else is the same fault
            raise EngineUnavailable(type(exc).__name__) from exc

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
        now = time.time()
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

    async def ping(self) -> bool:
        try:
            return bool(await self.storage.check())
        except Exception:
            return False

    async def close(self) -> None:
        # limits' storages hold no handle that needs closing except redis-py's pool.
        bridge = getattr(self.storage, "bridge", None)
        client = getattr(bridge, "storage", None)
        aclose = getattr(client, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
