"""Operators' endpoints and the API schema."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Route

from gateway import __version__
from tests.gwclient import SITE, client_for, settings_for, stored_key


def test_health_readiness_and_metrics_on_the_embedded_default(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    key = stored_key(settings)
    with client_for(settings) as gw:
        assert gw.get("/healthz").json() == {"status": "ok", "version": __version__}
        ready = gw.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "ok"
        gw.get(
            f"/v1/{key.key.public_key}/consent/config", headers={"Origin": "https://evil.example"}
        )
        text = gw.get("/metrics").text
        assert "# TYPE gateway_errors_total counter" in text
        assert 'gateway_errors_total{code="origin_not_allowed"} 1.0' in text
        gw.get(f"/v1/{key.key.public_key}/consent/config", headers={"Origin": SITE})
        text = gw.get("/metrics").text
        assert 'gateway_requests_total{status="200",widget="consent"} 1.0' in text
        assert key.key.public_key not in text


def test_every_route_is_described_in_the_openapi_schema(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    with client_for(settings) as gw:
        doc = gw.get("/openapi.json").json()
        assert doc["openapi"].startswith("3.")
        described = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
        missing = []
        for route in gw.app.routes:
            if not isinstance(route, Route):
                continue
            path = route.path.replace("{rest:path}", "{rest}").replace(":path", "")
            for method in route.methods or ():
                if method != "HEAD" and (path, method) not in described:
                    missing.append(f"{method} {path}")
        assert not missing, f"routes missing from /openapi.json: {missing}"


def test_cors_preflight_for_the_real_consent_endpoint(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    key = stored_key(settings)
    with client_for(settings) as gw:
        r = gw.options(
            f"/v1/{key.key.public_key}/consent",
            headers={"Origin": SITE, "Access-Control-Request-Method": "POST"},
        )
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == SITE
