"""Banner impressions: how often the banner was shown to a visitor who had not chosen yet.

The widget reports each such page view once (``POST /v1/{pk}/consent/shown``). A count is a
statistic, not a record: counting each one with a database write would cost more than the
records themselves, so counts are summed in memory per UTC day and key and added to the records
store's daily rollups (``consent_daily.shown``, the stats' ``banners_shown``) by one write every
``interval`` seconds and when the gateway stops. Counts a crash interrupts (at most ``interval``
seconds of them) are lost, which a statistic can afford; several workers each add their own.
Without a records store nothing is kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import date

from gateway.clock import Clock, utc

log = logging.getLogger("gateway.consent")

Writer = Callable[[Sequence[tuple[date, str, str, int]]], Awaitable[None]]


class Impressions:
    """Counts per (UTC day, public key, account), written by ``writer`` in batches."""

    def __init__(self, writer: Writer | None, clock: Clock, interval: float = 5.0) -> None:
        self.writer = writer
        self.clock = clock
        self.interval = interval
        self.pending: Counter[tuple[date, str, str]] = Counter()
        self._last = time.monotonic()
        self._flushing: asyncio.Task[None] | None = None

    def count(self, public_key: str, account: str) -> None:
        if self.writer is None:
            return
        self.pending[(utc(self.clock()).date(), public_key, account)] += 1
        due = time.monotonic() - self._last >= self.interval
        if due and (self._flushing is None or self._flushing.done()):
            self._flushing = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> None:
        """Write what was counted; counts a failed write could not add are kept for the next."""
        self._last = time.monotonic()
        if self.writer is None or not self.pending:
            return
        batch, self.pending = self.pending, Counter()
        try:
            await self.writer([(d, k, a, n) for (d, k, a), n in batch.items()])
        except Exception:
            log.warning("banner impressions could not be written; kept for the next attempt")
            self.pending.update(batch)

    async def close(self) -> None:
        if self._flushing is not None:
            await asyncio.gather(self._flushing, return_exceptions=True)
        await self.flush()
