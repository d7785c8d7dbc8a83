"""Several gateway instances on one Redis, and one instance through a Redis outage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import redis

from gateway.keys.model import revoke_key
from gateway.keys.redis_store import INVALIDATE_CHANNEL
from tests.gwclient import SITE, client_for, settings_for, stored_key
from tests.support.processes import RedisServer
from tests.support.wait import poll


def config_url(pk: str) -> str:
    return f"/v1/{pk}/consent/config"


def test_two_instances_share_one_limit(redis_url: str, tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "a", redis_url, limit_per_ip="6/minute")
    key = stored_key(settings)
    url = config_url(key.key.public_key)
    with (
        client_for(settings) as a,
        client_for(dataclasses.replace(settings, data_dir=tmp_path / "b")) as b,
    ):
        codes = [c.get(url, headers={"Origin": SITE}).status_code for c in (a, b) * 4]
    assert codes == [200] * 6 + [429, 429]


def test_revocation_and_origin_change_reach_the_other_instance_within_a_second(
    redis_url: str, tmp_path: Path
) -> None:
    # A long cache TTL: only the pub/sub invalidation can explain a change seen quickly.
    settings = settings_for(tmp_path, redis_url, key_cache_ttl=600.0)
    key = stored_key(settings, origins=(SITE, "https://old.example"))
    url = config_url(key.key.public_key)
    with client_for(settings) as a, client_for(settings) as b:
        assert b.get(url, headers={"Origin": "https://old.example"}).status_code == 200
        changed = dataclasses.replace(key.key, origins=(SITE,))
        a.portal.call(a.app.state.services.store.put, changed)
        assert poll(
            lambda: b.get(url, headers={"Origin": "https://old.example"}).status_code == 403
        )
        assert b.get(url, headers={"Origin": SITE}).status_code == 200

        a.portal.call(a.app.state.services.store.put, revoke_key(changed))
        assert poll(
            lambda: b.get(url, headers={"Origin": SITE}).json().get("code") == "key_revoked"
        )


@pytest.mark.redis
def test_redis_outage_degrades_but_keeps_serving_cached_keys(tmp_path: Path) -> None:
    server = RedisServer()
    server.start()
    try:
        settings = settings_for(tmp_path, server.url, limit_per_ip="1000/minute")
        key = stored_key(settings)
        url = config_url(key.key.public_key)
        with client_for(settings) as gw:
            # The invalidation listener drops the whole cache once it has subscribed, and a lookup
            # in flight then is not cached: wait until the key is cached after that.
            subscribed = redis.Redis.from_url(server.url)
            assert poll(lambda: subscribed.pubsub_numsub(INVALIDATE_CHANNEL)[0][1] >= 1)
            subscribed.close()
            entries = gw.app.state.services.keys._entries  # type: ignore[attr-defined]
            assert poll(
                lambda: (
                    gw.get(url, headers={"Origin": SITE}).status_code == 200
                    and key.key.public_key in entries
                )
            )
            assert poll(lambda: gw.get("/readyz").json()["status"] == "ok")
            server.stop()
            # The key is cached and limits fall back to memory: widgets keep working.
            answers = [gw.get(url, headers={"Origin": SITE}) for _ in range(5)]
            assert [a.status_code for a in answers] == [200] * 5
            ready = gw.get("/readyz")
            assert ready.json()["checks"]["limiter"] == "degraded"
            # The key store is down too, but cached keys still answer: out of the balancer
            # this instance would help nobody, so it stays ready and says it is degraded.
            assert ready.status_code == 200
            assert ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["store"] == "degraded"
            metrics = gw.get("/metrics").text
            assert 'gateway_degraded{part="limiter"} 1.0' in metrics
            assert 'gateway_degraded{part="store"} 1.0' in metrics
            server.start()
            assert poll(lambda: gw.get("/readyz").json()["status"] == "ok", within=5.0)
    finally:
        server.close()


def test_a_redis_instance_is_ready_before_its_data_folder_exists(
    redis_url: str, tmp_path: Path
) -> None:
    """The default rights file sink's folder, made by the first record at the latest, is no
    reason to report degraded on a fresh instance."""
    settings = settings_for(tmp_path / "not-made-yet", redis_url)
    with client_for(settings) as gw:
        ready = gw.get("/readyz").json()
    assert ready["status"] == "ok", ready["checks"]
