"""Tracing: spans for the guard, the key store, the limiter and the sinks, with nothing personal."""

from __future__ import annotations

import json
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings
from tests.gwclient import SITE, settings_for, stored_key


def test_spans_name_each_step_and_hold_no_key_or_ip(data_dir: Path) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = settings_for(data_dir)
    key = stored_key(settings)
    pk, sk = key.key.public_key, key.private_key
    record = {
        "consent_id": "c0ffee0123456789",
        "action": "accept_all",
        "categories": {"necessary": True, "analytics": True},
        "policy_version": "1",
        "language": "en",
        "page_url": SITE + "/",
    }
    app = create_app(settings, tracer_provider=provider)
    with TestClient(app, client=("203.0.113.77", 50000)) as gw:
        answer = gw.post(
            f"/v1/{pk}/consent?email=jane@example.com",
            json=record,
            headers={"Origin": SITE, "User-Agent": "Jane's browser"},
        )
        assert answer.status_code == 201, answer.text
        gw.get(f"/v1/{pk}/consent/config", params={"k": sk}, headers={"Origin": SITE})
    spans = exporter.get_finished_spans()
    names = {s.name for s in spans}
    assert {
        "gateway.guard",
        "gateway.key_lookup",
        "gateway.keystore.get",
        "gateway.limiter",
        "gateway.sink.write",
        "POST /v1/{public_key}/consent",
    } <= names
    server = next(s for s in spans if s.name == "POST /v1/{public_key}/consent")
    assert server.attributes is not None
    assert server.attributes.get("http.route") == "/v1/{public_key}/consent"
    sink = next(s for s in spans if s.name == "gateway.sink.write")
    assert dict(sink.attributes or {}) == {"gateway.sink": "consent"}
    # Every gateway span sits inside the request's server span.
    assert sink.context.trace_id == server.context.trace_id
    dumped = json.dumps([s.to_json() for s in spans])
    for personal in (pk, sk, "203.0.113.77", "jane@example.com", "Jane's browser"):
        assert personal not in dumped, personal


def test_tracing_is_off_unless_an_endpoint_is_set() -> None:
    assert Settings.from_env({}).otel_endpoint is None
    standard = Settings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert standard.otel_endpoint == "http://collector:4318"
    own = Settings.from_env(
        {
            "GATEWAY_OTEL_ENDPOINT": "http://mine:4318",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
        }
    )
    assert own.otel_endpoint == "http://mine:4318"
