"""Delivery workers: post queued records to the services until each one is delivered or dead.

Every gateway instance runs one worker per HTTP sink. A worker takes due entries from the sink's
queue (new ones, retries whose time has come, and entries abandoned by a dead instance), posts
each with

- ``Idempotency-Key``: the record id, so a record posted twice (after a crash between the
  service's answer and our bookkeeping) is stored once;
- ``X-Gateway-Assertion``: the signed assertion of :mod:`gateway.delivery.assertion`, for the
  sink's URL (its audience);
- a timeout,

and then marks it done (``2xx``), schedules a retry with exponential backoff and jitter
(timeouts, connection errors, unreadable answers, ``408``, ``429``, ``5xx``), or buries it in
the dead-letter store (any other status, which retrying would not change; or too many attempts;
or too old).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from gateway.delivery import assertion
from gateway.delivery.http import HttpSink
from gateway.delivery.queue import DeliveryQueue, Entry
from gateway.delivery.sinks import Sink, each_sink
from gateway.errors import GatewayError
from gateway.settings import Settings
from gateway.web.metrics import Metrics

log = logging.getLogger("gateway.delivery")

RETRYABLE_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard workers try; from the ``GATEWAY_DELIVERY_*`` settings."""

    timeout: float = 5.0
    max_attempts: int = 20
    max_age: float = 3 * 86400.0
    backoff: float = 1.0
    backoff_max: float = 300.0
    # How often an idle worker looks for retries that came due and for abandoned entries.
    poll_interval: float = 0.5
    # Entries one worker posts at the same time.
    concurrency: int = 16

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            timeout=settings.delivery_timeout,
            max_attempts=settings.delivery_max_attempts,
            max_age=settings.delivery_max_age,
            backoff=settings.delivery_backoff,
            backoff_max=settings.delivery_backoff_max,
            poll_interval=min(0.5, settings.delivery_backoff),
        )

    def delay(self, failures: int, rand: random.Random) -> float:
        """Seconds before attempt ``failures + 1``: exponential, capped, half of it jittered."""
        ceiling = min(self.backoff_max, self.backoff * 2.0 ** max(0, failures - 1))
        return ceiling / 2 + rand.uniform(0, ceiling / 2)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DEAD = "dead"


@dataclass(frozen=True)
class AttemptResult:
    outcome: Outcome
    # Short and free of record content: "http 503", "timeout", "connection refused".
    detail: str
    retry_after: float | None = None


def classify(response: httpx.Response) -> AttemptResult:
    status = response.status_code
    if 200 <= status < 300:
        return AttemptResult(Outcome.DELIVERED, f"http {status}")
    if status in RETRYABLE_STATUSES or status >= 500:
        retry_after = None
        with contextlib.suppress(ValueError):
            retry_after = float(response.headers.get("Retry-After", ""))
        return AttemptResult(Outcome.RETRY, f"http {status}", retry_after)
    return AttemptResult(Outcome.DEAD, f"http {status}")


async def post_entry(
    client: httpx.AsyncClient,
    url: str,
    entry: Entry,
    signer: assertion.AssertionSigner,
    attempt_no: int,
) -> AttemptResult:
    """One attempt to deliver ``entry``; never raises for what the network or service does."""
    body = entry.record.wire()
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": entry.record.id,
        "X-Gateway-Attempt": str(attempt_no),
    }
    try:
        headers.update(await signer.for_record(entry.record, body, audience=url))
    except GatewayError:  # the assertion keys' store is unreachable: try again later
        return AttemptResult(Outcome.RETRY, "signing key unavailable")
    try:
        response = await client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return AttemptResult(Outcome.RETRY, "timeout")
    except httpx.ConnectError:
        return AttemptResult(Outcome.RETRY, "connection refused")
    except (httpx.HTTPError, OSError) as exc:
        # Garbage on the wire, a connection cut half-way: the service may or may not have it.
        return AttemptResult(Outcome.RETRY, type(exc).__name__)
    return classify(response)


