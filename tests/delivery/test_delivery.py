"""Delivery to an HTTP service through the Redis outbox or the file spool, against a real service.

The receiving service is ``examples/receiving_service.py`` on a loopback port (it verifies the
assertion and stores each idempotency key once), behind a switch that makes it slow or failing.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis

from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.queue import DeliveryQueue, Entry
from gateway.delivery.spool import FileSpool
from gateway.delivery.workers import DeliveryHandle, DeliveryPolicy, start_workers
from tests.support.aio import run as run_sync
from tests.support.processes import free_port
from tests.support.receiver import (
    JWKS,
    SIGNER,
    GarbageServer,
    Receiver,
    envelope,
    record,
    wait_until,
)
from tests.support.servers import ServerThread

FAST = DeliveryPolicy(
    timeout=0.5,
    max_attempts=100,
    max_age=600,
    backoff=0.05,
    backoff_max=0.3,
    poll_interval=0.05,
    concurrency=8,
)


@asynccontextmanager
async def delivering(
    kind: str, redis_url: str, tmp: Path, port: int, policy: DeliveryPolicy = FAST
) -> AsyncIterator[tuple[HttpSink, DeliveryHandle]]:
    """An HTTP sink for ``http://127.0.0.1:port/records`` with a running worker."""
    client: Redis | None = None
    queue: DeliveryQueue
    if kind == "redis":
        client = Redis.from_url(redis_url)
        queue = RedisOutbox(client, "consent", claim_idle=2.0)
    else:
        queue = FileSpool(tmp / "spool" / "consent", "consent")
    sink = HttpSink("consent", f"http://127.0.0.1:{port}/records", queue)
    handle = start_workers([sink], SIGNER, policy)
    try:
        yield sink, handle
    finally:
        await handle.stop()
        await sink.close()
        if client is not None:
            await client.aclose()


