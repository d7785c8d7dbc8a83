"""The one-script engine on Redis Cluster: a request's limits in one round trip, slot by slot.

A Lua script may only touch keys of one hash slot. The windows of one limit (say ``"10/minute;
100/hour"`` per IP) share a hash tag, the limit's hashed identity, so they live in one slot and
are checked and counted by one script, exactly as :class:`~gateway.ratelimit.script.ScriptEngine`
does on a single Redis (same Lua, same arithmetic). A request with several limits (per IP and per
key) touches several slots: one script per slot, all sent at once (one round trip of latency),
through redis-py's cluster client, which routes each to the master of its slot and follows the
cluster when a replica takes over.

All or nothing across slots: if one slot refuses while another counted the request, the request
is refused and what it counted is given back (a small script per counting slot). Between the two,
a concurrent request may see that unit as spent and be refused too: the error is on the strict
side and lasts one round trip; no window ever admits more than its limit.

Key names: ``LIMITS:{name/identity}:amount/multiples/unit`` and the same with ``/-1`` for the
previous window.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from gateway.ratelimit.engines import EngineUnavailable, Failure, Window, WindowState, classify
from gateway.ratelimit.script import KEY_PREFIX, SLIDING_WINDOWS_LUA, window_state
from gateway.redis_client import connect_cluster

# KEYS: current window of each window counted; ARGV: cost. Gives back what a refused request
# counted, never below zero (a window that rolled over meanwhile simply keeps its count).
REFUND_LUA = """
local cost = tonumber(ARGV[1])
for i = 1, #KEYS do
    local count = tonumber(redis.call('get', KEYS[i]) or '0')
    if count >= cost then redis.call('decrby', KEYS[i], cost) end
end
return 1
"""


def _names(w: Window) -> tuple[str, str, str]:
    """A window's hash tag, previous and current key, computed once per window."""
    cached: tuple[str, str, str] | None = w.memo.get("cluster")
    if cached is None:
        tag = "/".join(w.identity)
        item = w.item
        current = f"{KEY_PREFIX}:{{{tag}}}:{item.amount}/{item.multiples}/{item.GRANULARITY.name}"
        cached = (tag, current + "/-1", current)
        w.memo["cluster"] = cached
    return cached


class ClusterScriptEngine:
    """Sliding-window-counter limits on Redis Cluster, one script per hash slot per request."""

    def __init__(self, url: str, timeout: float) -> None:
        self.client = connect_cluster(url, timeout, timeout)
        self.script = self.client.register_script(SLIDING_WINDOWS_LUA)
        self.refund = self.client.register_script(REFUND_LUA)
        self._ready = False
        self._starting = asyncio.Lock()

    async def _start(self) -> None:
        """Learn the slot map once before the first burst: left to the first commands, each
        would start the discovery and close the connections the others had just opened."""
        async with self._starting:
            if not self._ready:
                await self.client.initialize()
                self._ready = True

    async def hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        groups: dict[str, list[int]] = {}
        for i, w in enumerate(windows):
            groups.setdefault(_names(w)[0], []).append(i)
        members = list(groups.values())
        try:
            if not self._ready:
                await self._start()
            replies = await asyncio.gather(*(self._count(windows, g, cost) for g in members))
        except EngineUnavailable:
            raise
        except Exception as exc:  # redis-py's cluster errors are not all RedisError
            raise classify(exc) from None
        refused = any(not allowed for allowed, _ in replies)
        states: list[WindowState | None] = [None] * len(windows)
        to_refund: list[str] = []
        for group, (allowed, values) in zip(members, replies, strict=True):
            for j, i in enumerate(group):
                w = windows[i]
                pc, pttl, cc, cttl = values[4 * j : 4 * j + 4]
                if refused and allowed:
                    to_refund.append(_names(w)[2])
                    cc -= cost
                states[i] = window_state(
                    w.item.amount, w.item.get_expiry(), cost, pc, pttl, cc, cttl, refused
                )
        if to_refund and cost:
            await self._give_back(to_refund, cost)
        return [s for s in states if s is not None]

    async def _count(
        self, windows: Sequence[Window], group: list[int], cost: int
    ) -> tuple[bool, list[int]]:
        keys: list[str] = []
        args: list[int] = [cost]
        for i in group:
            _, previous, current = _names(windows[i])
            keys += (previous, current)
            args += (windows[i].item.amount, windows[i].item.get_expiry())
        out: Any = await self.script(keys=keys, args=args)
        try:
            values = [int(v) for v in out.split(b",")] if isinstance(out, bytes) else []
        except ValueError:
            values = []
        if len(values) != 1 + 4 * len(group):
            raise EngineUnavailable(
                Failure.SCRIPT, "the limits script answered something unexpected"
            )
        return bool(values[0]), values[1:]

    async def _give_back(self, currents: list[str], cost: int) -> None:
        by_tag: dict[str, list[str]] = {}
        for name in currents:
            by_tag.setdefault(name.split("{", 1)[1].split("}", 1)[0], []).append(name)
        try:
            await asyncio.gather(*(self.refund(keys=k, args=[cost]) for k in by_tag.values()))
        except Exception:  # redis-py's cluster errors are not all RedisError
            return  # a unit stays counted until its window ends: strict, never lenient

    async def ping(self) -> None:
        try:
            if not self._ready:
                await self._start()
            await self.client.ping()
        except Exception as exc:
            raise classify(exc) from None

    async def close(self) -> None:
        await self.client.aclose()
