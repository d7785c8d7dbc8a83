"""A fleet on Redis Cluster, end to end: two ``widget-gateway serve`` instances with two workers
each behind a trusted proxy, under load, while the master holding the per-key limit's slot dies
and later while the whole cluster is away."""

from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from gateway.ratelimit.limiter import Limiter, LimitRequest
from gateway.settings import Settings
from gateway.web.metrics import FLUSH_SECONDS
from tests.delivery.test_delivery_gateway import consent
from tests.gwclient import SECRET, SITE, settings_for, stored_key
from tests.support.aio import run as run_sync
from tests.support.cluster import RedisClusterServers
from tests.support.gateway_process import GatewayProcess
from tests.support.processes import free_port
from tests.support.receiver import Receiver, gateway_jwks, wait_until
from tests.support.servers import ServerThread

LIMIT = 60  # per key and minute, for the fleet together
PROCESSES = 4  # two instances, two workers each
QUERY = "utm_source=newsletter-4711"


def _ip(n: int) -> str:
    return f"198.51.100.{n % 250 + 1}" if n % 2 else f"203.0.113.{n % 250 + 1}"


def _consent_count(metrics: str) -> float:
    """Requests to the consent endpoint, every status, as one scrape reports them."""
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("gateway_request_duration_seconds_count{") and 'consent"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_two_instances_on_the_cluster_survive_a_master_failover(
    redis_cluster: RedisClusterServers, tmp_path: Path
) -> None:
    # The cluster without the ``cluster_url`` fixture, so this runs once: the instances are
    # processes on uvloop (serve's default) whichever loop the test's own client uses.
    redis_cluster.restore()
    redis_cluster.flush()
    cluster_url = redis_cluster.url
    port = free_port()
    settings = settings_for(tmp_path / "data", cluster_url)
    key = stored_key(settings, limits={"per_key": f"{LIMIT}/minute"})
    pk = key.key.public_key
    env = {
        "GATEWAY_REDIS_URL": cluster_url,
        "GATEWAY_SECRET_KEY": SECRET,
        "GATEWAY_TRUSTED_PROXIES": "127.0.0.1/32",
        "GATEWAY_CONSENT_SINK": f"http://127.0.0.1:{port}/records",
        "GATEWAY_DELIVERY_BACKOFF": "0.05",
        "GATEWAY_DELIVERY_BACKOFF_MAX": "0.3",
        "GATEWAY_REDIS_TIMEOUT": "0.25",
    }
    fleet = [
        GatewayProcess(tmp_path / name, env, "--workers", "2", operator=True) for name in ("a", "b")
    ]
    for gw in fleet:
        gw.folder.mkdir()
    # The service verifies with the public keys alone, fetched (when it meets a new one) from an
    # instance's JWKS: the fleet shares its assertion keys through Redis.
    service = Receiver(gateway_jwks(fleet[0].url), tmp_path / "service.db")
    with ServerThread(service, port=port), ThreadPoolExecutor(2) as pool:
        try:
            list(pool.map(lambda gw: gw.start(timeout=240), fleet))
            sent, accepted, counted = run_sync(
                _drive(fleet, pk, redis_cluster, _limit_slot_key(settings, pk))
            )
            # Limits: at least the limit (nothing refused that Redis had room for), at most
            # docs/operators.md's bound for a failover (once in Redis, once per process).
            assert sent > LIMIT * (1 + PROCESSES)
            assert LIMIT <= len(accepted) <= LIMIT * (1 + PROCESSES)
            # No accepted record lost: every 201 reaches the service.
            run_sync(wait_until(lambda: set(accepted) <= set(service.stored), timeout=60))
            # Metrics of all workers on each scrape: each of six scrapes of an instance's
            # operator port (new connections, so either worker answers) counts every request
            # that instance answered, a second after it was answered at most.
            for gw in fleet:
                first = gw.operator_url + "/metrics"
                run_sync(
                    wait_until(
                        lambda url=first, port=gw.port: (
                            _consent_count(httpx.get(url).text) == counted[port]
                        ),
                        timeout=FLUSH_SECONDS * 5,
                    )
                )
                scrapes = [
                    _consent_count(
                        httpx.get(
                            gw.operator_url + "/metrics", headers={"Connection": "close"}
                        ).text
                    )
                    for _ in range(6)
                ]
                assert scrapes == [float(counted[gw.port])] * 6
            # Readiness while Redis is away: every node down, the keys cached, limits fail open.
            for node in redis_cluster.nodes:
                node.kill()
            for gw in fleet:
                for _ in range(4):  # both workers of each instance, by new connections
                    assert _ready_when_degraded(gw) == (200, "degraded")
        finally:
            list(pool.map(lambda gw: gw.stop(), fleet))
    output = "".join(gw.output() for gw in fleet)
    lines = [line for line in output.splitlines() if line.strip()]
    assert any('"gateway.access"' in line for line in lines)
    for line in lines:
        if not line.startswith("widget-gateway:"):
            json.loads(line)  # one JSON object per line
    assert QUERY not in output and "utm_source" not in output
    assert not re.search(r"\b(198\.51\.100|203\.0\.113)\.\d+\b", output), "a full IP was logged"


async def _drive(
    fleet: list[GatewayProcess], pk: str, cluster: RedisClusterServers, slot_key: str
) -> tuple[int, list[str], dict[int, int]]:
    accepted: list[str] = []
    counted = {gw.port: 0 for gw in fleet}
    sent = 0
    body = consent(1)

    async def post(http: httpx.AsyncClient, gw: GatewayProcess, n: int) -> None:
        nonlocal sent
        response = await http.post(
            f"{gw.url}/v1/{pk}/consent?{QUERY}",
            content=body,
            headers={"Origin": SITE, "Content-Type": "text/plain", "X-Forwarded-For": _ip(n)},
        )
        sent += 1
        counted[gw.port] += 1
        if response.status_code == 201:
            accepted.append(response.json()["record_id"])
        else:
            assert response.status_code in (429, 503), response.text

    # A connection per request, as browsers behind a balancer mostly are: the kernel spreads them
    # over both workers of an instance (keep-alive under a stop is test_graceful_stop's).
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:
        n = 0

        async def round_() -> None:
            nonlocal n
            await asyncio.gather(*(post(http, fleet[i % 2], n + i) for i in range(40)))
            n += 40

        for _ in range(3):
            await round_()
        master = cluster.master_of(slot_key)
        master.kill()
        # Load through the failover: until the replica holds the slot, then a few rounds on it,
        # and in all more requests than the bound could admit.
        for _ in range(200):
            await round_()
            if await asyncio.to_thread(lambda: cluster.master_of(slot_key).port != master.port):
                break
        for _ in range(3):
            await round_()
        while sent <= LIMIT * (1 + PROCESSES) + 40:
            await round_()
    return sent, accepted, counted


def _ready_when_degraded(gw: GatewayProcess) -> tuple[int, str]:
    async def poll() -> tuple[int, str]:
        for _ in range(200):
            r = httpx.get(gw.operator_url + "/readyz", headers={"Connection": "close"})
            if r.json()["status"] != "ok":
                return r.status_code, r.json()["status"]
            await asyncio.sleep(0.05)
        return r.status_code, r.json()["status"]

    return run_sync(poll())


def _limit_slot_key(settings: Settings, pk: str) -> str:
    """A name in the slot of the per-key limit's windows, as the gateway's limiter names them."""
    limiter = Limiter(settings, str(settings.redis_url))
    window = limiter._windows([LimitRequest("key", f"{LIMIT}/minute", (pk,))])[0]
    run_sync(limiter.close())
    return "{" + "/".join(window.identity) + "}"