@pytest.mark.parametrize("kind", ["redis", "spool"])
def test_records_accepted_while_the_service_is_down_arrive_once_when_it_is_back(
    kind: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    receiver = Receiver(JWKS, tmp_path / "service.db")
    ids = [f"rec_{n:05d}" for n in range(40)]

    async def scenario() -> None:
        async with delivering(kind, redis_url, tmp_path, port) as (sink, handle):
            for n in range(40):
                await sink.write(envelope(record(n)))
            # The service is down: workers retry, nothing is lost or dropped.
            await wait_until(lambda: handle.snapshot().get("consent", {}).get("retried", 0) >= 40)
            assert not await sink.check()
            with ServerThread(receiver, port=port):
                await wait_until(lambda: len(receiver.stored) == 40, timeout=30)
                assert await sink.check()
                await wait_until(lambda: _drained(sink.queue))
            assert sorted(receiver.stored) == ids
            assert handle.snapshot()["consent"]["dead"] == 0

    run_sync(scenario())


async def _drained(queue: DeliveryQueue) -> bool:
    status = await queue.status()
    return status.depth == 0 and status.in_flight == 0


@pytest.mark.parametrize(
    "mode",
    ["503", "slow", "garbage"],
    ids=["5xx-then-ok", "slower-than-timeout", "garbage-answer"],
)
def test_transient_failures_are_retried_until_the_service_stores_each_record_once(
    mode: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    receiver = Receiver(JWKS, tmp_path / "service.db")
    receiver.mode, receiver.delay = mode, 5.0

    async def scenario() -> None:
        garbage = GarbageServer(port) if mode == "garbage" else None
        server = None if garbage else ServerThread(receiver, port=port).start()
        try:
            async with delivering("redis", redis_url, tmp_path, port) as (sink, handle):
                for n in range(10):
                    await sink.write(envelope(record(n)))
                await wait_until(
                    lambda: handle.snapshot().get("consent", {}).get("retried", 0) >= 20
                )
                assert receiver.stored == [] or mode == "slow"
                receiver.mode = "ok"
                if garbage is not None:
                    garbage.close()
                    server = ServerThread(receiver, port=port).start()
                await wait_until(lambda: len(receiver.stored) == 10)
                await wait_until(lambda: _drained(sink.queue))
                assert sorted(receiver.stored) == [f"rec_{n:05d}" for n in range(10)]
                assert handle.snapshot()["consent"]["dead"] == 0
                if mode != "garbage":
                    # Each record was posted more than once; the idempotency key kept one.
                    assert all(receiver.hits[f"rec_{n:05d}"] >= 2 for n in range(10))
        finally:
            if server is not None:
                server.stop()

    run_sync(scenario())


@pytest.mark.parametrize("kind", ["redis", "spool"])
def test_a_refusing_service_dead_letters_at_once_and_replay_delivers(
    kind: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    receiver = Receiver(JWKS, tmp_path / "service.db")
    receiver.mode = "400"

    async def scenario() -> None:
        with ServerThread(receiver, port=port):
            async with delivering(kind, redis_url, tmp_path, port) as (sink, handle):
                for n in range(5):
                    await sink.write(envelope(record(n)))
                await wait_until(lambda: handle.snapshot().get("consent", {}).get("dead") == 5)
                status = await sink.queue.status()
                assert (status.depth, status.dead) == (0, 5)
                # Not retried: one post each, and nothing left queued.
                assert all(receiver.hits[f"rec_{n:05d}"] == 1 for n in range(5))
                dead = await sink.queue.dead(10)
                assert sorted(d.record_id for d in dead) == [f"rec_{n:05d}" for n in range(5)]
                assert {d.reason for d in dead} == {"refused: http 400"}

                receiver.mode = "ok"
                assert await sink.queue.replay([dead[0].dead_id]) == 1
                await wait_until(lambda: len(receiver.stored) == 1)
                assert await sink.queue.replay(None) == 4
                await wait_until(lambda: len(receiver.stored) == 5)
                status = await sink.queue.status()
                assert status.dead == 0
                assert await sink.queue.dead(10) == []

    run_sync(scenario())


@pytest.mark.parametrize(
    ("kind", "limits", "reason", "attempts"),
    [
        ("redis", {"max_attempts": 3, "max_age": 600}, "3 attempts, last: http 503", (3, 3)),
        (
            "spool",
            {"max_attempts": 1000, "max_age": 0.5},
            "older than 0.5s, last: http 503",
            (2, 999),
        ),
    ],
    ids=["max-attempts", "max-age"],
)
def test_a_record_that_keeps_failing_is_dead_lettered(
    kind: str,
    limits: dict[str, float],
    reason: str,
    attempts: tuple[int, int],
    redis_url: str,
    tmp_path: Path,
) -> None:
    port = free_port()
    receiver = Receiver(JWKS, tmp_path / "service.db")
    receiver.mode = "503"
    policy = DeliveryPolicy(
        timeout=0.5, backoff=0.02, backoff_max=0.05, poll_interval=0.05, **limits
    )

    async def scenario() -> None:
        with ServerThread(receiver, port=port):
            async with delivering(kind, redis_url, tmp_path, port, policy) as (sink, handle):
                await sink.write(envelope(record(1)))
                await wait_until(lambda: handle.snapshot()["consent"]["dead"] == 1)
                [dead] = await sink.queue.dead(10)
                assert dead.reason == reason
                low, high = attempts
                assert low <= dead.attempts == receiver.hits["rec_00001"] <= high
                assert receiver.stored == []

    run_sync(scenario())


class CancellationLosingSpool(FileSpool):
    """A file spool whose first ``take`` waits until it is cancelled and then returns the due
    entries instead of raising: what a redis-py command does on Python 3.11 when the cancellation
    arrives as the command completes (``asyncio.wait_for`` returns the result)."""

    def __init__(self, folder: Path, service: str) -> None:
        super().__init__(folder, service)
        self.taking = asyncio.Event()
        self.lost = 0

    async def take(self, consumer: str, count: int) -> list[Entry]:
        if not self.lost:
            self.taking.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.lost += 1
        return await super().take(consumer, count)


def test_workers_stop_when_the_queue_loses_the_cancellation_and_keep_what_they_took(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "spool" / "consent"
    spool = CancellationLosingSpool(folder, "consent")
    # Nothing listens there: a record posted after the stop would come back as a retry.
    sink = HttpSink("consent", f"http://127.0.0.1:{free_port()}/records", spool)

    async def scenario() -> None:
        for n in range(3):
            await sink.write(envelope(record(n)))
        handle = start_workers([sink], SIGNER, FAST)
        await spool.taking.wait()
        stopping = asyncio.ensure_future(handle.stop())
        # A guard against a hang, not a measure of speed: stopping takes milliseconds.
        done, _ = await asyncio.wait({stopping}, timeout=30)
        assert done, "stopping the workers never finished"
        assert spool.lost == 1
        # The entries taken as the worker stopped were neither posted nor lost.
        assert handle.snapshot()["consent"] == {"delivered": 0, "retried": 0, "dead": 0}
        status = await spool.status()
        assert (status.depth, status.in_flight, status.dead) == (3, 0, 0)
        taken = await FileSpool(folder, "consent").take("another-instance", 10)
        assert sorted(e.record_id for e in taken) == ["rec_00000", "rec_00001", "rec_00002"]

    run_sync(scenario())


@pytest.mark.parametrize("kind", ["redis", "spool"])
def test_an_entry_queued_by_the_previous_release_is_still_delivered(
    kind: str, redis_url: str, tmp_path: Path
) -> None:
    # Before envelopes, an entry held the record and its id only. An upgrade must deliver
    # whatever was waiting in the outbox or the spool at the time.
    port = free_port()
    receiver = Receiver(JWKS, tmp_path / "service.db")
    legacy = json.dumps(
        {"record": record(7, "old"), "rid": "old_00007", "attempts": 0, "queued_at": time.time()}
    )

    async def scenario() -> None:
        async with delivering(kind, redis_url, tmp_path, port) as (sink, _handle):
            if kind == "redis":
                client = Redis.from_url(redis_url)
                await client.xadd("wg:outbox:{consent}", {"e": legacy})
                await client.aclose()
            else:
                ready = tmp_path / "spool" / "consent" / "ready"
                ready.mkdir(parents=True, exist_ok=True)
                (ready / "0000000000001-legacy.json").write_text(
                    json.dumps({"entry": json.loads(legacy), "due": 0.0})
                )
            sink.wakeup.set()
            with ServerThread(receiver, port=port):
                await wait_until(lambda: "old_00007" in receiver.stored, timeout=30)

    run_sync(scenario())
    assert receiver.stored.count("old_00007") == 1
