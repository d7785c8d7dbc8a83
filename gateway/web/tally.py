"""The hot paths' counts, kept in plain dictionaries and added to the Prometheus series in bulk.

Every widget answer counts four or five things: its status, its duration, the limiter's
decision, the key cache's hit, a Redis or database statement's time. Done one by one through
``prometheus-client``, each takes a lock (or a write to a shared file, with several workers) and
a few checks: together about a fifth of a config ``GET``'s own CPU time. Counted here instead,
each is one dictionary update; :meth:`Tally.flush` adds what was counted to the series, all
at once.

A flush happens before every rendering of ``/metrics`` (so a single worker's scrape always sees
every answer it gave), and, when ``every`` is set (several workers share their values through
files), at most ``every`` seconds after the first count since the last flush, so the worker
that answers a scrape sees the others' counts of a second ago.

Only code running on the event loop counts here. A call from another thread (no running loop)
goes straight to the series: a flush never races with a count.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from typing import Any


class Tally:
    """Counts for Prometheus children (``metric.labels(...)`` or an unlabelled metric)."""

    def __init__(self, every: float | None = None) -> None:
        self.every = every
        self._counts: dict[Any, float] = {}
        # histogram child → [sum of observations, count in bucket 0, count in bucket 1, …]
        self._observed: dict[Any, list[float]] = {}
        self._bounds: dict[Any, tuple[float, ...]] = {}
        self._timer: asyncio.TimerHandle | None = None

    def inc(self, child: Any, amount: float = 1.0) -> None:
        """``child.inc(amount)``, counted now and added at the next flush."""
        loop = _running_loop()
        if loop is None:
            child.inc(amount)
            return
        counts = self._counts
        counts[child] = counts.get(child, 0.0) + amount
        if self._timer is None and self.every is not None:
            self._timer = loop.call_later(self.every, self._timed_flush)

    def observe(self, child: Any, amount: float) -> None:
        """``child.observe(amount)`` for a histogram child, added at the next flush."""
        loop = _running_loop()
        if loop is None:
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
        # The first bucket whose upper bound is at least ``amount``: the one observe() picks.
        # (The last bound is +Inf, so one always is; NaN is in none, as with observe.)
        if amount == amount:
            entry[bisect_left(bounds, amount) + 1] += 1
        if self._timer is None and self.every is not None:
            self._timer = loop.call_later(self.every, self._timed_flush)

    def flush(self) -> None:
        """Add every count made since the last flush to its series."""
        counts, self._counts = self._counts, {}
        observed, self._observed = self._observed, {}
        for child, amount in counts.items():
            child.inc(amount)
        for child, entry in observed.items():
            _add_observations(child, entry)

    def _timed_flush(self) -> None:
        self._timer = None
        self.flush()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


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
