"""Readiness says whether this instance can serve, so one Redis outage never empties the pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.keys.redis_store import INVALIDATE_CHANNEL
from tests.consent.test_consent_api import choice
from tests.gwclient import SITE, client_for, settings_for, stored_key
from tests.support.cluster import RedisClusterServers
from tests.support.processes import RedisServer
from tests.support.wait import poll


@pytest.mark.parametrize(
    ("fail_closed", "cached", "status", "code", "checks"),
    [
        (False, True, "degraded", 200, {"store": "degraded", "limiter": "degraded"}),
        (False, False, "down", 503, {"store": "down", "limiter": "degraded"}),
        (True, True, "down", 503, {"store": "degraded", "limiter": "down"}),
    ],
    ids=["fail-open-with-cached-keys", "no-key-cached", "fail-closed"],
)
def test_readiness_while_redis_is_down(
    tmp_path: Path,
    fail_closed: bool,
    cached: bool,
    status: str,
    code: int,
    checks: dict[str, str],
) -> None:
    server = RedisServer()
    server.start()
    try:
        settings = settings_for(tmp_path, server.url, limits_fail_closed=fail_closed)
        key = stored_key(settings)
        url = f"/v1/{key.key.public_key}/consent/config"
        with client_for(settings) as gw:
            # Once subscribed to invalidations (subscribing drops the cache), cache the key.
            redis = server.client()
            assert poll(lambda: redis.pubsub_numsub(INVALIDATE_CHANNEL)[0][1] >= 1)
            redis.close()
            if cached:
                assert gw.get(url, headers={"Origin": SITE}).status_code == 200
            assert gw.get("/readyz").json()["status"] == "ok"
            server.stop()
            ready = gw.get("/readyz")
            assert (ready.json()["status"], ready.status_code) == (status, code)
            assert {k: ready.json()["checks"][k] for k in checks} == checks
            if code == 200:
                # It says it can serve, and it does.
                assert gw.get(url, headers={"Origin": SITE}).status_code == 200
            server.start()
            assert poll(lambda: gw.get("/readyz").json()["status"] == "ok", within=5.0)
    finally:
        server.close()


def test_readiness_and_answers_while_every_node_of_the_cluster_is_down(
    tmp_path: Path, cluster_url: str, redis_cluster: RedisClusterServers
) -> None:
    """On a Redis Cluster whose every node is gone, readiness says "degraded" and the widgets
    are still served from the cached key: no part of the gateway gives up with a 500."""
    settings = settings_for(tmp_path, cluster_url)
    key = stored_key(settings)
    config = f"/v1/{key.key.public_key}/consent/config"
    consent = f"/v1/{key.key.public_key}/consent"
    with client_for(settings) as gw:
        assert poll(lambda: redis_cluster.subscribers(INVALIDATE_CHANNEL) >= 1, within=10.0)
        assert gw.get(config, headers={"Origin": SITE}).status_code == 200
        assert poll(lambda: gw.get("/readyz").json()["status"] == "ok")
        for node in redis_cluster.nodes:
            node.kill()
        for _ in range(3):  # the first calls find the nodes gone, the next ones no map either
            ready = gw.get("/readyz")
            assert (ready.status_code, ready.json()["status"]) == (200, "degraded")
            assert ready.json()["checks"]["store"] == "degraded"
            assert gw.get(config, headers={"Origin": SITE}).status_code == 200
        # Records go to the file sink (no outbox on this set-up): still taken, durably.
        posted = gw.post(consent, headers={"Origin": SITE}, json=choice())
        assert posted.status_code == 201
    # The stop with Redis gone hands nothing back and fails nothing (the lifespan's exit).
