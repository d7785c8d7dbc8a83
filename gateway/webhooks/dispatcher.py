"""The webhook workers: every instance claims due deliveries, sends them, and settles each one.

A round claims up to ``concurrency`` deliveries under a lease (:mod:`gateway.webhooks.leases`),
sends them at the same time, and records each attempt. A failure (timeout, connection error, an
address the policy refuses, any status but ``2xx``) is tried again after an exponential backoff
with jitter — ``backoff * 2^(n-1)`` capped at ``backoff_max``, of which the second half is
random, so receivers coming back are not hit by every retry at once — until ``max_attempts``,
when the delivery is dead (replayable from the API and the console). ``410 Gone`` is dead at
once. Rounds follow each other while there is work; otherwise the worker waits for a wake-up
(an event queued by this process) or the poll interval.

The scan for requests coming due is not run here: it is one of the records store's periodic
jobs (:mod:`gateway.records.jobs`), run by one instance per round under a database lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from gateway.webhooks import leases, sender
from gateway.webhooks.model import DEAD, DELIVERED, Claimed
from gateway.webhooks.store import WebhookStore
from gateway.webhooks.urls import UrlPolicy

log = logging.getLogger("gateway.webhooks")


@dataclass(frozen=True)
class RetryPolicy:
    timeout: float = 10.0
    max_attempts: int = 12
    backoff: float = 30.0
    backoff_max: float = 21_600.0
    poll_interval: float = 1.0
    concurrency: int = 8

    @property
    def lease(self) -> float:
        """How long a claim holds: an attempt's timeout, its DNS lookup and bookkeeping, twice."""
        return 2 * self.timeout + 30.0

    def delay(self, failures: int, rand: random.Random) -> float:
        """Seconds before the attempt after ``failures`` failed ones."""
        ceiling = min(self.backoff_max, self.backoff * 2.0 ** max(0, failures - 1))
        return ceiling / 2 + rand.uniform(0, ceiling / 2)


class Dispatcher:
    """Sends the webhook deliveries that came due, from this instance."""

    def __init__(
        self,
        store: WebhookStore,
        policy: RetryPolicy,
        urls: UrlPolicy,
    ) -> None:
        self.store = store
        self.policy = policy
        self.urls = urls
        self.rand = random.Random()
        self.wakeup = asyncio.Event()
        self.stopping = asyncio.Event()
        self.client = httpx.AsyncClient(
            timeout=policy.timeout, follow_redirects=False, trust_env=False
        )
        self._task: asyncio.Task[None] | None = None
        # Told each settled attempt's outcome: delivered, retry or dead (the metrics).
        self.on_attempt: Callable[[str], None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    def wake(self) -> None:
        self.wakeup.set()

    async def run(self) -> None:
        while not self.stopping.is_set():
            try:
                sent = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A database restarting: the deliveries wait where they are.
                log.warning("webhook outbox unavailable: %s", type(exc).__name__)
                sent = 0
            if not sent:
                await self._idle()

    async def run_once(self) -> int:
        """One round: claim, send, settle; how many deliveries it attempted."""
        claimed = await leases.claim(self.store, self.policy.concurrency, self.policy.lease)
        if claimed:
            await asyncio.gather(*(self._deliver(c) for c in claimed))
        return len(claimed)

    async def _deliver(self, claimed: Claimed) -> None:
        started = self.store.clock()
        result = await sender.attempt(self.client, claimed, self.urls, started)
        delay = self.policy.delay(claimed.attempts + 1, self.rand)
        try:
            status = await leases.settle(
                self.store,
                claimed,
                result,
                started=started,
                max_attempts=self.policy.max_attempts,
                delay=delay,
            )
        except Exception as exc:
            # The lease runs out and the delivery is claimed again: sent twice, never lost.
            log.warning(
                "webhook delivery %s: outcome not recorded: %s", claimed.id, type(exc).__name__
            )
            return
        if status is not None and self.on_attempt is not None:
            self.on_attempt(status if status in (DELIVERED, DEAD) else "retry")
        if status is None:
            log.warning(
                "webhook delivery %s: lease lost before its outcome was recorded", claimed.id
            )
        elif result.outcome != DELIVERED:
            log.info(
                "webhook delivery %s: %s (%s), now %s",
                claimed.id,
                result.status_code or result.error,
                result.outcome,
                status,
            )

    async def _idle(self) -> None:
        self.wakeup.clear()
        waits = [
            asyncio.ensure_future(self.wakeup.wait()),
            asyncio.ensure_future(self.stopping.wait()),
        ]
        try:
            await asyncio.wait(
                waits, timeout=self.policy.poll_interval, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiting in waits:
                waiting.cancel()

    async def stop(self) -> None:
        """Let a round in progress end (within the attempt timeout), then close the client.
        A round cut short leaves its leases to run out: those deliveries are sent again."""
        self.stopping.set()
        if self._task is not None:
            done, _ = await asyncio.wait([self._task], timeout=self.policy.timeout + 1)
            if not done:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        await self.client.aclose()
