"""The gateway's Prometheus metrics, on ``prometheus-client``, behind a small typed facade.

Call sites name what happened (``metrics.error("origin_not_allowed")``); this module owns every
metric name, label and bucket, so ``/metrics``, the alert rules and the dashboard agree on one
list (:func:`metric_names`, checked by the tests against ``deploy/``).

With several worker processes (``widget-gateway serve --workers N``), ``serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at an emptied folder before the workers start; each worker then
writes its values there and any worker's ``/metrics`` sums every worker's files. The hot paths'
counts reach a worker's files within a second (:mod:`gateway.web.tally`). Figures read at
scrape time (the outbox's depth) are computed by the answering worker and added as they are.

Label values are product data — codes, widget names, route families, sink names, outcomes —
never personal data, keys or raw paths.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.web.tally import Tally

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST

# Seconds: a widget answer is a few milliseconds; a Redis outage shows as the timeout (0.25 s).
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
REDIS_BUCKETS = (0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5)
# How long, with several workers, a worker's counts may wait before the others' scrapes see them.
FLUSH_SECONDS = 1.0
# ``status // 100`` → the ``status_class`` label (a status is 100 to 599).
STATUS_CLASS = tuple(f"{n}xx" for n in range(10))
LAG_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0)

# Figures computed at scrape time from the delivery queues (see :func:`queue_families`).
QUEUE_GAUGES = {
    "gateway_outbox_depth": "Records not yet delivered (waiting, held, due for a retry), by sink.",
    "gateway_outbox_in_flight": "Records a worker of some instance holds right now, by sink.",
    "gateway_outbox_retrying": "Records scheduled for a retry, by sink.",
    "gateway_outbox_dead": "Records in the dead-letter store, by sink.",
    "gateway_outbox_oldest_seconds": "Age of the oldest record not yet delivered, by sink.",
}


def multiprocess_mode() -> bool:
    """Whether values go to ``PROMETHEUS_MULTIPROC_DIR`` (several workers) or stay in memory."""
    return bool(os.environ.get(MULTIPROC_ENV))


class Metrics:
    """Every metric of one running app. In multiprocess mode values are shared through files;
    otherwise each app has its own registry, so tests can run several apps side by side."""

    def __init__(self, version: str = "") -> None:
        prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
        self.shared = multiprocess_mode()
        # This app's own metrics; in multiprocess mode rendering reads the files instead.
        self.registry = CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.build_info = Gauge(
            "gateway_build_info",
            "Always 1; the running version in its label.",
            ["version"],
            registry=reg,
            multiprocess_mode="max",
        )
        self.build_info.labels(version=version).set(1)
        self.requests = Counter(
            "gateway_requests_total",
            "Widget API answers by widget and status.",
            ["status", "widget"],
            registry=reg,
        )
        self.errors = Counter(
            "gateway_errors_total", "Problem answers by code.", ["code"], registry=reg
        )
        self.rate_limited = Counter(
            "gateway_rate_limited_total", "Requests refused by limits.", ["widget"], registry=reg
        )
        self.duration = Histogram(
            "gateway_request_duration_seconds",
            "Time from the request's arrival to the end of its answer, by route family and "
            "status class.",
            ["route", "status_class"],
            buckets=DURATION_BUCKETS,
            registry=reg,
        )
        self.limiter_decisions = Counter(
            "gateway_limiter_decisions_total",
            "Limiter calls by outcome (allowed, refused, unavailable) and where they were counted "
            "(redis, memory).",
            ["outcome", "store"],
            registry=reg,
        )
        self.limiter_fallbacks = Counter(
            "gateway_limiter_fallbacks_total",
            "Limiter calls counted in this instance's memory because Redis was unreachable.",
            registry=reg,
        )
        self.key_cache = Counter(
            "gateway_key_cache_lookups_total",
            "Key lookups by result: hit (answered from the cache) or miss (the store was read).",
            ["result"],
            registry=reg,
        )
        self.redis_seconds = Histogram(
            "gateway_redis_command_seconds",
            "Time of the Redis commands the gateway measures, by operation.",
            ["op"],
            buckets=REDIS_BUCKETS,
            registry=reg,
        )
        self.redis_errors = Counter(
            "gateway_redis_errors_total",
            "Redis commands that failed or timed out, by operation.",
            ["op"],
            registry=reg,
        )
        self.delivery = Counter(
            "gateway_delivery_total",
            "Delivery attempts by sink and outcome (delivered, retried, dead).",
            ["outcome", "service"],
            registry=reg,
        )
        self.database_seconds = Histogram(
            "gateway_database_query_seconds",
            "Time of the records store's statements (every statement, whatever its room).",
            buckets=REDIS_BUCKETS,
            registry=reg,
        )
        self.database_errors = Counter(
            "gateway_database_errors_total",
            "Statements of the records store that failed.",
            registry=reg,
        )
        self.webhook_attempts = Counter(
            "gateway_webhook_attempts_total",
            "Webhook delivery attempts by outcome (delivered, retry, dead).",
            ["outcome"],
            registry=reg,
        )
        self.unreplicated = Counter(
            "gateway_outbox_unreplicated_total",
            "Outbox writes no replica confirmed in time (WAIT), also kept in the local spool.",
            ["service"],
            registry=reg,
        )
        self.delivery_lag = Histogram(
            "gateway_delivery_lag_seconds",
            "Time from a record's acceptance to its delivery, by sink.",
            ["service"],
            buckets=LAG_BUCKETS,
            registry=reg,
        )
        self.degraded = Gauge(
            "gateway_degraded",
            "1 while a dependency is down (by part).",
            ["part"],
            registry=reg,
            multiprocess_mode="livemax",
        )
        self.rights_requests = Counter(
            "gateway_rights_requests_total",
            "Rights requests accepted, by regime.",
            ["regime"],
            registry=reg,
        )
        self.rights_duplicates = Counter(
            "gateway_rights_duplicates_total",
            "Rights requests sent again within the window.",
            registry=reg,
        )
        self.private_key_exposed = Counter(
            "gateway_private_key_exposed_total",
            "Private keys seen in a browser context.",
            ["where"],
            registry=reg,
        )
        self.oauth_tokens = Counter(
            "gateway_oauth_token_total",
            "OAuth2 token endpoint answers by outcome (issued, or the RFC 6749 error code).",
            ["outcome"],
            registry=reg,
        )
        self._degraded_parts: dict[str, bool] = {}
        # The labelled series the hot paths touch, looked up once each: ``labels()`` validates
        # and locks on every call, which costs more than the increment itself.
        self._children: dict[tuple[object, ...], Any] = {}
        # The hot paths' counts, added to these series in bulk (see :mod:`gateway.web.tally`).
        self.tally = Tally()

    def _child(self, metric: Any, *values: str) -> Any:
        key = (id(metric), *values)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*values)
        return child

    # -- the call sites' vocabulary ---------------------------------------------------------

    def error(self, code: str) -> None:
        self.tally.inc(self._child(self.errors, code))

    def answered(self, widget: str, status: int) -> None:
        self.tally.inc(self._child(self.requests, str(status), widget))
        if status == 429:
            self.tally.inc(self._child(self.rate_limited, widget))

    def request_done(self, route: str, status: int, seconds: float) -> None:
        self.tally.observe(self._child(self.duration, route, STATUS_CLASS[status // 100]), seconds)

    def limiter_decision(self, outcome: str, *, fallback: bool, shared: bool) -> None:
        """One limiter call; ``shared`` when Redis is configured, ``fallback`` when it was
        unreachable and the call was counted in memory (or refused, failing closed)."""
        store = "redis" if shared and not fallback else "memory"
        self.tally.inc(self._child(self.limiter_decisions, outcome, store))
        if fallback:
            self.tally.inc(self.limiter_fallbacks)

    def key_lookup(self, hit: bool) -> None:
        self.tally.inc(self._child(self.key_cache, "hit" if hit else "miss"))

    def redis_command(self, op: str, seconds: float, ok: bool) -> None:
        self.tally.observe(self._child(self.redis_seconds, op), seconds)
        if not ok:
            self.tally.inc(self._child(self.redis_errors, op))

    def delivered(self, service: str, outcome: str, lag: float | None = None) -> None:
        self.delivery.labels(outcome=outcome, service=service).inc()
        if lag is not None:
            self.delivery_lag.labels(service=service).observe(max(0.0, lag))

    def database_query(self, seconds: float, ok: bool) -> None:
        self.tally.observe(self.database_seconds, seconds)
        if not ok:
            self.tally.inc(self.database_errors)

    def webhook_attempt(self, outcome: str) -> None:
        self._child(self.webhook_attempts, outcome).inc()

    def outbox_unreplicated(self, service: str) -> None:
        self.unreplicated.labels(service=service).inc()

    def set_degraded(self, part: str, degraded: bool) -> None:
        """Mark ``part`` degraded or well; written only on a change (cheap on the hot path)."""
        if self._degraded_parts.get(part) is not degraded:
            self._degraded_parts[part] = degraded
            self.degraded.labels(part=part).set(1.0 if degraded else 0.0)

    # -- rendering ----------------------------------------------------------------------------

    def render(self, extra: Iterable[Metric] = ()) -> bytes:
        """The Prometheus text of every metric (every worker's, in multiprocess mode), plus
        ``extra`` families computed by the caller at scrape time."""
        self.tally.flush()
        registry = CollectorRegistry(auto_describe=False)
        if self.shared:
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry.register(_Forward(self.registry))
        families = list(extra)
        if families:
            registry.register(_Fixed(families))
        return prometheus_client.generate_latest(registry)


class _Forward(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.source = registry

    def collect(self) -> Iterable[Metric]:
        return self.source.collect()


class _Fixed(Collector):
    def __init__(self, families: Sequence[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def queue_families(statuses: Iterable[tuple[str, dict[str, float | None]]]) -> list[Metric]:
    """Gauges for the delivery queues, from ``(sink, {metric name: value})`` pairs."""
    families = {
        name: GaugeMetricFamily(name, doc, labels=["sink"]) for name, doc in QUEUE_GAUGES.items()
    }
    for sink, values in statuses:
        for name, value in values.items():
            if value is not None and name in families:
                families[name].add_metric([sink], value)
    return list(families.values())


def metric_names() -> set[str]:
    """Every series name the gateway can expose (histograms with their suffixes)."""
    names: set[str] = set(QUEUE_GAUGES)
    for family in Metrics().registry.collect():
        base = family.name
        if family.type == "counter":
            names.add(base + "_total")
        elif family.type == "histogram":
            names.update({base + "_bucket", base + "_sum", base + "_count"})
        else:
            names.add(base)
    return names
