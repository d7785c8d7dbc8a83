"""A gateway on Redis Sentinel (``redis+sentinel://`` naming three real sentinels) while the
master dies under load: limits stay within docs/operators.md's bound, every accepted record
reaches the service, and records are accepted again once the sentinels have promoted the
replica."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from tests.delivery.test_delivery_gateway import consent
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.aio import run as run_sync
from tests.support.processes import free_port
from tests.support.receiver import Receiver, gateway_jwks, wait_until
from tests.support.sentinel import SentinelServers
from tests.support.servers import ServerThread

LIMIT = 60  # per key and minute, for the limited key
PROCESSES = 1

pytestmark = pytest.mark.redis


@pytest.fixture
def sentinels() -> Iterator[SentinelServers]:
    servers = SentinelServers()
    try:
        servers.start()
        yield servers
    finally:
        servers.close()


def test_a_sentinel_failover_under_load_loses_no_accepted_record(
    sentinels: SentinelServers, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_for(
        tmp_path / "data",
        sentinels.url,
        consent_sink=f"http://127.0.0.1:{port}/records",
        limit_per_ip="100000/minute",
        limit_consent_per_ip="100000/minute",
        delivery_backoff=0.05,
        delivery_backoff_max=0.3,
        # Under the suite's load a round's outbox writes (XADD + WAIT) can outlast the default
        # 0.25 s and be answered 503 before the master is killed, which the limit's lower bound
        # below does not allow for. A killed master refuses connections at once, so the
        # failover is not slowed by it.
        redis_timeout=2.0,
    )
    limited = stored_key(settings, limits={"per_key": f"{LIMIT}/minute"}).key.public_key
    # A key with room to spare shows when records are accepted again.
    roomy = stored_key(settings, limits={"per_key": "100000/minute"}).key.public_key
    gateway = ServerThread(create_app(settings))
    service = Receiver(gateway_jwks(gateway.url), tmp_path / "service.db")
    with ServerThread(service, port=port), gateway:
        limited_accepted, roomy_accepted, sent, before = run_sync(
            _drive(gateway.url, limited, roomy, sentinels)
        )
        # Before the failover every request was within the limit and Redis was there.
        assert set(before) == {201}, f"answers before the failover: {sorted(before)}"
        # Records: every 201 reaches the service, those accepted before, during and after.
        accepted = limited_accepted + roomy_accepted
        run_sync(wait_until(lambda: set(accepted) <= set(service.stored), timeout=30))
    # Limits: at least the limit, at most once in Redis and once per process in memory.
    assert sent > LIMIT * (1 + PROCESSES)
    assert LIMIT <= len(limited_accepted) <= LIMIT * (1 + PROCESSES)


async def _drive(
    url: str, limited: str, roomy: str, sentinels: SentinelServers
) -> tuple[list[str], list[str], int, list[int]]:
    accepted: dict[str, list[str]] = {limited: [], roomy: []}
    sent = 0
    body = consent(1)
    old_master = sentinels.master.port

    async def post(http: httpx.AsyncClient, key: str) -> int:
        nonlocal sent
        response = await http.post(
            f"{url}/v1/{key}/consent",
            content=body,
            headers={"Origin": SITE, "Content-Type": "text/plain"},
        )
        if key == limited:
            sent += 1
        if response.status_code == 201:
            accepted[key].append(response.json()["record_id"])
        else:
            assert response.status_code in (429, 503), response.text
        return response.status_code

    async def round_(http: httpx.AsyncClient) -> list[int]:
        keys = [limited] * 15 + [roomy] * 5
        return await asyncio.gather(*(post(http, key) for key in keys))

    # A connection per request, as browsers behind a balancer mostly are (a kept-alive one
    # closed by the server while idle is test_graceful_stop's).
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        before = [status for _ in range(4) for status in await round_(http)]
        sentinels.master.kill()
        # Load goes on until the sentinels name the replica and it takes records again.
        resumed = False
        for _ in range(400):
            statuses = await round_(http)
            promoted = sentinels.master_port() not in (None, old_master)
            if promoted and 201 in statuses[15:]:
                resumed = True
                break
        assert resumed, "records were not accepted again after the failover"
        for _ in range(4):
            await round_(http)
    return accepted[limited], accepted[roomy], sent, before
