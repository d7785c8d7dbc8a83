"""The ``http(s)://`` sink: records go to a durable queue, delivery workers post them.

``write`` only appends to the queue (the Redis outbox, or the file spool without Redis), so a
slow or absent service never slows a widget down or loses its record. ``check`` also probes the
service, so ``/readyz`` shows one that cannot be reached while records keep being accepted.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from gateway.delivery.envelope import Envelope
from gateway.delivery.queue import DeliveryQueue

PROBE_TIMEOUT = 1.0


class HttpSink:
    """An HTTP endpoint of a service, fed through ``queue``."""

    def __init__(self, service: str, url: str, queue: DeliveryQueue) -> None:
        self.service = service
        self.url = url
        self.queue = queue
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
        await self.queue.add(record)
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
