"""The operator port: operator routes on their own port, everything else on the public one."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.gateway_process import GatewayProcess

OPERATOR_PORT = 9100
TOKEN = secrets.token_urlsafe(32)

OPERATOR_ONLY = ["/metrics", "/readyz", "/admin/", "/admin/v1/keys"]
PUBLIC_ONLY = ["/widgets/consent.js", "/openapi.json"]


@pytest.fixture
def ports(data_dir: Path) -> tuple[TestClient, TestClient]:
    from starlette.datastructures import Secret

    settings = settings_for(data_dir, operator_port=OPERATOR_PORT, admin_token=Secret(TOKEN))
    app = create_app(settings)
    with (
        TestClient(app, base_url="http://gw.example") as public,
        TestClient(app, base_url=f"http://gw.example:{OPERATOR_PORT}") as operator,
    ):
        yield public, operator


@pytest.mark.parametrize("path", OPERATOR_ONLY)
def test_operator_routes_are_absent_from_the_public_port(
    ports: tuple[TestClient, TestClient], path: str
) -> None:
    public, operator = ports
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert public.get(path, headers=auth).status_code == 404
    assert operator.get(path, headers=auth).status_code == 200


@pytest.mark.parametrize("path", PUBLIC_ONLY)
def test_public_routes_are_absent_from_the_operator_port(
    ports: tuple[TestClient, TestClient], path: str
) -> None:
    public, operator = ports
    assert public.get(path).status_code == 200
    assert operator.get(path).status_code == 404


def test_liveness_on_both_ports(ports: tuple[TestClient, TestClient]) -> None:
    for client in ports:
        assert client.get("/healthz").json()["status"] == "ok"


def test_one_process_serves_both_ports_with_one_set_of_services(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    key = stored_key(settings)
    with GatewayProcess(tmp_path, {}, operator=True) as gw:
        pk = key.key.public_key
        answer = httpx.get(f"{gw.url}/v1/{pk}/consent/config", headers={"Origin": SITE})
        assert answer.status_code == 200
        assert httpx.get(gw.url + "/metrics").status_code == 404
        assert httpx.get(gw.url + "/readyz").status_code == 404
        metrics = httpx.get(gw.operator_url + "/metrics").text
        # The public port's request is counted by the services the operator port reads.
        assert 'gateway_requests_total{status="200",widget="consent"} 1.0' in metrics
        assert httpx.get(gw.operator_url + "/readyz").json()["status"] == "ok"
        assert httpx.get(gw.operator_url + "/widgets/consent.js").status_code == 404