class Counters:
    """Delivered, retried and dead counts of this instance, mirrored into the metrics registry
    as ``gateway_delivery_total{service, outcome}``."""

    def __init__(self, metrics: Metrics | None = None) -> None:
        self.values: dict[tuple[str, str], int] = {}
        self.metrics = metrics

    def add(self, service: str, outcome: str, lag: float | None = None) -> None:
        """Count one outcome; ``lag``: seconds from acceptance to delivery, when delivered."""
        self.values[(service, outcome)] = self.values.get((service, outcome), 0) + 1
        if self.metrics is not None:
            self.metrics.delivered(service, outcome, lag)

    def snapshot(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (service, outcome), n in sorted(self.values.items()):
            out.setdefault(service, {"delivered": 0, "retried": 0, "dead": 0})[outcome] = n
        return out


class Worker:
    """Delivers the entries of one HTTP sink from this instance."""

    def __init__(
        self,
        sink: HttpSink,
        client: httpx.AsyncClient,
        signer: assertion.AssertionSigner,
        policy: DeliveryPolicy,
        counters: Counters,
        consumer: str,
        clock: Callable[[], float] = time.time,
        queue: DeliveryQueue | None = None,
    ) -> None:
        self.sink = sink
        # The sink's queue, or its backup spool (records no replica confirmed).
        self.queue = queue or sink.queue
        # Local writes wake the outbox's worker; the backup's polls (it is rarely written).
        self.wakeup = sink.wakeup if self.queue is sink.queue else asyncio.Event()
        self.client = client
        self.signer = signer
        self.policy = policy
        self.counters = counters
        self.consumer = consumer
        self.clock = clock
        self.rand = random.Random()
        self.in_flight: set[asyncio.Task[None]] = set()
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        """Take and post entries until :meth:`stop` is called.

        The loop ends on ``stopping``, not only on cancellation: on Python 3.11 a cancellation
        that arrives as a Redis command completes is lost inside redis-py (its socket writes go
        through ``asyncio.wait_for``, which then returns the result instead of raising), and a
        loop that only a cancellation can end would then poll forever while shutdown waits.
        """
        while not self.stopping.is_set():
            free = self.policy.concurrency - len(self.in_flight)
            taken: list[Entry] = []
            if free > 0:
                try:
                    taken = await self.queue.take(self.consumer, free)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Redis restarting, a full disk: keep trying, the entries wait where they are.
                    log.warning("%s outbox unavailable: %s", self.sink.service, type(exc).__name__)
                    await asyncio.sleep(self.policy.poll_interval)
                    continue
            if self.stopping.is_set():
                # Not posted: they stay held until stop() hands them back with release().
                return
            for entry in taken:
                task = asyncio.create_task(self.deliver(entry))
                self.in_flight.add(task)
                task.add_done_callback(self.in_flight.discard)
            if taken and len(self.in_flight) < self.policy.concurrency:
                continue
            await self._idle()

    async def _idle(self) -> None:
        """Wait for a local write, a finished delivery, a stop, or the next poll."""
        self.wakeup.clear()
        wakeup = asyncio.ensure_future(self.wakeup.wait())
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait(
                [wakeup, stop, *self.in_flight],
                timeout=self.policy.poll_interval,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            wakeup.cancel()
            stop.cancel()

    async def deliver(self, entry: Entry) -> None:
        result = await post_entry(
            self.client, self.sink.url, entry, self.signer, entry.attempts + 1
        )
        try:
            await self._settle(entry, result)
        except Exception as exc:
            # The entry stays held; after delivery_claim_idle it is taken again (possibly by
            # another instance) and the idempotency key absorbs a second post.
            log.warning(
                "%s record %s: could not record outcome %s: %s",
                self.sink.service,
                entry.record_id,
                result.outcome,
                type(exc).__name__,
            )

    async def _settle(self, entry: Entry, result: AttemptResult) -> None:
        service = self.sink.service
        if result.outcome is Outcome.DELIVERED:
            await self.queue.done(entry)
            self.counters.add(service, "delivered", lag=self.clock() - entry.queued_at)
            return
        failed = entry.failed(result.detail)
        if result.outcome is Outcome.DEAD:
            await self._bury(failed, f"refused: {result.detail}")
            return
        if failed.attempts >= self.policy.max_attempts:
            await self._bury(failed, f"{failed.attempts} attempts, last: {result.detail}")
            return
        delay = self.policy.delay(failed.attempts, self.rand)
        if result.retry_after is not None:
            delay = max(delay, min(result.retry_after, self.policy.backoff_max))
        now = self.clock()
        if now + delay - entry.queued_at > self.policy.max_age:
            await self._bury(failed, f"older than {self.policy.max_age:g}s, last: {result.detail}")
            return
        await self.queue.retry(failed, now + delay)
        self.counters.add(service, "retried")
        log.info("%s record %s: %s, retry in %.1fs", service, entry.record_id, result.detail, delay)

    async def _bury(self, entry: Entry, reason: str) -> None:
        await self.queue.bury(entry, reason)
        self.counters.add(self.sink.service, "dead")
        log.warning("%s record %s dead-lettered: %s", self.sink.service, entry.record_id, reason)

    async def stop(self) -> None:
        """Abandon the deliveries in flight and give their entries back (after :meth:`run`
        has ended)."""
        self.stopping.set()
        for task in list(self.in_flight):
            task.cancel()
        # A delivery whose cancellation is lost still ends: it has no loop, only one post (with
        # a timeout) and its bookkeeping.
        await asyncio.gather(*self.in_flight, return_exceptions=True)
        await hand_back(self.queue, f"{self.sink.service} outbox")


async def hand_back(queue: DeliveryQueue, what: str) -> None:
    """Give back at once what this process's consumers hold (on a graceful stop). With Redis
    gone at shutdown the entries stay held, and another instance claims them after
    ``claim_idle``: logged, never raised."""
    try:
        await queue.release()
    except Exception as exc:
        log.warning("%s: could not hand entries back: %s", what, type(exc).__name__)


class DeliveryHandle:
    """The running workers of one instance; the app's lifespan stops them."""

    def __init__(self, workers: list[Worker], client: httpx.AsyncClient, counters: Counters):
        self.workers = workers
        self.client = client
        self.counters = counters
        self.tasks = [asyncio.create_task(w.run()) for w in workers]

    def snapshot(self) -> dict[str, dict[str, int]]:
        """``{service: {"delivered": n, "retried": n, "dead": n}}`` for this instance, every
        service listed (at zero) from the start."""
        out = {w.sink.service: {"delivered": 0, "retried": 0, "dead": 0} for w in self.workers}
        out.update(self.counters.snapshot())
        return out

    async def stop(self) -> None:
        for worker in self.workers:
            worker.stopping.set()
        # Cancelling interrupts a take in progress; should the queue's client lose the
        # cancellation, the loop still ends at its next check of ``stopping``.
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for worker in self.workers:
            await worker.stop()
        await self.client.aclose()


def consumer_name() -> str:
    """This instance's name in the consumer group: host, process and a random part."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


def start_workers(
    sinks: Iterable[Any],
    signer: assertion.AssertionSigner,
    policy: DeliveryPolicy,
    *,
    counters: Counters | None = None,
    consumer: str | None = None,
) -> DeliveryHandle:
    """Start a worker for every HTTP sink in ``sinks`` (other kinds need none), and one for
    the backup spool of each sink that has one."""
    client = httpx.AsyncClient(timeout=policy.timeout, follow_redirects=False)
    counters = counters or Counters()
    name = consumer or consumer_name()
    workers = []
    for sink in sinks:
        if isinstance(sink, HttpSink):
            queues = [q for q in (sink.queue, sink.backup) if q is not None]
            for queue in queues:
                workers.append(Worker(sink, client, signer, policy, counters, name, queue=queue))
    return DeliveryHandle(workers, client, counters)


def start_delivery(
    sinks: Mapping[str, Sink],
    signer: assertion.AssertionSigner,
    settings: Settings,
    metrics: Metrics,
) -> DeliveryHandle:
    """Start this instance's delivery workers for the HTTP ``sinks`` (called in the lifespan)."""
    for sink in each_sink(sinks.values()):
        if isinstance(sink, HttpSink):
            sink.on_unreplicated = metrics.outbox_unreplicated
    return start_workers(
        each_sink(sinks.values()),
        signer,
        DeliveryPolicy.from_settings(settings),
        counters=Counters(metrics),
    )
