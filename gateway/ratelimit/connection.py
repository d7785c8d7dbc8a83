"""One shared, pipelined Redis connection for the limiter's hot path.

Every widget request asks Redis one question (one ``EVALSHA``). Through redis-py each question
would pay for a pool checkout, a timeout context and a round trip of its own. Here all requests of
an event loop share one connection: commands issued in the same loop iteration leave in one write,
and replies are matched to callers in order (Redis answers a connection's commands in order).
Commands are encoded by ``hiredis.pack_command`` and replies read by ``hiredis.Reader``; this module
only moves bytes between them and the event loop's transport, whatever loop that is (asyncio's own
or uvloop, whose transports are not ``asyncio.Transport`` subclasses).

A command that gets no reply within the timeout, or a lost connection, fails every command in
flight and drops the connection (replies could no longer be matched). The next call opens a new one
at once, unless the connections before it failed without delivering a single reply: then each new
attempt waits twice as long as the last (50 ms up to 1 s), and calls meanwhile fail at once with
the failure that started it, so a dead Redis is not hammered with connection attempts.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, cast

import hiredis
from redis.asyncio.connection import SSLConnection, parse_url

from gateway.ratelimit.engines import Failure

Reply = bytes | int | list[Any] | None
Arg = bytes | str | int | float

BACKOFF_FIRST = 0.05  # seconds before reconnecting after a connection that never answered
BACKOFF_MAX = 1.0  # the limiter probes a failed Redis once a second: never wait longer than that


def pack(args: tuple[Arg, ...]) -> bytes:
    """A command in RESP, encoded by hiredis."""
    packed: bytes = hiredis.pack_command(args)  # type: ignore[arg-type]  # its stub: a 1-tuple
    return packed


class ReplyError(Exception):
    """Redis answered with an error reply (``ERR …``, ``NOSCRIPT …``)."""

    @property
    def code(self) -> str:
        """The error's first word (``NOSCRIPT``, ``WRONGPASS``): what may be logged of it."""
        words = str(self).split(maxsplit=1)
        return words[0] if words and words[0].isupper() else "ERR"


class ProtocolError(Exception):
    """The bytes from the server are not RESP."""


