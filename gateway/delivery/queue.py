"""What the outbox (Redis) and the spool (files) have in common: entries waiting for delivery.

An HTTP sink never posts while a widget waits. It appends the record to a durable queue and
answers; delivery workers take entries from that queue, post them, and then mark each one done,
schedule it for a retry, or bury it in the dead-letter store. Both queues keep every entry in
exactly one of those places at every moment, so a crash at any point loses nothing (at worst an
entry is posted twice, which the idempotency key makes harmless).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from gateway.delivery.envelope import Envelope


@dataclass(frozen=True)
class Entry:
    """One record waiting for delivery, as a worker sees it."""

    entry_id: str
    record: Envelope
    # Failed attempts so far.
    attempts: int
    # When the record entered the queue (epoch seconds); replay from dead-letter resets it.
    queued_at: float
    last_error: str = ""

    @property
    def record_id(self) -> str:
        return self.record.id

    def to_json(self) -> dict[str, Any]:
        """The entry as stored in the outbox or the spool."""
        return {
            "envelope": self.record.to_json(),
            "attempts": self.attempts,
            "queued_at": self.queued_at,
            "last_error": self.last_error,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, entry_id: str, data: Mapping[str, Any]) -> Entry:
        if "envelope" in data:
            record = Envelope.from_json(data["envelope"])
        else:  # queued by a release before envelopes
            record = Envelope.from_queued_record(data["record"], str(data["rid"]))
        return cls(
            entry_id=entry_id,
            record=record,
            attempts=int(data.get("attempts", 0)),
            queued_at=float(data["queued_at"]),
            last_error=str(data.get("last_error", "")),
        )

    @classmethod
    def loads(cls, entry_id: str, raw: str | bytes) -> Entry:
        return cls.from_json(entry_id, json.loads(raw))

    @classmethod
    def new(cls, record: Envelope, now: float) -> Entry:
        return cls(entry_id="", record=record, attempts=0, queued_at=now)

    def failed(self, error: str) -> Entry:
        return replace(self, attempts=self.attempts + 1, last_error=error)


@dataclass(frozen=True)
class DeadEntry:
    """An entry in the dead-letter store: what failed and why (no record content)."""

    dead_id: str
    service: str
    record_id: str
    attempts: int
    queued_at: float
    died_at: float
    reason: str


@dataclass(frozen=True)
class QueueStatus:
    """A queue's figures for ``widget-gateway outbox status`` and the metrics."""

    service: str
    kind: str
    # Entries waiting for a first attempt or for their retry time.
    depth: int
    # Entries a worker holds right now (pending in the consumer group, or locked spool files).
    in_flight: int
    retrying: int
    dead: int
    oldest_age: float | None


class DeliveryQueue(Protocol):
    """A durable queue of entries for one HTTP sink."""

    service: str
    kind: str

    async def add(self, record: Envelope) -> str:
        """Make ``record`` durable; raises :class:`~gateway.errors.SinkUnavailable`."""

    async def take(self, consumer: str, count: int) -> list[Entry]:
        """Entries due for an attempt, now held by ``consumer``."""

    async def done(self, entry: Entry) -> None:
        """The service has the record: forget it."""

    async def retry(self, entry: Entry, at: float) -> None:
        """Attempt ``entry`` (already marked failed) again at ``at`` (epoch seconds)."""

    async def bury(self, entry: Entry, reason: str) -> None:
        """Move ``entry`` to the dead-letter store."""

    async def release(self) -> None:
        """Give back entries this process holds without an answer (on shutdown)."""

    async def status(self) -> QueueStatus: ...

    async def dead(self, limit: int) -> list[DeadEntry]: ...

    async def replay(self, dead_ids: Sequence[str] | None) -> int:
        """Queue dead entries again (all when ``dead_ids`` is None); returns how many."""

    async def ping(self) -> bool:
        """Whether the queue can take records right now."""
