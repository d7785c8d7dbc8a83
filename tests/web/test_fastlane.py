"""The fast lane: the widgets' routes skip Starlette's middleware stack and answer exactly as
they do through it, with the request id, the access line and the duration metric every request
gets, and a problem answer when an error escapes an endpoint."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.web.fastlane import FastLane
from gateway.web.routing import DirectRoute
from tests.gwclient import SITE, client_for, settings_for, stored_key
from tests.support import aio

PREFLIGHT = {
    "Origin": SITE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}
CHOICE = {
    "consent_id": "c0ffee0123456789",
    "action": "accept_all",
    "categories": {"necessary": True, "analytics": True, "marketing": True},
    "policy_version": "1",
    "language": "en",
    "gpc": False,
    "page_url": SITE + "/shop",
}
# (method, path, headers, body): {pk} is the test key's public key.
REQUESTS: list[tuple[str, str, dict[str, str], bytes]] = [
    ("GET", "/widgets/consent.js", {"Accept-Encoding": "gzip"}, b""),
    ("HEAD", "/widgets/rights.js", {}, b""),
    ("GET", "/widgets/nothing.js", {}, b""),
    ("OPTIONS", "/v1/{pk}/consent", PREFLIGHT, b""),
    ("OPTIONS", "/v1/{pk}/consent", {**PREFLIGHT, "Origin": "https://elsewhere.example"}, b""),
    ("GET", "/v1/{pk}/consent/config", {"Origin": SITE, "Accept-Language": "de"}, b""),
    ("GET", "/v1/{pk}/consent/config", {}, b""),
    ("GET", "/v1/pk_live_nonsense/consent/config", {"Origin": SITE}, b""),
    ("POST", "/v1/{pk}/consent", {"Origin": SITE, "Content-Type": "text/plain"}, b"{nope"),
    ("DELETE", "/v1/{pk}/consent", {"Origin": SITE}, b""),  # a 405: the full stack's answer
    ("GET", "/v1/{pk}/rights/config", {"Origin": SITE}, b""),
]
# Fields that differ between any two answers (the id, the time, a fresh form token).
VARYING = {"x-request-id", "date", "ratelimit"}


def answers(data_dir: Path, pk: str, *, fast: bool) -> list[tuple[int, dict[str, str], Any]]:
    app = create_app(settings_for(data_dir))
    app.fast_lane = fast
    seen = []
    with TestClient(
        app, raise_server_exceptions=False, backend_options=aio.testclient_options()
    ) as gw:
        assert isinstance(app.middleware_stack, FastLane) is fast
        for method, path, headers, body in REQUESTS:
            answer = gw.request(method, path.format(pk=pk), headers=headers, content=body)
            fields = {k: v for k, v in answer.headers.items() if k not in VARYING}
            content: Any = answer.content
            if answer.headers.get("content-type", "").startswith("application/json"):
                content = sorted(json.loads(content))  # the names: a form token is fresh
            seen.append((answer.status_code, fields, content))
    return seen


def test_the_fast_lane_answers_every_widget_request_as_the_full_stack_does(
    data_dir: Path,
) -> None:
    pk = stored_key(settings_for(data_dir)).key.public_key
    fast = answers(data_dir, pk, fast=True)
    full = answers(data_dir, pk, fast=False)
    assert [status for status, _, _ in fast] == [
        200,
        200,
        404,
        204,
        403,
        200,
        403,
        401,
        400,
        405,
        200,
    ]
    for (method, path, _, _), one, other in zip(REQUESTS, fast, full, strict=True):
        assert one == other, f"{method} {path}"


def test_widget_requests_take_the_lane_and_the_rest_the_full_stack(data_dir: Path) -> None:
    app = create_app(settings_for(data_dir))
    with TestClient(app, backend_options=aio.testclient_options()):
        lane = app.middleware_stack
        assert isinstance(lane, FastLane)
        taken = {
            path: lane.router.direct(
                {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
            )
            for method, path in [
                ("GET", "/widgets/consent.js"),
                ("GET", "/v1/pk_x/consent/config"),
                ("OPTIONS", "/v1/pk_x/rights"),
                ("POST", "/v1/pk_x/consent"),
                ("GET", "/console/"),
                ("GET", "/healthz"),
                ("POST", "/oauth/token"),
            ]
        }
    assert {p for p, route in taken.items() if route is not None} == {
        "/widgets/consent.js",
        "/v1/pk_x/consent/config",
        "/v1/pk_x/rights",
        "/v1/pk_x/consent",
    }


async def explode(request: Request) -> Response:
    raise RuntimeError("jane@example.com broke it")


def test_an_error_escaping_a_lane_endpoint_gets_a_problem_answer_and_a_scrubbed_line(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    boom = DirectRoute("/v1/{public_key}/boom", explode, methods=["GET"])
    caplog.set_level(logging.INFO)
    with client_for(settings_for(data_dir), routes=[boom]) as gw:
        answer = gw.get(
            "/v1/pk_secret_looking_thing/boom", headers={"X-Request-ID": "boom-12345678"}
        )
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "internal_error"
    assert answer.headers["x-request-id"] == "boom-12345678"
    ours = [r for r in caplog.records if r.name.startswith("gateway")]
    logged = "\n".join(caplog.handler.format(r) for r in ours)
    assert "RuntimeError on GET /v1/{public_key}/boom" in logged
    assert "pk_secret_looking_thing" not in logged and "jane@" not in logged
    access = [r for r in caplog.records if r.name == "gateway.access"]
    assert [getattr(r, "status", None) for r in access] == [500]


def test_the_lane_counts_its_requests_in_the_duration_metric(data_dir: Path) -> None:
    with client_for(settings_for(data_dir)) as gw:
        for _ in range(3):
            assert gw.get("/widgets/consent.js").status_code == 200
        metrics = gw.get("/metrics").text
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith("gateway_request_duration_seconds_count")
        and 'route="widget_asset"' in line
    ]
    assert counted and float(counted[0].rsplit(" ", 1)[1]) >= 3
