"""The durable queue of outgoing mail and the worker that empties it.

The queue is one of the delivery queues the HTTP sinks use, for a service named ``mail``: the
file spool (``DATA_DIR/spool/mail/``, one fsynced file per message, written by temp file + fsync
+ rename) on the embedded default, or the Redis outbox (stream ``wg:outbox:{mail}``, consumer
group, retry set, dead-letter stream) with Redis. :meth:`MailQueue.enqueue` returns once the
message is durable there, so a crash or a restart after it loses nothing.

:class:`MailWorker` takes due messages in batches and hands them to its transport (one SMTP
connection for the batch). A temporary failure is retried with exponential backoff and jitter;
a permanent one, or one still failing past the maximum age, goes to the dead letters. Logs name
a message by its Message-ID only, never by an address.
"""

from __future__ import annotations

import asyncio
import logging
import random

from gateway import problems as rule
from gateway.clock import Clock, system_clock
from gateway.delivery.queue import DeliveryQueue, Entry
from gateway.delivery.workers import (
    AttemptResult,
    DeliveryPolicy,
    Outcome,
    consumer_name,
    hand_back,
)
from gateway.errors import InvalidPayload
from gateway.mail.address import invalid
from gateway.mail.message import Mail, build_message
from gateway.mail.transport import CONNECTION_FAILED, Transport

log = logging.getLogger("gateway.mail")

SERVICE = "mail"


async def hand_over(
    transport: Transport, mail: Mail, sender: tuple[str, str], date: float
) -> AttemptResult:
    """One attempt to give ``mail``, built as from ``sender`` and dated ``date``, to
    ``transport``: the worker's for a queued message, the mailer's for the folder."""
    message = build_message(mail, sender, date)
    return await transport.send(message, sender[1], mail.to)


class MailQueue:
    """Messages waiting to be sent; ``wakeup`` is set when one arrives from this process."""

    def __init__(self, queue: DeliveryQueue, clock: Clock = system_clock) -> None:
        self.queue = queue
        self.clock = clock
        self.wakeup = asyncio.Event()

    async def enqueue(self, mail: Mail) -> str:
        """Make ``mail`` (which has its Message-ID) durable; returns the Message-ID. Raises
        :class:`~gateway.errors.SinkUnavailable` (a 503) when it cannot be stored."""
        if not mail.message_id:
            raise invalid("message_id", rule.MISSING, "a queued message needs its Message-ID")
        await self.queue.add(mail.envelope(self.clock()))
        self.wakeup.set()
        return mail.message_id


class MailWorker:
    """Sends the messages of one queue through one transport, from this process.

    ``policy`` is the delivery policy read for mail: ``backoff``/``backoff_max`` between attempts,
    ``max_age`` before a message is given up, ``concurrency`` as the batch size, ``timeout`` as
    how long :meth:`stop` lets a batch in progress finish.
    """

    def __init__(
        self,
        queue: MailQueue,
        transport: Transport,
        sender: tuple[str, str],
        policy: DeliveryPolicy,
        *,
        consumer: str | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.queue = queue
        self.store = queue.queue
        self.transport = transport
        self.sender = sender
        self.policy = policy
        self.consumer = consumer or consumer_name()
        self.clock = clock
        self.rand = random.Random()
        self.stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def run(self) -> None:
        """Take and send batches until :meth:`stop`."""
        while not self.stopping.is_set():
            try:
                batch = await self.store.take(self.consumer, self.policy.concurrency)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Redis restarting, a full disk: the messages wait where they are.
                log.warning("mail queue unavailable: %s", type(exc).__name__)
                await self._idle()
                continue
            if self.stopping.is_set():
                return  # what was taken stays held until release()
            if batch:
                await self._send_batch(batch)
            else:
                await self._idle()

    async def _idle(self) -> None:
        """Wait for a local enqueue, a stop, or the next poll (retries coming due, other
        instances' messages)."""
        self.queue.wakeup.clear()
        waits = [
            asyncio.ensure_future(self.queue.wakeup.wait()),
            asyncio.ensure_future(self.stopping.wait()),
        ]
        try:
            await asyncio.wait(
                waits, timeout=self.policy.poll_interval, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiting in waits:
                waiting.cancel()

    async def _send_batch(self, batch: list[Entry]) -> None:
        try:
            for index, entry in enumerate(batch):
                if self.stopping.is_set():
                    return
                result = await self._attempt(entry)
                await self._settle(entry, result)
                if result.outcome is Outcome.RETRY and result.detail.startswith(CONNECTION_FAILED):
                    # The server is not there: the rest of the batch would only fail the same way.
                    for rest in batch[index + 1 :]:
                        await self._settle(rest, result)
                    return
        finally:
            await self.transport.finish()

    async def _attempt(self, entry: Entry) -> AttemptResult:
        try:
            mail = Mail.from_envelope(entry.record)
        except InvalidPayload:
            return AttemptResult(Outcome.DEAD, "unreadable queued message")
        return await hand_over(self.transport, mail, self.sender, entry.queued_at)

    async def _settle(self, entry: Entry, result: AttemptResult) -> None:
        try:
            await self._record(entry, result)
        except Exception as exc:
            # The message stays held; it is taken again (Redis: after the claim time; spool:
            # once this process lets go), so it may be sent twice but is never lost.
            log.warning(
                "mail %s: could not record %s: %s",
                entry.record_id,
                result.outcome,
                type(exc).__name__,
            )

    async def _record(self, entry: Entry, result: AttemptResult) -> None:
        if result.outcome is Outcome.DELIVERED:
            await self.store.done(entry)
            log.info("mail %s sent via %s", entry.record_id, self.transport.label)
            return
        failed = entry.failed(result.detail)
        if result.outcome is Outcome.DEAD:
            await self._bury(failed, f"refused: {result.detail}")
            return
        delay = self.policy.delay(failed.attempts, self.rand)
        now = self.clock()
        if now + delay - entry.queued_at > self.policy.max_age:
            reason = f"older than {self.policy.max_age:g}s, last: {result.detail}"
            await self._bury(failed, reason)
            return
        await self.store.retry(failed, now + delay)
        log.info("mail %s: %s, retry in %.1fs", entry.record_id, result.detail, delay)

    async def _bury(self, entry: Entry, reason: str) -> None:
        await self.store.bury(entry, reason)
        log.warning("mail %s dead-lettered: %s", entry.record_id, reason)

    async def stop(self) -> None:
        """Let a batch in progress finish (within ``policy.timeout``), then give back what this
        process still holds."""
        self.stopping.set()
        if self._task is not None:
            done, _ = await asyncio.wait([self._task], timeout=self.policy.timeout)
            if not done:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.transport.finish()
        await hand_back(self.store, "mail queue")
