"""All of a request's limits in one Redis round trip.

``limits`` costs one round trip (and ~100 µs of Python) per window and per question asked, so a
request with a per-IP and a per-key limit pays for six trips to learn what one script can answer.
:class:`ScriptEngine` runs ``limits``' sliding-window-counter arithmetic for every window inside
one Lua script: it shifts windows that ended, weighs the previous window by how much of it still
overlaps, refuses if any window would go over, and otherwise counts the request in all of them,
atomically, so concurrent requests never overshoot. Keys are exactly the ones ``limits``' Redis
storage uses (``LIMITS:{key}`` and ``LIMITS:{key}/-1``), so both engines share one budget and an
operator can switch between them without resetting anyone's counters.

The script is sent by its SHA1 (``EVALSHA``); a Redis that does not know it yet (new, restarted,
flushed) answers ``NOSCRIPT``, and the engine loads it once (``SCRIPT LOAD``, shared by every
request that got that answer) and sends the request again.

A script touches several keys, which Redis Cluster only allows within one hash slot; with a
Cluster URL the limiter uses :class:`gateway.ratelimit.cluster.ClusterScriptEngine`, which tags
keys so a limit's windows share a slot; with Sentinel, ``limits``' own storages.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Callable, Sequence

from gateway.ratelimit.connection import (
    ConnectionFailed,
    PipelinedConnection,
    Reply,
    ReplyError,
    pack,
)
from gateway.ratelimit.engines import EngineUnavailable, Failure, Window, WindowState

KEY_PREFIX = "LIMITS"

# KEYS: previous₁, current₁, previous₂, current₂, …   ARGV: cost, limit₁, expiry₁(s), limit₂, …
# Returns "allowed,…": allowed (0/1), then per window previous count, previous TTL, current
# count, current TTL (milliseconds) after the request was counted or refused.
SLIDING_WINDOWS_LUA = """
local cost = tonumber(ARGV[1])
local n = #KEYS / 2
local state = {}
local allowed = 1
for i = 1, n do
    local pk, ck = KEYS[2 * i - 1], KEYS[2 * i]
    local limit = tonumber(ARGV[2 * i])
    local expiry = tonumber(ARGV[2 * i + 1]) * 1000
    local cttl = tonumber(redis.call('pttl', ck))
    if cttl > 0 and cttl < expiry then
        -- the current window ended: it becomes the previous one
        redis.call('rename', ck, pk)
        redis.call('set', ck, 0, 'PX', cttl + expiry)
    end
    local pc = tonumber(redis.call('get', pk)) or 0
    local pttl = tonumber(redis.call('pttl', pk))
    local cc = tonumber(redis.call('get', ck)) or 0
    cttl = tonumber(redis.call('pttl', ck))
    if pttl < 0 then pttl = 0 end
    if cttl < 0 then cttl = 0 end
    if math.floor(pc * pttl / expiry) + cc + cost > limit then allowed = 0 end
    state[i] = {pc, pttl, cc, cttl}
end
if allowed == 1 then
    for i = 1, n do
        local ck = KEYS[2 * i]
        local expiry = tonumber(ARGV[2 * i + 1]) * 1000
        if state[i][4] > 0 then
            redis.call('incrby', ck, cost)
        else
            redis.call('set', ck, cost, 'PX', expiry * 2)
            state[i][4] = expiry * 2
        end
        state[i][3] = state[i][3] + cost
    end
