"""A graceful stop (SIGTERM): no request lost, held deliveries handed back at once."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

from redis.asyncio import Redis

from gateway.delivery.http import HttpSink
from gateway.delivery.outbox import RedisOutbox
from gateway.delivery.workers import DeliveryPolicy, start_workers
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.aio import run as run_sync
from tests.support.gateway_process import GatewayProcess
from tests.support.processes import free_port
from tests.support.receiver import JWKS, SIGNER, Receiver, envelope, record, wait_until
from tests.support.servers import ServerThread


def test_a_stopping_instance_hands_its_deliveries_to_another_at_once(
    redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/records"
    receiver = Receiver(JWKS, tmp_path / "service.db")
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
        stopping = start_workers([first], SIGNER, policy, consumer="a")
        await wait_until(lambda: receiver.holding == 5, timeout=30)
        await stopping.stop()
        receiver.mode = "ok"
        other = HttpSink("consent", url, RedisOutbox(client, "consent", claim_idle=claim_idle))
        taking_over = start_workers([other], SIGNER, policy, consumer="b")
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


def test_requests_in_flight_at_sigterm_are_answered(tmp_path: Path) -> None:
    """Consent records half sent when SIGTERM arrives are still received and stored, and the
    listener stops at once: a new connection is refused."""
    settings = settings_for(tmp_path / "data")
    key = stored_key(settings)
    body = json.dumps(
        {
            "consent_id": "c0ffee0123456789",
            "action": "accept_all",
            "categories": {"necessary": True, "analytics": True},
            "policy_version": "1",
            "language": "en",
            "page_url": SITE + "/",
        }
    ).encode()
    head = (
        f"POST /v1/{key.key.public_key}/consent HTTP/1.1\r\nHost: gw\r\nOrigin: {SITE}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with GatewayProcess(tmp_path, {}) as gw:
        senders = [socket.create_connection(("127.0.0.1", gw.port)) for _ in range(4)]
        for s in senders:
            s.sendall(head + body[:10])
        # The gateway has read every head and waits for the bodies.
        assert _wait(lambda: _all_read(gw.port, [s.getsockname()[1] for s in senders]))
        gw.terminate()
        assert _wait(lambda: _refused(gw.port))
        for s in senders:
            s.sendall(body[10:])
        answers = [_read_all(s) for s in senders]
        assert gw.wait(timeout=30) in (0, -15)  # uvicorn re-raises SIGTERM after a clean stop
    assert all(a.startswith(b"HTTP/1.1 201") for a in answers), answers
    assert "Application shutdown complete" in gw.output()
    stored = (tmp_path / "data" / "consent.jsonl").read_text().splitlines()
    assert len(stored) == 4


def _all_read(port: int, peers: list[int]) -> bool:
    """Whether the server on ``port`` has accepted a connection from each of ``peers`` (client
    ports) and read everything they sent: nothing waits in its receive queue
    (``/proc/net/tcp``: local and remote address, then ``tx_queue:rx_queue``)."""
    waiting: dict[int, int] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = (int(a.rsplit(":", 1)[1], 16) for a in fields[1:3])
        if local == port and remote in peers:
            waiting[remote] = int(fields[4].split(":")[1], 16)
    return len(waiting) == len(peers) and not any(waiting.values())


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def _read_all(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    return data


def _wait(condition: object, within: float = 20.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_no_request_on_a_keep_alive_connection_fails_at_sigterm_under_load(
    tmp_path: Path,
) -> None:
    """Forty clients keep their connections alive and send requests back to back while SIGTERM
    arrives: every request sent on an open connection is answered, none meets a reset or a
    closed connection, and each client is told ``Connection: close`` on its last answer. (A
    client told so goes elsewhere: behind a load balancer, the instance left the pool during the
    ``preStop`` delay; new connections are not this instance's to answer.)"""
    import asyncio

    import httpx

    clients = 40
    with GatewayProcess(tmp_path, {}) as gw:

        async def load() -> tuple[int, list[str]]:
            closing = 0
            answered = [0] * clients
            failures: list[str] = []

            async def client(n: int) -> None:
                nonlocal closing
                limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
                async with httpx.AsyncClient(base_url=gw.url, limits=limits, timeout=10) as http:
                    while True:
                        try:
                            response = await http.get("/healthz")
                        except httpx.HTTPError as exc:
                            failures.append(type(exc).__name__)
                            return
                        answered[n] += 1
                        if response.headers.get("connection") == "close":
                            closing += 1
                            return

            running = [asyncio.create_task(client(n)) for n in range(clients)]
            # Every connection is in use and has been kept alive for a second request.
            while min(answered) < 2 and not failures:
                await asyncio.sleep(0.01)
            gw.terminate()
            await asyncio.gather(*running)
            return closing, failures

        closing, failures = run_sync(load())
        assert gw.wait(timeout=30) in (0, -15)
    assert failures == []
    assert closing == clients
