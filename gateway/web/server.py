"""The HTTP server under the app: uvicorn, with bounds on what one connection may send.

uvicorn's httptools protocol has no limit on a request head's size or field count and no deadline
to send it, and httptools buffers a header value (by repeated concatenation) until it is
complete: one client streaming a huge header stalls the event loop and holds the memory. The two
protocols here, one per parser uvicorn offers, count a head's bytes as they arrive, *before* the
parser buffers them, and refuse past :attr:`WireLimits.max_header_bytes` or
:attr:`WireLimits.max_header_fields` with ``431``; a head and a body each get a deadline
(``408``). Every refusal, and a request the parser cannot read (``400``), is answered with a
problem+json body, and the connection is closed. So is a request past uvicorn's concurrency
bound (``503``), which uvicorn itself would answer in plain text.

``widget-gateway serve`` builds its :class:`GatewayServerConfig` with :func:`bounded_options`,
which also sets uvicorn's concurrency and keep-alive bounds from the settings. The limits travel
in the config, so worker processes (which receive it pickled) enforce the same ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import h11
import uvicorn
from h11._util import Sentinel
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from gateway.errors import (
    GatewayError,
    HeadersTooLarge,
    MalformedRequest,
    RequestTimeout,
)
from gateway.settings import Settings
from gateway.web.refusals import busy, problem_bytes

# Seconds an idle keep-alive connection stays open once the server stops, to answer a request
# already on its way (with ``Connection: close``) rather than meet it with a closed socket.
SHUTDOWN_LINGER = 1.0

PROTOCOLS = {
    "h11": "gateway.web.server:BoundedH11Protocol",
    "httptools": "gateway.web.server:BoundedHttpToolsProtocol",
}


@dataclass(frozen=True)
class WireLimits:
    """What one request may send before the app sees it, and how slowly."""

    max_header_bytes: int = 16_384
    max_header_fields: int = 100
    header_timeout: float = 10.0
    body_timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> WireLimits:
        return cls(
            max_header_bytes=settings.max_header_bytes,
            max_header_fields=settings.max_header_fields,
            header_timeout=settings.header_timeout,
            body_timeout=settings.body_timeout,
        )


class GatewayServerConfig(uvicorn.Config):
    """uvicorn's config carrying the gateway's :class:`WireLimits` to every protocol instance."""

    def __init__(self, *args: Any, wire: WireLimits, **kwargs: Any) -> None:
        self.wire = wire
        super().__init__(*args, **kwargs)


log = logging.getLogger("gateway.server")


def _too_large(what: str) -> HeadersTooLarge:
    return HeadersTooLarge(f"the request {what}; send fewer or shorter header fields")


class _WireBounds:
    """Head size, field count and deadlines, shared by both protocols.

    The protocol says when a head is complete (:meth:`_head_done`) and when a message is
    (:meth:`_message_done`); everything else is here.
    """

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    app: Any
    limit_concurrency: int | None
    connections: set[Any]
    tasks: set[Any]

    def _init_bounds(self, config: uvicorn.Config) -> None:
        self.wire: WireLimits = getattr(config, "wire", WireLimits())
        self._timer: asyncio.TimerHandle | None = None
        self._stopping = False
        self._linger: asyncio.TimerHandle | None = None
        self._refused = False
        self._reading_head = True
        self._head_bytes = 0
        self._fields = 0

    def _arm(self, seconds: float, phase: str) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._late, phase)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _late(self, phase: str) -> None:
        self._timer = None
        if phase == "body" and self._response_started():
            self.transport.close()  # the app answered already; nothing more can be said
            return
        self._refuse(RequestTimeout(f"the request {phase} was not received in time"))

    def _response_started(self) -> bool:
        raise NotImplementedError

    def _idle(self) -> bool:
        raise NotImplementedError

    def _last_response(self) -> None:
        """Make the request being answered the connection's last (``Connection: close``)."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """The server stops (SIGTERM). uvicorn closes idle keep-alive connections at once, but
        a client may have sent its next request on one already: it would meet a closed
        connection (or a reset, if its bytes arrive as the socket closes). Here a connection
        answering a request answers it with ``Connection: close``; an idle one stays open for
        :data:`SHUTDOWN_LINGER` seconds to answer a request on its way the same way, and closes
        then if none came."""
        self._stopping = True
        if self._idle() and self._head_bytes == 0:
            self._linger = self.loop.call_later(SHUTDOWN_LINGER, self._close_if_idle)
        else:
            self._last_response()

    def _close_if_idle(self) -> None:
        self._linger = None
        if self.transport.is_closing():
            return
        if self._idle() and self._head_bytes == 0:
            self.transport.close()
        else:
            self._last_response()  # a request came meanwhile: its answer closes the connection

    def _stop_lingering(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None

    def _refuse(self, error: GatewayError) -> None:
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        self._disarm()
        self.transport.write(problem_bytes(error))
        self.transport.close()

    def _start_requests(self, start: Callable[[], None]) -> None:
        """Run uvicorn's code that starts the app for a request (``start``); past the
        concurrency bound, the app it starts answers ``503`` in problem+json instead.

        uvicorn decides between the app and its plain-text refusal inside that code, reading
        ``self.app`` and ``self.limit_concurrency``: both are swapped for the one call."""
        limit = self.limit_concurrency
        if limit is None or (len(self.connections) < limit and len(self.tasks) < limit):
            start()
            return
        log.warning("concurrency limit reached: answering 503")
        app = self.app
        self.app, self.limit_concurrency = busy, None
        try:
            start()
        finally:
            self.app, self.limit_concurrency = app, limit

    def _count_field(self) -> bool:
        """Count one header field; False (and the request refused) past the bound."""
        self._fields += 1
        if self._fields > self.wire.max_header_fields:
            self._refuse(_too_large(f"has more than {self.wire.max_header_fields} header fields"))
            return False
        return True

    def _feed(self, data: bytes, feed: Callable[[bytes], None]) -> None:
        """Hand ``data`` to the parser; a head never gets more than the bound's bytes in."""
        view = memoryview(data)
        while view and not self._refused:
            if not self._reading_head:
                feed(bytes(view))
                return
            room = self.wire.max_header_bytes - self._head_bytes
            if room <= 0:
                self._refuse(_too_large(f"head is longer than {self.wire.max_header_bytes} bytes"))
                return
            if self._timer is None:
                self._arm(self.wire.header_timeout, "head")
            chunk, view = view[:room], view[room:]
            self._head_bytes += len(chunk)
            feed(bytes(chunk))

    def _head_done(self) -> None:
        self._reading_head = False
        self._arm(self.wire.body_timeout, "body")

    def _request_started(self) -> None:
        """A request's cycle exists: during a stop it is the connection's last."""
        if self._stopping:
            self._last_response()

    def _message_done(self) -> None:
        self._disarm()
        self._reading_head = True
        self._head_bytes = 0
        self._fields = 0


