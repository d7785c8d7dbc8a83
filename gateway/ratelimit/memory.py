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

import math
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

    async def hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        now = self._clock() * 1000.0
        counters = self._counters
        plan = [w.memo.get("memory") or _plan(w) for w in windows]
        state: list[tuple[int, float, list[float] | None, int, float]] = []
        allowed = True
        for current, previous, expiry, amount, _ in plan:
            entry = counters.get(current)
            if entry is not None:
                cttl = entry[1] - now
                if cttl <= 0:
                    del counters[current]
                    entry = None
                elif cttl < expiry:
                    # The current window ended: it becomes the previous one.
                    counters[previous] = entry
                    entry = counters[current] = [0, now + cttl + expiry]
            pc, pttl = 0, 0.0
            old = counters.get(previous)
            if old is not None:
                pttl = old[1] - now
                if pttl <= 0:
                    del counters[previous]
                    pttl = 0.0
                else:
                    pc = int(old[0])
            cc, cttl = (int(entry[0]), entry[1] - now) if entry is not None else (0, 0.0)
            if int(pc * pttl / expiry) + cc + cost > amount:
                allowed = False
            state.append((pc, pttl, entry, cc, cttl))
        if len(counters) >= self._sweep_at:
            self._sweep(now)
        if not allowed:
            return [
                window_state(amount, expiry_s, cost, pc, int(pttl), cc, int(cttl), True)
                for (_, _, _, amount, expiry_s), (pc, pttl, _, cc, cttl) in zip(
                    plan, state, strict=True
                )
            ]
        # Allowed (the common case): count, and state each window as window_state() would for
        # a request it did not refuse, without the refusal's arithmetic.
        states = []
        for (current, _, expiry, amount, _), (pc, pttl, entry, cc, cttl) in zip(
            plan, state, strict=True
        ):
            if entry is not None:
                entry[0] += cost
            else:
                cttl = expiry * 2.0
                counters[current] = [cost, now + cttl]
            p, c = int(pttl), int(cttl)
            remaining = amount - math.floor(pc * p / expiry) - cc - cost
            end = c - expiry if c > expiry else p
            states.append(WindowState(amount, max(0, remaining), math.ceil(end / 1000), False))
        return states

    def _sweep(self, now: float) -> None:
        self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
        self._sweep_at = len(self._counters) + SWEEP_EVERY

    async def ping(self) -> None:
        """Memory always answers."""

    async def close(self) -> None:
        self._counters.clear()


def _plan(w: Window) -> tuple[str, str, float, int, int]:
    """A window's two keys, its length in ms, its amount and its length in s, derived once."""
    cached: tuple[str, str, float, int, int] | None = w.memo.get("memory")
    if cached is None:
        expiry_s = w.item.get_expiry()
        cached = (w.key, w.key + "/-1", expiry_s * 1000.0, w.item.amount, expiry_s)
        w.memo["memory"] = cached
    return cached
