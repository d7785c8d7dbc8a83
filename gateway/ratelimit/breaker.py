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
that Redis answers closes the breaker, and limits are shared again. Answers to requests sent before
the breaker opened do not count: in a burst, they arrive just after the failures that opened it,
and would otherwise close it again at once.

Each request that may ask Redis gets a ticket from :meth:`Breaker.use_primary` and hands it back
with its outcome, which is how a probe's answer is told from a late one.
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
        self._epoch = 0  # changes whenever the breaker opens or closes
        self.open = False
        self.opened_at = 0.0

    def use_primary(self) -> int | None:
        """A ticket if this request asks Redis (always while closed, one probe an interval while
        open), None if it counts in memory."""
        if not self.open:
            return self._epoch
        now = self._clock()
        if now < self._retry_at:
            return None
        self._retry_at = now + PROBE_INTERVAL  # requests arriving meanwhile stay on memory
        return self._epoch

    def failed(self, error: EngineUnavailable, ticket: int | None = None) -> bool:
        """Record a failed call to Redis; True if it is the one that opens the breaker.

        Without a ticket (a health check), it counts as a request sent just now."""
        now = self._clock()
        if ticket is None:
            ticket = self._epoch
        if self.open:
            if ticket == self._epoch:  # the probe failed: the next one an interval from now
                self._retry_at = now + PROBE_INTERVAL
            return False
        if ticket != self._epoch:
            return False  # sent while the breaker was open, answered after a probe closed it
        if error.kind.transient:
            self._slow.append(now)
            while self._slow and self._slow[0] <= now - TRIP_WINDOW:
                self._slow.popleft()
            if len(self._slow) < TRIP_FAILURES:
                return False
        self._slow.clear()
        self.open = True
        self._epoch += 1
        self.opened_at = now
        self._retry_at = now + PROBE_INTERVAL
        return True

    def succeeded(self, ticket: int | None = None) -> bool:
        """Record an answer from Redis; True if it closes an open breaker.

        Without a ticket (a health check), it counts as a probe."""
        if not self.open or (ticket is not None and ticket != self._epoch):
            return False
        self.open = False
        self._epoch += 1
        self._slow.clear()
        self._retry_at = 0.0
        return True
