"""Waiting for a replica to hold an outbox write before the widget hears ``2xx``.

Redis replicates asynchronously: a master acknowledges ``XADD`` before its replicas have the
entry, and a master that dies in that instant takes the record with it although the widget was
told it was accepted. On a replicated topology (Sentinel, Cluster) the outbox therefore follows
each write with ``WAIT numreplicas timeout`` on the same connection, in the same round trip
(:func:`gateway.redis_client.write_and_wait`).

When fewer replicas confirm in time (a replica is down or far behind, or the master is dying),
the record is **kept** — it stays in the outbox, where it is delivered if the master lives — and
is **also** written to this instance's file spool, whose worker delivers it too. The service
gets it once either way: both copies carry the record id as their ``Idempotency-Key``. The
widget gets its ``2xx``; only a write that failed outright is answered ``503``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway import redis_client
from gateway.settings import Settings


@dataclass(frozen=True)
class ReplicaWait:
    """How many replicas must confirm an outbox write, and how long to wait for them."""

    replicas: int
    timeout_ms: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ReplicaWait | None:
        """The wait for a Sentinel or Cluster URL; None on a single Redis or when turned off."""
        if not redis_client.is_replicated(settings) or settings.redis_wait_replicas == 0:
            return None
        return cls(settings.redis_wait_replicas, max(1, round(settings.redis_wait_timeout * 1000)))


class Unreplicated(Exception):
    """The master holds the write; fewer replicas than asked confirmed it in time."""

    def __init__(self, entry_id: str, confirmed: int) -> None:
        self.entry_id = entry_id
        self.confirmed = confirmed
        super().__init__(f"{confirmed} replicas confirmed outbox entry {entry_id}")