class BoundedH11Protocol(_WireBounds, H11Protocol):
    """uvicorn's h11 protocol with the gateway's wire bounds and problem+json refusals."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._init_bounds(config)
        self.conn = _CountingConnection(
            self, h11.SERVER, max_incomplete_event_size=self.wire.max_header_bytes + 1
        )
        self._last_state: type[Sentinel] = h11.IDLE

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.wire.header_timeout, "head")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._stop_lingering()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        self._feed(data, self._parse)

    def _parse(self, chunk: bytes) -> None:
        self.conn.receive_data(chunk)
        self.handle_events()
        if self.cycle is not None and not self.cycle.response_complete:
            self._request_started()
        # h11 has no callbacks: the phase is read from its state after each chunk.
        state = self.conn.their_state
        if state is not self._last_state:
            if state is h11.SEND_BODY:
                self._head_done()
            elif state in (h11.DONE, h11.MUST_CLOSE, h11.IDLE):
                self._message_done()
            self._last_state = state

    def handle_events(self) -> None:
        self._start_requests(super().handle_events)

    def _response_started(self) -> bool:
        return self.cycle is not None and self.cycle.response_started

    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _last_response(self) -> None:
        if self.cycle is not None:
            self.cycle.keep_alive = False

    def send_400_response(self, msg: str) -> None:
        status = getattr(self.conn, "refusal_status", 400)
        if status == 431:
            self._refuse(_too_large(f"head is longer than {self.wire.max_header_bytes} bytes"))
        else:
            self._refuse(MalformedRequest("the bytes received are not an HTTP/1.1 request"))


class _CountingConnection(h11.Connection):
    """An h11 connection that refuses a request with too many header fields, and remembers the
    status h11 suggested for the last protocol error."""

    def __init__(self, owner: BoundedH11Protocol, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.refusal_status = 400

    def next_event(self) -> Any:
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.refusal_status = exc.error_status_hint
            raise
        if isinstance(event, h11.Request):
            limit = self.owner.wire.max_header_fields
            if len(event.headers) > limit:
                self.refusal_status = 431
                raise h11.RemoteProtocolError("too many header fields", error_status_hint=431)
        return event


class _FieldLimitReached(Exception):
    """Raised through httptools to stop it once a request was refused for its field count."""


class BoundedHttpToolsProtocol(_WireBounds, HttpToolsProtocol):
    """uvicorn's httptools protocol with the gateway's wire bounds and problem+json refusals."""

    def __init__(self, config: uvicorn.Config, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._init_bounds(config)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.wire.header_timeout, "head")

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._stop_lingering()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._feed(data, super().data_received)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._count_field():
            raise _FieldLimitReached  # the parser stops; send_400_response then stays quiet
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_done()
        self._start_requests(super().on_headers_complete)
        self._request_started()

    def on_message_complete(self) -> None:
        self._message_done()
        super().on_message_complete()

    def _response_started(self) -> bool:
        return self.cycle is not None and self.cycle.response_started

    def _idle(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _last_response(self) -> None:
        if self.cycle is not None:
            self.cycle.keep_alive = False

    def send_400_response(self, msg: str) -> None:
        self._refuse(MalformedRequest("the bytes received are not an HTTP/1.1 request"))


def pick_protocol(http: str) -> str:
    """The protocol class (as an import string) for ``http``: ``auto`` is httptools."""
    return PROTOCOLS["httptools" if http == "auto" else http]


def bounded_options(settings: Settings, http: str = "auto") -> dict[str, Any]:
    """uvicorn options that put the gateway's bounds on a server: the bounded protocol for
    ``http``, concurrency and keep-alive limits, and the wire limits for
    :class:`GatewayServerConfig`."""
    return {
        "http": pick_protocol(http),
        "limit_concurrency": settings.limit_concurrency,
        "timeout_keep_alive": settings.keep_alive_timeout,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "wire": WireLimits.from_settings(settings),
    }
