"""When the limiter stops asking Redis and counts in memory, and when it goes back.

Switching to memory is costly: each instance then counts on its own, with budgets of its own, so
the fleet admits more than the limit. A burst on a healthy Redis can make a few answers late (the
event loop is busy, the connection pool is queueing), and one late answer must not cause that.
So the breaker switches (opens) only on

* a failure that says Redis is broken — refused or lost connection, a protocol or script error —
  at once, or
* :data:`TRIP_FAILURES` slow answers (timeouts, no free connection) within :data:`TRIP_WINDOW`
  seconds;

and, once open, lets one request per :data:`PROBE_INTERVAL` through to Redis as a probe (the others
stay on memory, so a dead Redis costs one timeout a second, not one per request). The first probe
that Redis answers closes the breaker, and limits are shared again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from gateway.ratelimit.engines import EngineUnavailable

TRIP_FAILURES = 5  # slow answers …
TRIP_WINDOW = 2.0  # … within this many seconds switch to memory
PROBE_INTERVAL = 1.0  # seconds between probes of a Redis that failed


class Breaker:
    """The fallback's state; ``clock`` gives seconds (tests move an injected one by hand)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._slow: deque[float] = deque()
        self._retry_at = 0.0
        self.open = False
        self.opened_at = 0.0

    def use_primary(self) -> bool:
        """Whether this request asks Redis: always while closed, one probe an interval if open."""
        if not self.open:
            return True
        now = self._clock()
        if now < self._retry_at:
            return False
        self._retry_at = now + PROBE_INTERVAL  # requests arriving meanwhile stay on memory
        return True

    def failed(self, error: EngineUnavailable) -> bool:
        """Record a failed call to Redis; True if it is the one that opens the breaker."""
        now = self._clock()
        if self.open:
            self._retry_at = now + PROBE_INTERVAL
            return False
        if error.kind.transient:
            self._slow.append(now)
            while self._slow and self._slow[0] <= now - TRIP_WINDOW:
                self._slow.popleft()
            if len(self._slow) < TRIP_FAILURES:
                return False
        self._slow.clear()
        self.open = True
        self.opened_at = now
        self._retry_at = now + PROBE_INTERVAL
        return True

    def succeeded(self) -> bool:
        """Record an answer from Redis; True if it closes an open breaker."""
        was_open = self.open
        self.open = False
        self._retry_at = 0.0
        return was_open
