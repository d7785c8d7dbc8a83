"""Rate limits: all of a request's limits in, one decision with its headers out.

Callers describe what to count as :class:`LimitRequest` values (a name for the headers, a limit in
``limits``' string syntax, possibly several windows such as ``"10/minute;100/hour"``, and the
identity it is counted per) and get one :class:`LimitDecision` back. How counting happens stays
behind that: an engine (see :mod:`gateway.ratelimit.engines`) evaluates the windows — one Lua
script per request on Redis by default (one per hash slot, sent together, on Redis Cluster),
``limits``' strategies on memory, on Redis Sentinel, or when another strategy is configured.

When Redis fails, the limiter counts in per-instance memory (fail-open) or refuses with
:class:`~gateway.errors.LimiterUnavailable` (fail-closed). Its breaker
(:mod:`gateway.ratelimit.breaker`) decides when failures mean Redis is down rather than slow; then
the limiter reports :attr:`Limiter.degraded` and tries Redis again once per probe interval, so a
dead Redis costs one short timeout per second rather than one per request.

Identities are hashed with a key derived from the signing secret before they reach Redis, so no
IP address or email address is ever stored in clear in a key name.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from limits import parse_many
from limits.aio.storage import MemoryStorage

from gateway.errors import LimiterUnavailable, RateLimited
from gateway.ratelimit.breaker import Breaker
from gateway.ratelimit.cluster import ClusterScriptEngine
from gateway.ratelimit.engines import (
    Engine,
    EngineUnavailable,
    LimitsEngine,
    Window,
    WindowState,
    redis_limits_engine,
)
from gateway.ratelimit.memory import MemoryEngine
from gateway.ratelimit.script import ScriptEngine
from gateway.settings import Settings

log = logging.getLogger("gateway.ratelimit")

WINDOW_CACHE_SIZE = 4096  # parsed and hashed limit requests kept per limiter

HEADER_POLICY = "RateLimit-Policy"
HEADER_STATE = "RateLimit"
HEADER_RETRY = "Retry-After"
EXPOSED_HEADERS = (HEADER_POLICY, HEADER_STATE, HEADER_RETRY)


@dataclass(frozen=True)
class LimitRequest:
    """One limit to apply: ``name`` in the headers, ``limit`` like ``"10/minute;100/hour"``,
    counted per ``identity`` (e.g. ``("ip", client_ip)`` or ``(public_key, email)``)."""

    name: str
    limit: str
    identity: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LimitDecision:
    """The answer for all of a request's limits together."""

    allowed: bool
    headers: Mapping[str, str]
    retry_after: int | None
    windows: tuple[tuple[str, WindowState], ...] = field(default=())


@lru_cache(maxsize=256)
def _policies(name: str, limit: str) -> tuple[tuple[str, object], ...]:
    """Parse ``limit`` once and give each window a unique policy name."""
    items = parse_many(limit)
    if len(items) == 1:
        return ((name, items[0]),)
    out: list[tuple[str, object]] = []
    seen: set[str] = set()
    for item in items:
        unit = item.GRANULARITY.name
        label = f"{name}-{unit}" if item.multiples == 1 else f"{name}-{item.multiples}{unit}"
        while label in seen:
            label += "'"
        seen.add(label)
        out.append((label, item))
    return tuple(out)


