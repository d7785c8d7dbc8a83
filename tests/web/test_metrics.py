"""Prometheus metrics: what an operator's dashboards and alerts read."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from gateway.web.metrics import FLUSH_SECONDS, Metrics, metric_names
from tests.gwclient import SITE, client_for, settings_for, stored_key
from tests.support.aio import run
from tests.support.gateway_process import GatewayProcess
from tests.support.receiver import wait_until
from tests.support.wait import poll


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def test_request_durations_by_route_family_and_status_class(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    key = stored_key(settings)
    pk = key.key.public_key
    with client_for(settings) as gw:
        gw.get("/widgets/consent.js")
        gw.get(f"/v1/{pk}/consent/config", headers={"Origin": SITE})
        gw.get(f"/v1/{pk}/consent/config", headers={"Origin": "https://evil.example"})
        gw.get("/healthz")
        text = gw.get("/metrics").text
    count = "gateway_request_duration_seconds_count"
    assert value(text, count, route="widget_asset", status_class="2xx") == 1
    assert value(text, count, route="consent", status_class="2xx") == 1
    assert value(text, count, route="consent", status_class="4xx") == 1
    assert value(text, count, route="health", status_class="2xx") == 1
    assert pk not in text and "evil" not in text


def test_key_cache_hits_misses_and_limiter_decisions(data_dir: Path) -> None:
    settings = settings_for(data_dir, limit_per_ip="2/minute")
    key = stored_key(settings)
    url = f"/v1/{key.key.public_key}/consent/config"
    with client_for(settings) as gw:
        codes = [gw.get(url, headers={"Origin": SITE}).status_code for _ in range(3)]
        text = gw.get("/metrics").text
    assert codes == [200, 200, 429]
    assert value(text, "gateway_key_cache_lookups_total", result="miss") == 1
    assert value(text, "gateway_key_cache_lookups_total", result="hit") == 2
    # The embedded default counts in memory by design: no fallback.
    assert value(text, "gateway_limiter_decisions_total", outcome="allowed", store="memory") == 2
    assert value(text, "gateway_limiter_decisions_total", outcome="refused", store="memory") == 1
    assert value(text, "gateway_limiter_fallbacks_total") == 0
    assert value(text, "gateway_build_info", version="0.2.0") == 1


def test_redis_latency_and_outbox_gauges(redis_url: str, data_dir: Path) -> None:
    # An HTTP sink nobody answers: the record waits in the outbox, retried.
    settings = settings_for(
        data_dir,
        redis_url,
        consent_sink="http://127.0.0.1:9/records",
        delivery_backoff=60.0,
        delivery_backoff_max=60.0,
        delivery_claim_idle=120.0,
    )
    key = stored_key(settings)
    pk = key.key.public_key
    body = {
        "consent_id": "c0ffee0123456789",
        "action": "accept_all",
        "categories": {"necessary": True, "analytics": True},
        "policy_version": "1",
        "language": "en",
        "page_url": SITE + "/",
    }
    with client_for(settings) as gw:
        posted = gw.post(f"/v1/{pk}/consent", json=body, headers={"Origin": SITE})
        assert posted.status_code == 201, posted.text
        held = ("gateway_outbox_in_flight", "gateway_outbox_retrying")

        def claimed() -> str:
            # The delivery worker claims the record a moment after the 201 (later on a busy
            # machine); until then it is queued, counted in the depth only.
            text = gw.get("/metrics").text
            return text if sum(value(text, name, sink="consent") for name in held) else ""

        text = poll(claimed, within=10.0)
    # Not yet delivered: one record, held by a worker or scheduled for its retry.
    assert value(text, "gateway_outbox_depth", sink="consent") == 1
    assert sum(value(text, name, sink="consent") for name in held) == 1
    assert value(text, "gateway_outbox_oldest_seconds", sink="consent") >= 0
    assert value(text, "gateway_outbox_dead", sink="consent") == 0
    assert value(text, "gateway_redis_command_seconds_count", op="key_get") >= 1
    assert value(text, "gateway_redis_command_seconds_count", op="outbox_status") >= 1


def test_counters_never_lose_precision() -> None:
    # The registry this replaced printed 1234567 as "1.23457e+06".
    metrics = Metrics("0.2.0")
    metrics.errors.labels(code="rate_limited").inc(1_234_567)
    metrics.error("rate_limited")
    assert 'gateway_errors_total{code="rate_limited"} 1.234568e+06' in metrics.render().decode()


def test_every_worker_shows_in_every_scrape(tmp_path: Path) -> None:
    """With two workers, each scrape (answered by either) counts every worker's requests, a
    second after they were answered at most."""
    with GatewayProcess(tmp_path, {}, "--workers", "2") as gw:
        for _ in range(10):
            # A new connection each: the kernel spreads them over both workers.
            assert httpx.get(gw.url + "/widgets/consent.js").status_code == 200

        def total() -> float:
            text = httpx.get(gw.url + "/metrics", headers={"Connection": "close"}).text
            return value(
                text,
                "gateway_request_duration_seconds_count",
                route="widget_asset",
                status_class="2xx",
            )

        run(wait_until(lambda: total() == 10.0, timeout=FLUSH_SECONDS * 5))
        totals = []
        for _ in range(6):
            text = httpx.get(gw.url + "/metrics", headers={"Connection": "close"}).text
            totals.append(
                value(
                    text,
                    "gateway_request_duration_seconds_count",
                    route="widget_asset",
                    status_class="2xx",
                )
            )
    assert totals == [10.0] * 6


def test_metric_names_are_few_and_free_of_personal_data() -> None:
    names = metric_names()
    assert "gateway_request_duration_seconds_bucket" in names
    assert all(re.fullmatch(r"gateway_[a-z_]+", n) for n in names)
