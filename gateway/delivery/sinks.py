"""Sinks: where the gateway puts each record before it answers the widget.

A sink is configured per service (``GATEWAY_CONSENT_SINK``, ``GATEWAY_RIGHTS_SINK``):

- ``file:///path.jsonl`` — JSON lines on local disk (the embedded default, in the data folder);
- ``redis-stream://NAME`` — a Redis stream the service consumes with its own consumer group;
- ``http(s)://…`` — the service's endpoint, fed through a durable queue (the Redis outbox, or a
  file spool without Redis) by the delivery workers of :mod:`gateway.delivery.workers`.

Whatever the kind, ``write`` returns only once the record is durable, and raises
:class:`~gateway.errors.SinkUnavailable` when it cannot be made so (the widget then gets a 503
and retries later).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from redis.asyncio import Redis

from gateway.delivery.envelope import Envelope
from gateway.delivery.file import FileSink
from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.spool import FileSpool
from gateway.delivery.stream import RedisStreamSink
from gateway.settings import Settings

SERVICES = ("consent", "rights")


class Sink(Protocol):
    """Where the records of one service go."""

    service: str

    @property
    def label(self) -> str:
        """The sink's URL without credentials, for status output and logs."""

    async def write(self, record: Envelope) -> None:
        """Store ``record`` durably before returning; raises ``SinkUnavailable``."""

    async def check(self) -> bool:
        """Whether the sink can be reached right now (for ``/readyz``)."""

    async def close(self) -> None: ...


def sink_url(settings: Settings, service: str) -> str:
    """The configured sink URL of ``service``, or the embedded default file."""
    configured: str | None = getattr(settings, f"{service}_sink")
    if configured:
        return configured
    return f"file://{(settings.data_dir / f'{service}.jsonl').absolute()}"


def build_sink(settings: Settings, service: str, redis: Redis | None) -> Sink:
    url = sink_url(settings, service)
    scheme, _, rest = url.partition("://")
    if scheme == "file":
        return FileSink(
            service,
            Path(rest),
            rotate_bytes=settings.sink_rotate_bytes,
            rotate_daily=settings.sink_rotate_daily,
        )
    if scheme == "redis-stream":
        if redis is None:
            raise ValueError("a redis-stream:// sink needs Redis")
        return RedisStreamSink(service, redis, rest.strip("/"))
    if redis is not None:
        queue: Any = RedisOutbox(redis, service, claim_idle=settings.delivery_claim_idle)
    else:
        queue = FileSpool(settings.data_dir / "spool" / service, service)
    return HttpSink(service, url, queue)


def build_sinks(settings: Settings, redis: Redis | None) -> dict[str, Sink]:
    """One sink per service (``"consent"``, ``"rights"``), as the settings say."""
    return {service: build_sink(settings, service, redis) for service in SERVICES}