class ConnectionFailed(Exception):
    """The command got no reply: the connection failed, was lost, or the reply came too late."""

    def __init__(self, kind: Failure, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class _Transport(Protocol):
    """What is used of a transport; asyncio's and uvloop's both have it."""

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


class _Protocol(asyncio.Protocol):
    def __init__(self, timeout: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.timeout = timeout
        self.transport: _Transport | None = None
        self.reader = hiredis.Reader(protocolError=ProtocolError, replyError=ReplyError)
        # (future, deadline) in the order the commands were sent, which is the order of replies
        self.pending: deque[tuple[asyncio.Future[Reply], float]] = deque()
        self.watchdog: asyncio.TimerHandle | None = None
        self.outgoing: list[bytes] = []
        self.answered = False  # at least one reply came: the connection itself works
        self.failure: ConnectionFailed | None = None

    @property
    def closed(self) -> bool:
        return self.failure is not None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(_Transport, transport)

    def send(self, command: bytes) -> asyncio.Future[Reply]:
        if self.failure is not None:
            raise self.failure
        fut: asyncio.Future[Reply] = self.loop.create_future()
        deadline = self.loop.time() + self.timeout
        self.pending.append((fut, deadline))
        if self.watchdog is None:
            # One timer watches the oldest command, rather than one timer per command.
            self.watchdog = self.loop.call_at(deadline, self._check_deadline)
        if not self.outgoing:
            # Commands issued until the loop comes round again leave in one write.
            self.loop.call_soon(self._flush)
        self.outgoing.append(command)
        return fut

    def _flush(self) -> None:
        if self.outgoing and self.transport is not None and self.failure is None:
            self.transport.write(b"".join(self.outgoing))
        self.outgoing.clear()

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        try:
            while self.pending:
                reply = self.reader.gets()
                if reply is False:
                    break
                self.answered = True
                fut, _ = self.pending.popleft()
                if fut.done():  # the caller went away; the reply is still consumed in order
                    continue
                if isinstance(reply, ReplyError):
                    fut.set_exception(reply)
                else:
                    fut.set_result(reply)
        except ProtocolError:
            self.fail(ConnectionFailed(Failure.PROTOCOL, "the reply is not RESP"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.fail(ConnectionFailed(Failure.LOST, "the server closed the connection"))

    def _check_deadline(self) -> None:
        self.watchdog = None
        if not self.pending or self.failure is not None:
            return
        oldest = self.pending[0][1]
        if oldest <= self.loop.time():
            self.fail(ConnectionFailed(Failure.TIMEOUT, f"no reply within {self.timeout:g} s"))
        else:
            self.watchdog = self.loop.call_at(oldest, self._check_deadline)

    def fail(self, error: ConnectionFailed) -> None:
        if self.failure is not None:
            return
        self.failure = error
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None
        while self.pending:
            fut, _ = self.pending.popleft()
            if not fut.done():
                fut.set_exception(error)
        if self.transport is not None:
            self.transport.abort()


def _connect_failure(exc: BaseException) -> ConnectionFailed:
    if isinstance(exc, TimeoutError):
        return ConnectionFailed(Failure.TIMEOUT, "connecting took too long")
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionFailed(Failure.REFUSED, "nothing listens at the address")
    if isinstance(exc, ssl.SSLError):
        return ConnectionFailed(Failure.UNREACHABLE, "TLS handshake failed")
    name = errno.errorcode.get(exc.errno, "") if isinstance(exc, OSError) and exc.errno else ""
    return ConnectionFailed(Failure.UNREACHABLE, name or type(exc).__name__)


class PipelinedConnection:
    """One lazily opened, shared connection to the Redis at ``url``.

    Understands ``redis://``, ``rediss://`` and ``unix://`` URLs with a user name, a password and
    a database number, as redis-py parses them. ``clock`` paces reconnection attempts.
    """

    def __init__(
        self, url: str, timeout: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        options = parse_url(url)
        self.timeout = timeout
        self.clock = clock
        self.path: str | None = options.get("path")
        self.host: str = options.get("host", "localhost")
        self.port = int(options.get("port", 6379))
        self.tls = options.get("connection_class") is SSLConnection
        self.username: str | None = options.get("username")
        self.password: str | None = options.get("password")
        self.db = int(options.get("db", 0))
        self._protocol: _Protocol | None = None
        self._lock = asyncio.Lock()
        self._streak = 0  # connections in a row that failed without a single reply
        self._last_failure: ConnectionFailed | None = None
        self._next_attempt = 0.0

    async def call(self, *args: Arg) -> Reply:
        """Send one command and wait for its reply."""
        return await self.call_packed(pack(args))

    async def call_packed(self, command: bytes) -> Reply:
        """Send one command already packed (see :func:`pack`) and wait for its reply."""
        proto = self._protocol
        if proto is None or proto.closed:
            proto = await self._connect()
        try:
            reply = await proto.send(command)
        except ConnectionFailed:
            self._note_lost(proto)
            raise
        self._streak = 0
        return reply

    def _note_lost(self, proto: _Protocol) -> None:
        """Count a connection that died before it ever answered towards the backoff."""
        if proto is self._protocol:
            self._protocol = None
            if not proto.answered:
                self._back_off(proto.failure)

    def _back_off(self, failure: ConnectionFailed | None) -> None:
        self._streak += 1
        self._last_failure = failure
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self._streak - 1))
        self._next_attempt = self.clock() + delay

    async def _connect(self) -> _Protocol:
        async with self._lock:
            if self._protocol is not None and not self._protocol.closed:
                return self._protocol
            if self._last_failure is not None and self.clock() < self._next_attempt:
                raise ConnectionFailed(
                    self._last_failure.kind, self._last_failure.detail + " (backing off)"
                )
            try:
                proto = await asyncio.wait_for(self._open(), self.timeout)
            except ReplyError as exc:
                failure = ConnectionFailed(Failure.REDIS, f"{exc.code} while logging in")
                self._back_off(failure)
                raise failure from None
            except (OSError, TimeoutError, ConnectionFailed) as exc:
                failure = exc if isinstance(exc, ConnectionFailed) else _connect_failure(exc)
                self._back_off(failure)
                raise failure from None
            self._protocol = proto
            return proto

    async def _open(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        if self.path is not None:
            _, proto = await loop.create_unix_connection(lambda: _Protocol(self.timeout), self.path)
        else:
            context = ssl.create_default_context() if self.tls else None
            _, proto = await loop.create_connection(
                lambda: _Protocol(self.timeout), self.host, self.port, ssl=context
            )
        try:
            if self.password is not None:
                auth = (self.username, self.password) if self.username else (self.password,)
                await proto.send(pack(("AUTH", *auth)))
            if self.db:
                await proto.send(pack(("SELECT", self.db)))
        except BaseException:
            proto.fail(ConnectionFailed(Failure.LOST, "closed while logging in"))
            raise
        return proto

    async def close(self) -> None:
        proto, self._protocol = self._protocol, None
        if proto is not None:
            proto.fail(ConnectionFailed(Failure.LOST, "closed by the gateway"))
