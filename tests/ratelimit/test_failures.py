"""What the limiter does and says when Redis fails: the kind of failure in the log, the breaker's
hysteresis, reconnecting with backoff, and a Redis that forgot the script."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from gateway.ratelimit.breaker import PROBE_INTERVAL, TRIP_FAILURES, TRIP_WINDOW, Breaker
from gateway.ratelimit.connection import BACKOFF_FIRST, ConnectionFailed, PipelinedConnection
from gateway.ratelimit.engines import EngineUnavailable, Failure
from tests.ratelimit.test_ratelimit import IP, Clock, limiter, run
from tests.support.processes import RedisServer, free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # reads everything, answers nothing


async def _garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(1)
    writer.write(b"?this is not RESP\r\n")
    await writer.drain()
    await reader.read()


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


async def with_server(handler: Handler, body: Callable[[str], Awaitable[None]]) -> None:
    """Run ``body`` with the URL of a loopback TCP server that treats clients with ``handler``."""
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        await body(f"redis://127.0.0.1:{port}/0")
    finally:
        server.close()


def degraded_line(caplog: pytest.LogCaptureFixture) -> str:
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.ratelimit"]
    assert len(lines) == 1, lines
    return lines[0]


async def check_until_degraded(engine: str, url: str, **kw: object) -> None:
    lim = limiter(engine, url, redis_timeout=0.05, **kw)
    try:
        for _ in range(TRIP_FAILURES):
            await lim.check([IP])
        assert lim.degraded
    finally:
        await lim.close()


@pytest.mark.redis
@pytest.mark.parametrize("engine", ["script", "limits"])
@pytest.mark.parametrize(
    ("handler", "says"),
    [
        (None, "connection refused"),
        (_hang, "timeout"),
        (_garbage, "protocol error"),
        (_hang_up, "connection lost"),
    ],
    ids=["refused", "timeout", "garbage", "hang-up"],
)
def test_the_degraded_line_names_what_failed(
    engine: str, handler: Handler | None, says: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "gateway.ratelimit")

    async def body() -> None:
        if handler is None:
            await check_until_degraded(engine, f"redis://127.0.0.1:{free_port()}/0")
        else:
            await with_server(handler, lambda url: check_until_degraded(engine, url))

    run(body)
    line = degraded_line(caplog)
    assert line.startswith(f"rate limits: Redis failed ({says}")
    assert "counting in this instance's memory" in line
    assert "127.0.0.1" not in line and "203.0.113" not in line


def test_a_script_error_and_a_wrong_password_are_told_apart(
    redis_server: RedisServer, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "gateway.ratelimit")

    async def body() -> None:
        lim = limiter("script", redis_url)
        try:
            await lim.check([IP])
            admin = redis_server.client()
            (key,) = [k for k in admin.keys("LIMITS:*") if not k.endswith(b"/-1")]
            admin.delete(key)
            admin.rpush(key, "not a counter")  # a key of the wrong type breaks the script
            admin.close()
            await lim.check([IP])
            assert lim.degraded
        finally:
            await lim.close()

    run(body)
    line = degraded_line(caplog)
    assert line.startswith("rate limits: Redis failed (script error: Redis answered WRONGTYPE)")
    caplog.clear()

    url = f"redis://:wrong-password@127.0.0.1:{redis_server.port}/0"
    admin = redis_server.client()
    admin.config_set("requirepass", "the-right-one")
    try:
        run(lambda: check_until_degraded("script", url))
    finally:
        admin.execute_command("AUTH", "the-right-one")
        admin.config_set("requirepass", "")
        admin.close()
    line = degraded_line(caplog)
    assert line.startswith("rate limits: Redis failed (Redis error: WRONGPASS while logging in)")
    assert "wrong-password" not in line


def timeout() -> EngineUnavailable:
    return EngineUnavailable(Failure.TIMEOUT, "no reply in time")


def test_slow_answers_open_the_breaker_only_when_several_come_close_together() -> None:
    clock = Clock()
    breaker = Breaker(clock)
    # Spread out, however many: a burst now and then, never a switch.
    for _ in range(3 * TRIP_FAILURES):
        assert not breaker.failed(timeout())
        clock.now += TRIP_WINDOW / (TRIP_FAILURES - 1)
    assert not breaker.open
    clock.now += TRIP_WINDOW
    # Close together: the last of them switches to memory.
    opened = [breaker.failed(timeout()) for _ in range(TRIP_FAILURES)]
    assert opened == [False] * (TRIP_FAILURES - 1) + [True]
    assert breaker.open


@pytest.mark.parametrize(
    "kind", [Failure.REFUSED, Failure.LOST, Failure.PROTOCOL, Failure.SCRIPT, Failure.REDIS]
)
def test_a_broken_redis_opens_the_breaker_at_once(kind: Failure) -> None:
    breaker = Breaker(Clock())
    assert breaker.failed(EngineUnavailable(kind))
    assert breaker.open


def test_an_open_breaker_probes_once_an_interval_and_closes_on_an_answer() -> None:
    clock = Clock()
    breaker = Breaker(clock)

    def asks() -> list[bool]:
        return [breaker.use_primary() is not None for _ in range(3)]

    breaker.failed(EngineUnavailable(Failure.REFUSED))
    assert asks() == [False] * 3
    clock.now += PROBE_INTERVAL
    probe = breaker.use_primary()
    assert probe is not None and asks() == [False] * 3
    breaker.failed(timeout(), probe)  # the probe failed: still open, next one an interval later
    assert breaker.open and asks() == [False] * 3
    clock.now += PROBE_INTERVAL
    probe = breaker.use_primary()
    assert breaker.succeeded(probe) and not breaker.open
    assert asks() == [True] * 3


def test_answers_to_requests_sent_before_the_breaker_opened_do_not_close_it() -> None:
    """In a burst, requests sent just before the switch are answered just after it."""
    breaker = Breaker(Clock())
    early = [breaker.use_primary() for _ in range(TRIP_FAILURES + 1)]
    for ticket in early[:TRIP_FAILURES]:
        breaker.failed(timeout(), ticket)
    assert breaker.open
    assert not breaker.succeeded(early[-1])
    assert breaker.open


@pytest.mark.redis
def test_reconnecting_backs_off_while_connections_fail_without_an_answer() -> None:
    clock = Clock()
    accepted: list[int] = []

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        writer.close()

    async def body(url: str) -> None:
        conn = PipelinedConnection(url, 1.0, clock=clock)
        try:
            attempts = []
            for step in [0.0, 0.0, BACKOFF_FIRST, BACKOFF_FIRST, BACKOFF_FIRST]:
                clock.now += step
                with pytest.raises(ConnectionFailed) as failed:
                    await conn.call("PING")
                assert failed.value.kind == Failure.LOST
                attempts.append(len(accepted))
            # First attempt; then nothing until 50 ms; then nothing until 100 ms more.
            assert attempts == [1, 1, 2, 2, 3]
        finally:
            await conn.close()

    run(lambda: with_server(hang_up, body))


def test_a_connection_that_answered_is_replaced_at_once(
    redis_server: RedisServer, redis_url: str
) -> None:
    clock = Clock()

    async def body() -> None:
        conn = PipelinedConnection(redis_url, 1.0, clock=clock)
        try:
            assert await conn.call("PING") == b"PONG"
            admin = redis_server.client()
            admin.client_kill_filter(_type="normal", skipme=True)
            admin.close()
            # The loss is noticed, the next call reconnects without waiting (the clock stands).
            for _ in range(100):
                try:
                    assert await conn.call("PING") == b"PONG"
                    break
                except ConnectionFailed as exc:
                    assert exc.kind == Failure.LOST
            else:
                raise AssertionError("no new connection")
        finally:
            await conn.close()

    run(body)


def test_a_redis_that_forgot_the_script_gets_it_once(
    redis_server: RedisServer, redis_url: str
) -> None:
    async def body() -> list[bool]:
        lim = limiter("script", redis_url)
        try:
            await lim.check([IP])
            admin = redis_server.client()
            admin.script_flush()
            admin.config_resetstat()
            admin.close()
            others = [IP.__class__("key", "1000/minute", (f"pk_{i}",)) for i in range(50)]
            decisions = await asyncio.gather(*(lim.check([req]) for req in others))
            assert not lim.degraded
            return [d.allowed for d in decisions]
        finally:
            await lim.close()

    assert run(body) == [True] * 50
    admin = redis_server.client()
    stats = admin.info("commandstats")
    admin.close()
    assert stats["cmdstat_script|load"]["calls"] == 1
    assert stats["cmdstat_evalsha"]["calls"] == 100  # each request: refused once, then counted
