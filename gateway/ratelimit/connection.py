"""A small pipelined Redis connection for the limiter's hot path.

Every widget request asks Redis one question (one ``EVALSHA``). Through redis-py each question
pays for a pool checkout, a timeout context, a socket send and a general-purpose reply parser:
on a loaded server that is more CPU than the rest of the request. Here, all requests of an event
loop share one connection: commands issued in the same loop iteration go out in one write,
replies are matched to callers in order (Redis answers a connection's commands in order), and the
parser knows only the five RESP2 reply types. Nothing else in the gateway uses this; the key store,
sinks and pub/sub keep redis-py.

Failure handling is deliberately blunt: a command that gets no reply within the timeout, or a
lost connection, fails every command in flight and drops the connection (replies could no longer
be matched), and the next call reconnects. The limiter's circuit breaker paces those reconnects.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from typing import Any
from urllib.parse import unquote, urlsplit

Reply = bytes | int | str | list[Any] | None


class RedisReplyError(Exception):
    """Redis answered with an error reply (``-ERR …``, ``-NOSCRIPT …``)."""


class RedisConnectionError(Exception):
    """The connection failed, was lost, or a reply did not come in time."""


def bulk(arg: bytes | str | int) -> bytes:
    """One argument as a RESP bulk string."""
    data = arg if isinstance(arg, bytes) else str(arg).encode()
    return b"$%d\r\n%b\r\n" % (len(data), data)


def encode(args: tuple[bytes | str | int, ...]) -> bytes:
    """A command in RESP: an array of bulk strings."""
    return b"*%d\r\n" % len(args) + b"".join(bulk(a) for a in args)


def parse(buf: bytearray, pos: int) -> tuple[Reply | RedisReplyError, int] | None:
    """One reply starting at ``pos``, and where the next begins; None if it is incomplete."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        return None
    kind, line = buf[pos : pos + 1], bytes(buf[pos + 1 : end])
    nxt = end + 2
    if kind == b"+":
        return line.decode(), nxt
    if kind == b"-":
        return RedisReplyError(line.decode(errors="replace")), nxt
    if kind == b":":
        return int(line), nxt
    if kind == b"$":
        size = int(line)
        if size < 0:
            return None, nxt
        if len(buf) < nxt + size + 2:
            return None
        return bytes(buf[nxt : nxt + size]), nxt + size + 2
    if kind == b"*":
        count = int(line)
        if count < 0:
            return None, nxt
        items: list[Any] = []
        for _ in range(count):
            got = parse(buf, nxt)
            if got is None:
                return None
            item, nxt = got
            items.append(item)
        return items, nxt
    raise RedisConnectionError(f"unexpected reply type {kind!r}")


class _Protocol(asyncio.Protocol):
    def __init__(self, timeout: float) -> None:
        self.loop = asyncio.get_running_loop()
        self.timeout = timeout
        self.transport: asyncio.Transport | None = None
        # (future, deadline) in the order the commands were sent, which is the order of replies
        self.pending: deque[tuple[asyncio.Future[Reply], float]] = deque()
        self.watchdog: asyncio.TimerHandle | None = None
        self.outgoing: list[bytes] = []
        self.buf = bytearray()
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def send(self, command: bytes) -> asyncio.Future[Reply]:
        if self.closed:
            raise RedisConnectionError("connection closed")
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
        if self.outgoing and self.transport is not None and not self.closed:
            self.transport.write(b"".join(self.outgoing))
        self.outgoing.clear()

    def data_received(self, data: bytes) -> None:
        self.buf += data
        pos = 0
        try:
            while self.pending:
                got = parse(self.buf, pos)
                if got is None:
                    break
                reply, pos = got
                fut, _ = self.pending.popleft()
                if fut.done():  # the caller went away; the reply is still consumed in order
                    continue
                if isinstance(reply, RedisReplyError):
                    fut.set_exception(reply)
                else:
                    fut.set_result(reply)
        except (ValueError, RedisConnectionError) as exc:
            self._fail(RedisConnectionError(f"unreadable reply: {exc}"))
            return
        del self.buf[:pos]

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(RedisConnectionError("connection lost"))

    def _check_deadline(self) -> None:
        self.watchdog = None
        if not self.pending or self.closed:
            return
        oldest = self.pending[0][1]
        if oldest <= self.loop.time():
            self._fail(RedisConnectionError("no reply in time"))
        else:
            self.watchdog = self.loop.call_at(oldest, self._check_deadline)

    def _fail(self, error: Exception) -> None:
        self.closed = True
        if self.watchdog is not None:
            self.watchdog.cancel()
            self.watchdog = None
        while self.pending:
            fut, _ = self.pending.popleft()
            if not fut.done():
                fut.set_exception(error)
        if self.transport is not None:
            self.transport.abort()


class PipelinedConnection:
    """One lazily opened, shared connection to the Redis at ``url``.

    Understands ``redis://``, ``rediss://`` and ``unix://`` URLs with a user name, a password
    and a database number, as redis-py does.
    """

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        self.timeout = timeout
        self.scheme = parts.scheme
        self.host = parts.hostname or "localhost"
        self.port = parts.port or 6379
        self.path = parts.path
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        db = query.get("db") or (parts.path.strip("/") if self.scheme != "unix" else "")
        self.db = int(db or 0)
        self._protocol: _Protocol | None = None
        self._lock = asyncio.Lock()

    async def call(self, *args: bytes | str | int) -> Reply:
        """Send one command and wait for its reply."""
        return await self.call_encoded(encode(args))

    async def call_encoded(self, command: bytes) -> Reply:
        """Send one command already in RESP (see :func:`encode`) and wait for its reply."""
        proto = self._protocol
        if proto is None or proto.closed:
            proto = await self._connect()
        return await proto.send(command)

    async def _connect(self) -> _Protocol:
        async with self._lock:
            if self._protocol is not None and not self._protocol.closed:
                return self._protocol
            loop = asyncio.get_running_loop()
            try:
                if self.scheme == "unix":
                    opening = loop.create_unix_connection(
                        lambda: _Protocol(self.timeout), self.path
                    )
                else:
                    context = ssl.create_default_context() if self.scheme == "rediss" else None
                    opening = loop.create_connection(
                        lambda: _Protocol(self.timeout), self.host, self.port, ssl=context
                    )
                _, proto = await asyncio.wait_for(opening, self.timeout)
            except (OSError, TimeoutError) as exc:
                raise RedisConnectionError(f"cannot connect: {type(exc).__name__}") from None
            if self.password is not None:
                auth = (self.username, self.password) if self.username else (self.password,)
                await proto.send(encode(("AUTH", *auth)))
            if self.db:
                await proto.send(encode(("SELECT", self.db)))
            self._protocol = proto
            return proto

    async def close(self) -> None:
        proto, self._protocol = self._protocol, None
        if proto is not None and proto.transport is not None:
            proto.closed = True
            proto.transport.close()
