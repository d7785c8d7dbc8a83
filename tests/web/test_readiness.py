"""Readiness says whether this instance can serve, so one Redis outage never empties the pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.keys.redis_store import INVALIDATE_CHANNEL
from tests.gwclient import SITE, client_for, settings_for, stored_key
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
