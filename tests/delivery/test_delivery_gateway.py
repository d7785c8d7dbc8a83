"""End to end: a consent posted to a running gateway reaches the consent service, signed, once."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from gateway.app import create_app
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.aio import run as run_sync
from tests.support.processes import free_port
from tests.support.receiver import Receiver, gateway_jwks, wait_until
from tests.support.servers import ServerThread


def consent(n: int) -> str:
    return json.dumps(
        {
            "consent_id": f"c0ffee01234567{n:02d}",
            "action": "accept_all",
            "categories": {
                "necessary": True,
                "functional": True,
                "analytics": True,
                "marketing": True,
            },
            "policy_version": "1",
            "language": "en",
            "gpc": False,
            "page_url": SITE + "/shop",
        }
    )


def test_consents_accepted_while_the_service_is_down_reach_it_verified(
    redis_url: str, data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    settings = settings_for(
        data_dir,
        redis_url,
        consent_sink=f"http://127.0.0.1:{port}/records",
        delivery_timeout=1.0,
        delivery_backoff=0.05,
        delivery_backoff_max=0.3,
        delivery_claim_idle=5.0,
    )
    key = stored_key(settings)
    with ServerThread(create_app(settings)) as gateway, httpx.Client(base_url=gateway.url) as http:
        # The service knows the gateway's published public keys, and no secret of it.
        service = Receiver(gateway_jwks(gateway.url), tmp_path / "service.db")
        accepted = []
        for n in range(5):
            r = http.post(
                f"/v1/{key.key.public_key}/consent",
                content=consent(n),
                headers={"Origin": SITE, "Content-Type": "text/plain"},
            )
            assert r.status_code == 201
            accepted.append(r.json()["record_id"])
        ready = http.get("/readyz").json()
        assert ready["checks"]["sink:consent"] == "degraded"

        with ServerThread(service, port=port):
            # The example service stores only records whose assertion verifies.
            run_sync(wait_until(lambda: sorted(service.stored) == sorted(accepted)))
            assert http.get("/readyz").json()["checks"]["sink:consent"] == "ok"
            delivered = 'gateway_delivery_total{outcome="delivered",service="consent"} 5'
            run_sync(wait_until(lambda: delivered in http.get("/metrics").text))
            assert 'gateway_delivery_total{outcome="retried",service="consent"}' in (
                http.get("/metrics").text
            )
