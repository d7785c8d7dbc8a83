"""The records store's periodic jobs: the retention purge, the owners' due-soon notices, the
webhooks' ``rights_request.overdue_soon`` events (:mod:`gateway.records.events`), and the
requesters' reminders and the expiry of requests never confirmed (passed in by the app).

Every instance runs the loop; each round, the one that takes the ``records-jobs`` lease (held
for the round's interval, see :mod:`gateway.records.leases`) does the work and the others skip,
so the fleet runs the jobs about once per interval, whatever its size. The purge takes a lease
of its own for its duration, which ``widget-gateway records purge`` takes too: two purges never
run at once. The first round comes one interval after start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from gateway.errors import GatewayError
from gateway.records import leases, retention
from gateway.records.retention import PurgeReport

if TYPE_CHECKING:
    from gateway.records.store import RecordStore

log = logging.getLogger("gateway.records")

JOBS_LEASE = "records-jobs"
PURGE_LEASE = "records-purge"
# Longer than any purge takes; a purger that dies leaves the lease to expire after this.
PURGE_TTL = timedelta(minutes=15)


def holder_id() -> str:
    """Who holds a lease: one id per process (no host name: it may be personal to someone)."""
    return uuid.uuid4().hex


async def purge_exclusively(
    store: RecordStore, holder: str, *, dry_run: bool = False
) -> PurgeReport | None:
    """Run the purge if no other purge is running; None when another holds its lease."""
    if not await leases.acquire(store, PURGE_LEASE, holder, PURGE_TTL):
        return None
    try:
        return await retention.purge(store, dry_run=dry_run)
    finally:
        await leases.release(store, PURGE_LEASE, holder)


@dataclass(frozen=True)
class RoundReport:
    purge: PurgeReport | None
    notices: int
    events: int = 0
    requesters: int = 0  # reminders sent and unconfirmed requests expired


class RecordsJobs:
    """The loop of one instance; :meth:`run_round` is one round (tests call it directly)."""

    def __init__(
        self,
        store: RecordStore,
        interval: float,
        notify_due_soon: Callable[[], Awaitable[int]] | None = None,
        holder: str | None = None,
        *,
        announce_due_soon: Callable[[], Awaitable[int]] | None = None,
        requesters: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.store = store
        self.interval = interval
        self.notify_due_soon = notify_due_soon
        self.announce_due_soon = announce_due_soon
        # The requesters' reminders and the expiry of unconfirmed requests (gateway.portal).
        self.requesters = requesters
        self.holder = holder or holder_id()
        self._task: asyncio.Task[None] | None = None

    async def run_round(self) -> RoundReport | None:
        """The jobs, if this instance takes this round's lease; None when another has it."""
        ttl = timedelta(seconds=self.interval * 0.9)
        if not await leases.acquire(self.store, JOBS_LEASE, self.holder, ttl):
            return None
        purged = await purge_exclusively(self.store, self.holder)
        notices = await self.notify_due_soon() if self.notify_due_soon is not None else 0
        events = await self.announce_due_soon() if self.announce_due_soon is not None else 0
        requesters = await self.requesters() if self.requesters is not None else 0
        return RoundReport(purged, notices, events, requesters)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.run_round()
            except GatewayError as exc:
                # A store that is down now is retried next round; nothing is lost by waiting.
                log.warning("records jobs skipped this round: %s", exc.code)
            except Exception as exc:
                log.error("records jobs failed: %s", type(exc).__name__)
