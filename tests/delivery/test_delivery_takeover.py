"""An instance killed (SIGKILL) in the middle of delivering: another one delivers its records."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.queue import DeliveryQueue
from gateway.delivery.spool import FileSpool
from gateway.delivery.workers import DeliveryPolicy, start_workers
from tests.support.aio import run as run_sync
from tests.support.processes import free_port
from tests.support.receiver import (
    JWKS,
    SECRETS,
    SIGNER,
    Receiver,
    envelope,
    record,
    seed_assertion_key,
    wait_until,
)
from tests.support.servers import ServerThread

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", ["redis", "spool"])
def test_records_held_by_a_killed_instance_are_delivered_by_another(
    kind: str, redis_url: str, data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/records"
    receiver = Receiver(JWKS, tmp_path / "service.db")
    receiver.mode, receiver.delay = "slow", 60.0
    env = {
        **os.environ,
        "GATEWAY_SECRET_KEY": SECRETS[0],
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_CONSENT_SINK": url,
        "GATEWAY_DELIVERY_TIMEOUT": "60",
        "GATEWAY_DELIVERY_CLAIM_IDLE": "120",
    }
    if kind == "redis":
        env["GATEWAY_REDIS_URL"] = redis_url

    async def scenario() -> None:
        client = Redis.from_url(redis_url)
        queue: DeliveryQueue = (
            RedisOutbox(client, "consent", claim_idle=1.0)
            if kind == "redis"
            else FileSpool(data_dir / "spool" / "consent", "consent")
        )
        sink = HttpSink("consent", url, queue)
        await seed_assertion_key(redis_url if kind == "redis" else None, data_dir)
        for n in range(10):
            await sink.write(envelope(record(n)))
        instance = subprocess.Popen(
            [sys.executable, "-m", "tests.support.delivery_instance"], cwd=ROOT, env=env
        )
        try:
            # The instance has posted all ten and waits for answers that do not come.
            await wait_until(lambda: receiver.holding == 10, timeout=30)
            instance.send_signal(signal.SIGKILL)
            instance.wait(timeout=10)
        finally:
            if instance.poll() is None:
                instance.kill()
        # Let the held requests end without storing anything.
        receiver.mode = "503"
        await wait_until(lambda: receiver.holding == 0)
        assert receiver.stored == []
        receiver.mode = "ok"
        policy = DeliveryPolicy(timeout=2, backoff=0.05, backoff_max=0.2, poll_interval=0.05)
        handle = start_workers([sink], SIGNER, policy)
        try:
            await wait_until(lambda: len(receiver.stored) == 10, timeout=30)
            assert sorted(receiver.stored) == [f"rec_{n:05d}" for n in range(10)]
            await wait_until(lambda: handle.snapshot()["consent"]["delivered"] == 10)
            status = await queue.status()
            assert (status.depth, status.dead) == (0, 0)
        finally:
            await handle.stop()
            await client.aclose()

    with ServerThread(receiver, port=port):
        run_sync(scenario())
