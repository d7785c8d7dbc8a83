"""Redis restarted (append-only file on) while records keep coming: no accepted record is lost."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from gateway import redis_client
from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.workers import DeliveryPolicy, start_workers
from gateway.errors import SinkUnavailable
from gateway.settings import Settings
from tests.support.aio import run as run_sync
from tests.support.processes import RedisServer, free_port
from tests.support.receiver import JWKS, SECRETS, SIGNER, Receiver, envelope, record, wait_until
from tests.support.servers import ServerThread

RECORDS = 150


@pytest.mark.redis
def test_no_accepted_record_is_lost_across_a_redis_restart(tmp_path: Path) -> None:
    server = RedisServer(persistent=True)
    server.start()
    port = free_port()
    receiver = Receiver(JWKS, tmp_path / "service.db")
    settings = Settings.from_env(
        {"GATEWAY_REDIS_URL": server.url, "GATEWAY_SECRET_KEY": SECRETS[0]}
    )
    refused = 0

    async def scenario() -> None:
        nonlocal refused
        client = redis_client.connect(settings)
        sink = HttpSink(
            "consent",
            f"http://127.0.0.1:{port}/records",
            RedisOutbox(client, "consent", claim_idle=1.0),
        )
        policy = DeliveryPolicy(timeout=2, backoff=0.05, backoff_max=0.3, poll_interval=0.05)
        handle = start_workers([sink], SIGNER, policy)

        async def restart() -> None:
            await asyncio.to_thread(server.stop)
            await asyncio.sleep(0.3)
            await asyncio.to_thread(server.start)

        try:
            restarter: asyncio.Task[None] | None = None
            for n in range(RECORDS):
                if n == RECORDS // 3:
                    restarter = asyncio.create_task(restart())
                # As the widget does: a record refused with a 503 is sent again later.
                while True:
                    try:
                        await sink.write(envelope(record(n)))
                        break
                    except SinkUnavailable:
                        refused += 1
                        await asyncio.sleep(0.05)
                await asyncio.sleep(0.005)
            assert restarter is not None
            await restarter
            await wait_until(lambda: len(receiver.stored) == RECORDS, timeout=60)
            assert sorted(receiver.stored) == [f"rec_{n:05d}" for n in range(RECORDS)]
        finally:
            await handle.stop()
            await client.aclose()

    try:
        with ServerThread(receiver, port=port):
            run_sync(scenario())
    finally:
        server.close()
    # The restart really happened while records were coming in.
    assert refused > 0
