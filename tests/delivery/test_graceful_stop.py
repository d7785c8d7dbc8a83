"""A graceful stop (SIGTERM): no request lost, held deliveries handed back at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from redis.asyncio import Redis

from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.workers import DeliveryPolicy, start_workers
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.aio import run as run_sync
from tests.support.gateway_process import GatewayProcess
from tests.support.processes import free_port
from tests.support.receiver import SECRETS, Receiver, envelope, record, wait_until
from tests.support.servers import ServerThread


def test_a_stopping_instance_hands_its_deliveries_to_another_at_once(
    redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/records"
    receiver = Receiver(SECRETS, tmp_path / "service.db")
    receiver.mode, receiver.delay = "slow", 60.0
    # Ten minutes before an abandoned entry may be claimed: only a hand-back explains a quick
    # takeover.
    claim_idle = 600.0

    async def scenario() -> None:
        client = Redis.from_url(redis_url)
        first = HttpSink("consent", url, RedisOutbox(client, "consent", claim_idle=claim_idle))
        for n in range(5):
            await first.write(envelope(record(n)))
        policy = DeliveryPolicy(timeout=60, backoff=0.05, backoff_max=0.2, poll_interval=0.05)
        stopping = start_workers([first], SECRETS, policy, consumer="a")
        await wait_until(lambda: receiver.holding == 5, timeout=30)
        await stopping.stop()
        receiver.mode = "ok"
        other = HttpSink("consent", url, RedisOutbox(client, "consent", claim_idle=claim_idle))
        taking_over = start_workers([other], SECRETS, policy, consumer="b")
        try:
            await wait_until(lambda: len(receiver.stored) == 5, timeout=10)
            assert sorted(receiver.stored) == [f"rec_{n:05d}" for n in range(5)]
            await wait_until(lambda: taking_over.snapshot()["consent"]["delivered"] == 5)
            status = await other.queue.status()
            assert (status.depth, status.in_flight) == (0, 0)
        finally:
            await taking_over.stop()
            await client.aclose()

    with ServerThread(receiver, port=port):
        run_sync(scenario())


def test_no_request_fails_across_sigterm_under_load(tmp_path: Path) -> None:
    """A steady stream of widget requests on keep-alive connections while SIGTERM arrives:
    every request the gateway accepted is answered; afterwards connections are refused (a
    balancer sends those elsewhere), never accepted and dropped."""
    settings = settings_for(tmp_path / "data")
    key = stored_key(settings)
    url_path = f"/v1/{key.key.public_key}/consent/config"
    gw = GatewayProcess(tmp_path, {"GATEWAY_LIMIT_PER_IP": "100000/minute"})
    gw.start()
    answered: list[int] = []
    failed: list[str] = []
    refused = 0
    stop = threading.Event()
    lock = threading.Lock()

    def stream() -> None:
        nonlocal refused
        with httpx.Client(base_url=gw.url, timeout=10) as client:
            while not stop.is_set():
                try:
                    r = client.get(url_path, headers={"Origin": SITE})
                except httpx.ConnectError:
                    with lock:
                        refused += 1
                    time.sleep(0.01)
                    continue
                except httpx.HTTPError as exc:
                    with lock:
                        failed.append(type(exc).__name__)
                    continue
                with lock:
                    answered.append(r.status_code)

    threads = [threading.Thread(target=stream) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        assert _wait(lambda: len(answered) >= 200)
        gw.terminate()
        # uvicorn re-raises the signal once shut down: the exit is SIGTERM's, after a clean stop.
        assert gw.wait(timeout=30) in (0, -15)
        assert "Application shutdown complete" in gw.output()
        assert _wait(lambda: refused >= 4)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=15)
        gw.stop()
    assert failed == []
    assert set(answered) == {200}


def _wait(condition: object, within: float = 20.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False
