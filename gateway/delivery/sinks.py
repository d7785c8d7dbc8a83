"""Sinks: where the gateway puts each record before it answers the widget.

Sinks are configured per service (``GATEWAY_CONSENT_SINK``, ``GATEWAY_RIGHTS_SINK``), one or
more, comma-separated:

- ``database`` — the records store (:mod:`gateway.records`), the built-in consent and rights
  service; the default wherever there is a store (always on the embedded default);
- ``file:///path.jsonl`` — JSON lines on local disk (also written on the embedded default, in
  the data folder);
- ``redis-stream://NAME`` — a Redis stream the service consumes with its own consumer group;
- ``http(s)://…`` — the service's endpoint, fed through a durable queue (the Redis outbox, or a
  file spool without Redis) by the delivery workers of :mod:`gateway.delivery.workers`.

Whatever the kind, ``write`` returns only once the record is durable (in every sink of the
service, when there are several), and raises
:class:`~gateway.errors.SinkUnavailable` when it cannot be made so (the widget then gets a 503
and retries later).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from redis.asyncio import Redis

from gateway.delivery.envelope import Envelope
from gateway.delivery.file import FileSink
from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.replicas import ReplicaWait
from gateway.delivery.spool import FileSpool
from gateway.delivery.stream import RedisStreamSink
from gateway.settings import Settings

SERVICES = ("consent", "rights")
DATABASE_SINK = "database"


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


def sink_list(value: str | None) -> list[str]:
    """The sink URLs of a comma-separated sink setting, each once (empty: unset, the default)."""
    return list(dict.fromkeys(part.strip() for part in (value or "").split(",") if part.strip()))


def sink_urls(settings: Settings, service: str) -> list[str]:
    """The sinks configured for ``service``, or its defaults: the records store where there is
    one, and the data folder's JSON-lines file on the embedded default or without a store."""
    configured = sink_list(getattr(settings, f"{service}_sink"))
    if configured:
        return configured
    default_file = f"file://{(settings.data_dir / f'{service}.jsonl').absolute()}"
    has_store = settings.database_url is not None or settings.embedded
    urls = [DATABASE_SINK] if has_store else []
    if settings.embedded or not has_store:
        urls.append(default_file)
    return urls


def build_sink(
    settings: Settings,
    service: str,
    redis: Redis | None,
    url: str,
    database: Callable[[str], Sink] | None = None,
) -> Sink:
    if url == DATABASE_SINK:
        if database is None:
            raise ValueError("a database sink needs the records store")
        return database(service)
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
    spool = FileSpool(settings.data_dir / "spool" / service, service)
    if redis is None:
        return HttpSink(service, url, spool)
    wait = ReplicaWait.from_settings(settings)
    queue: Any = RedisOutbox(redis, service, claim_idle=settings.delivery_claim_idle, wait=wait)
    return HttpSink(service, url, queue, backup=spool if wait is not None else None)


def build_sinks(
    settings: Settings, redis: Redis | None, database: Callable[[str], Sink] | None = None
) -> dict[str, Sink]:
    """One sink per service (``"consent"``, ``"rights"``), as the settings say; a service with
    several gets a :class:`SinkGroup`. ``database`` makes the ``database`` sink of a service;
    without it, database sinks are left out (for tools that work on the other kinds only)."""
    out: dict[str, Sink] = {}
    for service in SERVICES:
        parts = [
            build_sink(settings, service, redis, url, database)
            for url in sink_urls(settings, service)
            if database is not None or url != DATABASE_SINK
        ]
        if parts:
            out[service] = parts[0] if len(parts) == 1 else SinkGroup(service, parts)
    return out


class SinkGroup:
    """Several sinks of one service: a record is written to all of them before ``write``
    returns. A failure in one fails the write (the widget sends the record again later; every
    sink keeps records idempotent by id, or delivers them with their id)."""

    def __init__(self, service: str, parts: Sequence[Sink]) -> None:
        self.service = service
        self.parts = tuple(parts)

    @property
    def label(self) -> str:
        return ", ".join(part.label for part in self.parts)

    async def write(self, record: Envelope) -> None:
        if not all(hasattr(part, "enqueue") for part in self.parts):
            results = await asyncio.gather(
                *(part.write(record) for part in self.parts), return_exceptions=True
            )
        else:
            # Sinks that batch (the file, the records store) queue the record at once and settle
            # a future when it is durable: no task per sink and record, and one wait for all.
            results = []
            queued: list[asyncio.Future[None]] = []
            for part in self.parts:
                try:
                    queued.append(part.enqueue(record))  # type: ignore[attr-defined]
                except Exception as exc:
                    results.append(exc)
            await _all_settled(queued)
            for future in queued:
                if future.cancelled():
                    raise asyncio.CancelledError
                results.append(future.exception())
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def check(self) -> bool:
        return all(await asyncio.gather(*(part.check() for part in self.parts)))

    async def close(self) -> None:
        for part in self.parts:
            await part.close()


async def _all_settled(futures: Sequence[asyncio.Future[None]]) -> None:
    """Return once every future is done. The caller waits on a future of its own: if it gives up
    (its client left), only that one is cancelled, never the writes."""
    pending = [f for f in futures if not f.done()]
    if not pending:
        return
    settled = asyncio.get_running_loop().create_future()
    left = len(pending)

    def one_done(_: asyncio.Future[None]) -> None:
        nonlocal left
        left -= 1
        if left == 0 and not settled.done():
            settled.set_result(None)

    for future in pending:
        future.add_done_callback(one_done)
    await settled


def each_sink(sinks: Iterable[Sink]) -> list[Sink]:
    """Every single sink in ``sinks``, groups opened up (for delivery workers, the CLI)."""
    out: list[Sink] = []
    for sink in sinks:
        out.extend(sink.parts if isinstance(sink, SinkGroup) else (sink,))
    return out