end
local out = {allowed}
for i = 1, n do
    for j = 1, 4 do out[#out + 1] = state[i][j] end
end
-- one string rather than an array: a fraction of the parsing on the gateway's side
return table.concat(out, ',')
"""


def window_state(
    limit: int, expiry_s: int, cost: int, pc: int, pttl: int, cc: int, cttl: int, refused: bool
) -> WindowState:
    """Remaining quota and wait time of one sliding window from its two counters.

    ``pttl`` is the time left in the current window (the previous window stops counting then);
    ``cttl`` is that plus one window length.
    """
    expiry = expiry_s * 1000
    weighted = math.floor(pc * pttl / expiry) + cc
    remaining = max(0, limit - weighted)
    window_end = max(0, cttl - expiry) if cttl > expiry else pttl
    exceeded = refused and weighted + cost > limit
    if not exceeded:
        return WindowState(limit, remaining, math.ceil(window_end / 1000), False)
    room = limit - cc - cost
    if room >= 0 and pc > 0:
        # Enough room in the current window: wait for the previous one to weigh less.
        wait = pttl - (room + 1) * expiry / pc + 1
    elif cost > limit:
        wait = 2 * expiry  # never fits; say "not soon" rather than invite a retry storm
    else:
        # Wait for this window to become the previous one, then for it to weigh little enough.
        decay = expiry - (limit - cost + 1) * expiry / cc + 1 if cc else 0.0
        wait = window_end + max(0.0, decay)
    return WindowState(limit, remaining, max(1, math.ceil(wait / 1000)), True)


def _arguments(w: Window) -> tuple[tuple[str, str], tuple[int, int]]:
    """A window's two keys and two arguments for the script, computed once per window."""
    cached: tuple[tuple[str, str], tuple[int, int]] | None = w.memo.get("script")
    if cached is None:
        current = f"{KEY_PREFIX}:{{{w.key}}}"
        cached = ((current + "/-1", current), (w.item.amount, w.item.get_expiry()))
        w.memo["script"] = cached
    return cached


class ScriptEngine:
    """Sliding-window-counter limits evaluated in one Lua script per request."""

    def __init__(
        self, url: str, timeout: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.conn = PipelinedConnection(url, timeout, clock=clock)
        self.sha = hashlib.sha1(SLIDING_WINDOWS_LUA.encode()).hexdigest()
        self._loading: asyncio.Future[Reply] | None = None

    async def hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        pieces = [_arguments(w) for w in windows]
        n = len(windows)
        command = pack(
            (
                "EVALSHA",
                self.sha,
                2 * n,
                *(key for keys, _ in pieces for key in keys),
                cost,
                *(arg for _, args in pieces for arg in args),
            )
        )
        try:
            try:
                out = await self.conn.call_packed(command)
            except ReplyError as exc:
                if exc.code != "NOSCRIPT":
                    raise
                await self._load_script()
                out = await self.conn.call_packed(command)
        except ConnectionFailed as exc:
            raise EngineUnavailable(exc.kind, exc.detail) from None
        except ReplyError as exc:
            raise EngineUnavailable(Failure.SCRIPT, f"Redis answered {exc.code}") from None
        return _states(windows, cost, out)

    async def _load_script(self) -> None:
        """``SCRIPT LOAD``, once for all the requests that were told ``NOSCRIPT`` together."""
        loading = self._loading
        if loading is None:
            loading = asyncio.ensure_future(self.conn.call("SCRIPT", "LOAD", SLIDING_WINDOWS_LUA))
            loading.add_done_callback(self._loaded)
            self._loading = loading
        await asyncio.shield(loading)

    def _loaded(self, future: asyncio.Future[Reply]) -> None:
        self._loading = None
        if not future.cancelled():
            future.exception()  # retrieved here: every waiter sees it through the shield

    async def ping(self) -> None:
        try:
            await self.conn.call("PING")
        except ConnectionFailed as exc:
            raise EngineUnavailable(exc.kind, exc.detail) from None
        except ReplyError as exc:
            raise EngineUnavailable(Failure.REDIS, exc.code) from None

    async def close(self) -> None:
        if self._loading is not None:
            self._loading.cancel()
        await self.conn.close()


def _states(windows: Sequence[Window], cost: int, out: object) -> list[WindowState]:
    """The windows' states from the script's ``allowed,pc,pttl,cc,cttl,…`` reply."""
    n = len(windows)
    try:
        values = [int(v) for v in out.split(b",")] if isinstance(out, bytes) else []
    except ValueError:
        values = []
    if len(values) != 1 + 4 * n:
        raise EngineUnavailable(Failure.SCRIPT, "the limits script answered something unexpected")
    refused = not values[0]
    states = []
    for i, w in enumerate(windows):
        pc, pttl, cc, cttl = values[1 + 4 * i : 5 + 4 * i]
        states.append(
            window_state(w.item.amount, w.item.get_expiry(), cost, pc, pttl, cc, cttl, refused)
        )
    return states
