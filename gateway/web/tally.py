"""The hot paths' counts, kept in plain dictionaries and added to the Prometheus series in bulk.

Every widget answer counts four or five things: its status, its duration, the limiter's
decision, the key cache's hit, a Redis or database statement's time. Done one by one through
``prometheus-client``, each takes a lock (or a write to a shared file, with several workers) and
a few checks: together about a fifth of a config ``GET``'s own CPU time. Counted here instead,
each is one dictionary update; :meth:`Tally.flush` adds what was counted to the series, all
at once.

The app flushes before every rendering of ``/metrics`` (so a worker's scrape always sees every
answer it gave), at shutdown, and, with several workers sharing their values through files,
every second (:meth:`Tally.flush_every`), so the worker that answers a scrape sees the others'
counts of a second ago.

Only the thread that made the tally (the app's event loop) counts here; a count from any other
thread goes straight to the series, and a flush from another thread is left to the owner's next
one. So a flush never races with a count.
"""

from __future__ import annotations

import asyncio
import threading
from bisect import bisect_left
from typing import Any

_thread_id = threading.get_ident


class Tally:
    """Counts for Prometheus children (``metric.labels(...)`` or an unlabelled metric)."""

    def __init__(self) -> None:
        self.owner = _thread_id()
        self._counts: dict[Any, float] = {}
        # histogram child → [sum of observations, count in bucket 0, count in bucket 1, …]
        self._observed: dict[Any, list[float]] = {}
        self._bounds: dict[Any, tuple[float, ...]] = {}

    def inc(self, child: Any, amount: float = 1.0) -> None:
        """``child.inc(amount)``, counted now and added at the next flush."""
        if _thread_id() != self.owner:
            child.inc(amount)
            return
        counts = self._counts
        counts[child] = counts.get(child, 0.0) + amount

    def observe(self, child: Any, amount: float) -> None:
        """``child.observe(amount)`` for a histogram child, added at the next flush."""
        if _thread_id() != self.owner:
            child.observe(amount)
            return
        entry = self._observed.get(child)
        if entry is None:
            bounds = self._bounds.get(child)
            if bounds is None:
                bounds = self._bounds[child] = tuple(_upper_bounds(child))
            entry = self._observed[child] = [0.0] * (len(bounds) + 1)
        else:
            bounds = self._bounds[child]
        entry[0] += amount
        # The first bucket whose upper bound is at least ``amount``: the one observe() picks
        # (the last bound is +Inf, so one always is; NaN is in none, as with observe).
        if amount == amount:
            entry[bisect_left(bounds, amount) + 1] += 1

    def flush(self) -> None:
        """Add every count made since the last flush to its series (on the owner's thread)."""
        if _thread_id() != self.owner:
            return
        counts, self._counts = self._counts, {}
        observed, self._observed = self._observed, {}
        for child, amount in counts.items():
            child.inc(amount)
        for child, entry in observed.items():
            _add_observations(child, entry)

    async def flush_every(self, seconds: float) -> None:
        """Flush every ``seconds`` until cancelled (run on the owner's loop)."""
        while True:
            await asyncio.sleep(seconds)
            self.flush()


# prometheus-client has no public way to add many observations at once. A histogram child keeps
# its sum and one count per bucket (not cumulative) as values of the same kind as a counter's,
# in memory or in a worker's file alike: those are what ``observe`` increments, one at a time.
# tests/web/test_tally.py compares the outcome with ``observe`` itself, so an upgrade that
# changes this layout fails there.


def _upper_bounds(child: Any) -> list[float]:
    return list(child._upper_bounds)


def _add_observations(child: Any, entry: list[float]) -> None:
    child._sum.inc(entry[0])
    for bucket, count in zip(child._buckets, entry[1:], strict=True):
        if count:
            bucket.inc(count)
