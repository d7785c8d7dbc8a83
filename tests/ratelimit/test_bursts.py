"""Bursts against a healthy Redis: several instances, one budget, no fallback to memory."""

from __future__ import annotations

import asyncio
import logging

import pytest

from gateway.ratelimit.breaker import TRIP_FAILURES
from gateway.ratelimit.engines import POOL_SIZE
from gateway.ratelimit.limiter import Limiter, LimitRequest
from tests.ratelimit.test_ratelimit import limiter, run
from tests.support.processes import RedisServer

INSTANCES = 3
BURST = 400
KEY = LimitRequest("key", "100/minute", ("pk_burst",))


BURST_TIMEOUT = 1.0  # seconds per Redis command: see the script engine's test


async def burst(instances: list[Limiter], count: int) -> int:
    """``count`` checks at once, spread over ``instances``; how many were allowed."""
    results = await asyncio.gather(
        *(instances[i % len(instances)].check([KEY]) for i in range(count))
    )
    return sum(d.allowed for d in results)


def test_a_burst_over_three_instances_admits_exactly_the_limit_on_the_script_engine(
    redis_url: str,
) -> None:
    async def body() -> tuple[int, list[bool]]:
        # A burst must not make the limiter give up on Redis. The timeout is four times the
        # production default (0.25 s): under the whole suite's load on two cores a single
        # connect once took longer than that, which says nothing about bursts.
        instances = [
            limiter("script", redis_url, redis_timeout=BURST_TIMEOUT) for _ in range(INSTANCES)
        ]
        try:
            admitted = await burst(instances, BURST)
            return admitted, [lim.degraded for lim in instances]
        finally:
            for lim in instances:
                await lim.close()

    admitted, degraded = run(body)
    assert degraded == [False] * INSTANCES
    assert admitted == 100


def test_a_burst_on_the_limits_engine_stays_within_the_documented_bound(
    redis_server: RedisServer, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """docs/rate-limits.md: while no instance switches to memory, at most TRIP_FAILURES - 1
    requests per instance are counted outside Redis (on the test machine: none, exactly 100 are
    admitted; without the pool and the hysteresis, 260 to 400 were); the pool keeps to POOL_SIZE
    connections."""
    peak_clients: list[int] = []

    async def watch_connections(stop: asyncio.Event) -> None:
        admin = redis_server.client()
        try:
            while not stop.is_set():
                info = await asyncio.to_thread(admin.info, "clients")
                peak_clients.append(int(info["connected_clients"]))
                await asyncio.sleep(0.01)
        finally:
            admin.close()

    async def body() -> tuple[int, list[bool]]:
        instances = [
            limiter("limits", redis_url, redis_timeout=BURST_TIMEOUT) for _ in range(INSTANCES)
        ]
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch_connections(stop))
        try:
            admitted = await burst(instances, BURST)
            return admitted, [lim.degraded for lim in instances]
        finally:
            stop.set()
            await watcher
            for lim in instances:
                await lim.close()

    caplog.set_level(logging.WARNING, "gateway.ratelimit")
    admitted, _ = run(body)
    # Each switch to memory is logged once, by the instance that switches.
    switched = sum("rate limits: Redis failed" in r.getMessage() for r in caplog.records)
    if switched:
        # A machine so loaded that answers came late again and again: each instance that switched
        # may have admitted a budget of its own from memory, and no more.
        assert 100 <= admitted <= 100 * (1 + switched)
    else:
        assert 100 <= admitted <= 100 + INSTANCES * (TRIP_FAILURES - 1)
    # Each instance's pool, plus the watcher's own connection.
    assert max(peak_clients) <= INSTANCES * POOL_SIZE + 1
