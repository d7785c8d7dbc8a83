"""Limits counted in this process: the embedded default, and the fallback while Redis is away.

:class:`MemoryEngine` runs the very arithmetic of the one-script Redis engine
(:mod:`gateway.ratelimit.script`) on a dictionary: per window a current and a previous counter,
each with an expiry; a current window that ended becomes the previous one; the previous one is
weighed by how much of it still overlaps. It answers in a few microseconds, where ``limits``'
memory storage takes several awaits, locks and a background expiry task per window — that
storage's sliding window was the largest single cost of a widget request on the embedded default.

All windows of a request are decided together and counted only if all allow it; nothing awaits
between the decision and the count, so concurrent requests on one event loop never overshoot.
Expired counters are swept as the table grows, so a flood of new identities cannot grow it
without bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from gateway.ratelimit.engines import Window, WindowState
from gateway.ratelimit.script import window_state

# Sweep expired counters once the table has grown by this many entries since the last sweep.
SWEEP_EVERY = 10_000


class MemoryEngine:
    """Sliding-window-counter limits in a dictionary, same semantics as the script engine."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # key -> [count, expires_at (ms on the clock)]
        self._counters: dict[str, list[float]] = {}
        self._sweep_at = SWEEP_EVERY

    def _ttl(self, key: str, now: float) -> tuple[int, float]:
        entry = self._counters.get(key)
        if entry is None:
            return 0, 0.0
        left = entry[1] - now
        if left <= 0:
            del self._counters[key]
            return 0, 0.0
        return int(entry[0]), left

    async def hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        now = self._clock() * 1000.0
        state: list[tuple[int, float, int, float]] = []
        allowed = True
        for w in windows:
            current, previous = _keys(w)
            expiry = w.item.get_expiry() * 1000.0
            cc, cttl = self._ttl(current, now)
            if 0 < cttl < expiry:
                # The current window ended: it becomes the previous one.
                self._counters[previous] = self._counters.pop(current)
                self._counters[current] = [0, now + cttl + expiry]
            pc, pttl = self._ttl(previous, now)
            cc, cttl = self._ttl(current, now)
            if int(pc * pttl / expiry) + cc + cost > w.item.amount:
                allowed = False
            state.append((pc, pttl, cc, cttl))
        if allowed:
            for i, w in enumerate(windows):
                current, _ = _keys(w)
                pc, pttl, cc, cttl = state[i]
                if cttl > 0:
                    self._counters[current][0] += cost
                else:
                    cttl = w.item.get_expiry() * 2000.0
                    self._counters[current] = [cost, now + cttl]
                state[i] = (pc, pttl, cc + cost, cttl)
        if len(self._counters) >= self._sweep_at:
            self._sweep(now)
        return [
            window_state(
                w.item.amount,
                w.item.get_expiry(),
                cost,
                pc,
                int(pttl),
                cc,
                int(cttl),
                not allowed,
            )
            for w, (pc, pttl, cc, cttl) in zip(windows, state, strict=True)
        ]

    def _sweep(self, now: float) -> None:
        self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
        self._sweep_at = len(self._counters) + SWEEP_EVERY

    async def ping(self) -> None:
        """Memory always answers."""

    async def close(self) -> None:
        self._counters.clear()


def _keys(w: Window) -> tuple[str, str]:
    cached: tuple[str, str] | None = w.memo.get("memory")
    if cached is None:
        cached = (w.key, w.key + "/-1")
        w.memo["memory"] = cached
    return cached