class Limiter:
    """Checks and counts limits, in Redis when ``redis_url`` is given, else in memory.

    ``clock`` paces the fallback and reconnection (tests inject one to skip ahead without
    sleeping).
    """

    def __init__(
        self,
        settings: Settings,
        redis_url: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._memory: Engine = (
            MemoryEngine()
            if settings.limit_strategy == "sliding-window-counter"
            else LimitsEngine(MemoryStorage(), settings.limit_strategy)
        )
        self._primary: Engine | None = None
        self._breaker = Breaker(clock)
        if redis_url is None:
            # Memory is per process; a random key keeps hashed identities short and private.
            secret = secrets.token_bytes(32)
        else:
            secret = settings.signing_secrets()[0].encode()
            self._primary = self._redis_engine(redis_url)
        key = hashlib.blake2b(secret, digest_size=32, person=b"wg-ratelimit").digest()
        self._hasher = hashlib.blake2b(key=key, digest_size=16)
        # The same clients and keys come back again and again: hash and parse each once.
        self._cached_windows = lru_cache(maxsize=WINDOW_CACHE_SIZE)(self._request_windows)

    def _redis_engine(self, url: str) -> Engine:
        s = self.settings
        if (
            s.limit_engine == "script"
            and s.limit_strategy == "sliding-window-counter"
            and url.startswith(("redis://", "rediss://", "unix://"))
        ):
            return ScriptEngine(url, s.redis_timeout, clock=self._clock)
        if (
            s.limit_engine == "script"
            and s.limit_strategy == "sliding-window-counter"
            and url.startswith("redis+cluster://")
        ):
            return ClusterScriptEngine(url, s.redis_timeout)
        return redis_limits_engine(url, s.limit_strategy, s.redis_timeout)

    @property
    def degraded(self) -> bool:
        """True while Redis is unreachable and limits are counted in this process's memory."""
        return self._breaker.open

    def _request_windows(self, req: LimitRequest) -> tuple[Window, ...]:
        hasher = self._hasher.copy()
        hasher.update("\x1f".join(req.identity).encode("utf-8", "surrogatepass"))
        identity = (req.name, hasher.hexdigest())
        return tuple(Window(p, item, identity) for p, item in _policies(req.name, req.limit))  # type: ignore[arg-type]

    def _windows(self, requests: Sequence[LimitRequest]) -> list[Window]:
        windows: list[Window] = []
        for req in requests:
            windows.extend(self._cached_windows(req))
        return windows

    async def check(self, requests: Sequence[LimitRequest], cost: int = 1) -> LimitDecision:
        """Count this request against every limit in ``requests`` if all allow it.

        ``cost=0`` only looks: allowed while no limit is past its amount, nothing counted.
        Raises :class:`LimiterUnavailable` only when Redis is down and the gateway fails closed.
        """
        if not requests:
            return LimitDecision(True, {}, None)
        windows = self._windows(requests)
        if self._primary is None:
            # The embedded default: counted in memory, nothing to await but the engine.
            return _decision(windows, await self._memory.hit(windows, cost))
        return _decision(windows, await self._hit(windows, cost))

    async def enforce(self, requests: Sequence[LimitRequest]) -> LimitDecision:
        """Like :meth:`check`, but a refusal raises :class:`RateLimited` carrying the headers."""
        decision = await self.check(requests)
        if not decision.allowed:
            raise RateLimited(
                f"Rate limit exceeded; retry in {decision.retry_after} s.",
                headers=decision.headers,
            )
        return decision

    async def _hit(self, windows: Sequence[Window], cost: int = 1) -> list[WindowState]:
        primary = self._primary
        if primary is not None:
            ticket = self._breaker.use_primary()
            if ticket is not None:
                states = await self._ask(primary, windows, cost, ticket)
                if states is not None:
                    return states
            if self.settings.limits_fail_closed:
                raise LimiterUnavailable("Rate limits cannot be checked; retry shortly.")
        return await self._memory.hit(windows, cost)

    async def _ask(
        self, primary: Engine, windows: Sequence[Window], cost: int, ticket: int
    ) -> list[WindowState] | None:
        """Redis's answer, or None if it failed. A slow answer that leaves the breaker closed is
        tried once more: counting in memory, or refusing under fail-closed, is worse than asking
        again (at worst a late answer counts the request twice, which errs on the strict side)."""
        for attempt in (1, 2):
            try:
                states = await primary.hit(windows, cost)
            except EngineUnavailable as exc:
                self._failed(exc, ticket)
                if attempt == 2 or not exc.kind.transient or self._breaker.open:
                    return None
            else:
                self._succeeded(ticket)
                return states
        return None

    def _failed(self, error: EngineUnavailable, ticket: int | None = None) -> None:
        if self._breaker.failed(error, ticket):
            log.warning(
                "rate limits: Redis failed (%s); %s until it answers again",
                error,
                "refusing requests"
                if self.settings.limits_fail_closed
                else "counting in this instance's memory",
            )

    def _succeeded(self, ticket: int | None = None) -> None:
        if self._breaker.succeeded(ticket):
            down = max(0.0, self._clock() - self._breaker.opened_at)
            log.warning("rate limits: Redis answers again after %.1f s; limits shared again", down)

    async def ping(self) -> bool:
        """Whether the limit store answers; a success ends the degraded state at once."""
        if self._primary is None:
            return True
        try:
            await self._primary.ping()
        except EngineUnavailable as exc:
            self._failed(exc)
            return False
        self._succeeded()
        return True

    async def close(self) -> None:
        if self._primary is not None:
            await self._primary.close()
        await self._memory.close()


def _decision(windows: Sequence[Window], states: Sequence[WindowState]) -> LimitDecision:
    allowed = True
    fields: list[str] = []
    pairs: list[tuple[str, WindowState]] = []
    for w, s in zip(windows, states, strict=True):
        if s.exceeded:
            allowed = False
        fields.append(f'"{w.policy}";r={s.remaining};t={s.reset_after}')
        pairs.append((w.policy, s))
    headers = {
        HEADER_POLICY: ", ".join([w.policy_item for w in windows]),
        HEADER_STATE: ", ".join(fields),
    }
    retry_after = None
    if not allowed:
        retry_after = max(s.reset_after for s in states if s.exceeded)
        headers[HEADER_RETRY] = str(retry_after)
    return LimitDecision(allowed, headers, retry_after, tuple(pairs))
