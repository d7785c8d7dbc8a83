"""The ``http(s)://`` sink: records go to a durable queue, delivery workers post them.

``write`` only appends to the queue (the Redis outbox, or the file spool without Redis), so a
slow or absent service never slows a widget down or loses its record. ``check`` also probes the
service, so ``/readyz`` shows one that cannot be reached while records keep being accepted.
On Sentinel and Cluster, a record that no replica confirmed in time is also written to the
``backup`` spool (:mod:`gateway.delivery.replicas`), which the workers drain as well.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from gateway.delivery.envelope import Envelope
from gateway.delivery.queue import DeliveryQueue
from gateway.delivery.replicas import Unreplicated

log = logging.getLogger("gateway.delivery")

PROBE_TIMEOUT = 1.0


class HttpSink:
    """An HTTP endpoint of a service, fed through ``queue``."""

    def __init__(
        self, service: str, url: str, queue: DeliveryQueue, backup: DeliveryQueue | None = None
    ) -> None:
        self.service = service
        self.url = url
        self.queue = queue
        self.backup = backup
        # Told the service of each record written to ``backup`` (the metrics).
        self.on_unreplicated: Callable[[str], None] | None = None
        self.wakeup = asyncio.Event()
        self._probe: httpx.AsyncClient | None = None

    @property
    def label(self) -> str:
        # Scheme, host and path only: a URL may carry credentials.
        parts = urlsplit(self.url)
        return (
            f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}{parts.path}"
        )

    async def write(self, record: Envelope) -> None:
        try:
            await self.queue.add(record)
        except Unreplicated as exc:
            if self.backup is None:
                raise
            # Kept in the outbox (delivered if its master lives) and in the local spool (if
            # not); the record id as idempotency key makes the service store it once.
            await self.backup.add(record)
            if self.on_unreplicated is not None:
                self.on_unreplicated(self.service)
            log.warning(
                "%s record %s: %d replicas confirmed it in time; also spooled locally",
                self.service,
                record.id,
                exc.confirmed,
            )
        # The local workers need not wait for their next poll.
        self.wakeup.set()

    async def check(self) -> bool:
        """True when the queue takes records and the service answers at all."""
        if not await self.queue.ping():
            return False
        if self._probe is None:
            self._probe = httpx.AsyncClient(timeout=PROBE_TIMEOUT)
        try:
            await self._probe.request("HEAD", self.url)
        except httpx.HTTPError:
            return False
        return True

    async def close(self) -> None:
        if self._probe is not None:
            await self._probe.aclose()
            self._probe = None
