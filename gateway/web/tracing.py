"""OpenTelemetry tracing, off unless an OTLP endpoint is configured.

``GATEWAY_OTEL_ENDPOINT`` (or the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``) turns it on: each
request gets a server span from ``opentelemetry-instrumentation-asgi``, and the gateway adds its
own spans inside it — ``gateway.guard``, ``gateway.key_lookup``, ``gateway.keystore.get``,
``gateway.limiter``, ``gateway.sink.write`` — exported over OTLP/HTTP in batches.

No personal data reaches a span: the server span is built from a scrubbed copy of the request
(the route template instead of the path, no query string, the client address truncated to its
network, no user agent); the gateway's own spans carry only product labels (widget, sink, the
route template, outcomes). Off, :meth:`Tracing.span` costs one attribute read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.web.redact import route_template, truncate_ip

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Tracer

ORIGINAL_SCOPE = "gateway.original_scope"
_OFF: AbstractContextManager[None] = contextlib.nullcontext()


class Tracing:
    """The gateway's spans; a no-op when no provider is given."""

    def __init__(self, provider: TracerProvider | None = None) -> None:
        self.provider = provider
        self.tracer: Tracer | None = (
            provider.get_tracer("widget-gateway") if provider is not None else None
        )

    @property
    def enabled(self) -> bool:
        return self.tracer is not None

    def span(self, name: str, attributes: Mapping[str, str | int | bool] | None = None) -> Any:
        """A context manager around one step; attributes are product labels only."""
        if self.tracer is None:
            return _OFF
        return self._span(name, attributes)

    @contextlib.contextmanager
    def _span(self, name: str, attributes: Mapping[str, str | int | bool] | None) -> Iterator[Any]:
        assert self.tracer is not None
        with self.tracer.start_as_current_span(name, attributes=dict(attributes or {})) as span:
            yield span

    def shutdown(self) -> None:
        if self.provider is not None:
            self.provider.shutdown()


def otlp_provider(endpoint: str, service_name: str, version: str) -> TracerProvider:
    """A provider exporting to the OTLP/HTTP ``endpoint``; needs the ``otel`` extra."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    url = endpoint.rstrip("/")
    if not url.endswith("/v1/traces"):
        url += "/v1/traces"
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name, "service.version": version})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    return provider


def traced_app(app: ASGIApp, provider: TracerProvider) -> ASGIApp:
    """``app`` behind the OpenTelemetry ASGI middleware, which sees a scrubbed request."""
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope.get(ORIGINAL_SCOPE, scope), receive, send)

    middleware = OpenTelemetryMiddleware(
        inner,
        tracer_provider=provider,
        exclude_spans=["receive", "send"],
        default_span_details=_span_details,
    )

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        await middleware(scrubbed(scope), receive, send)

    return outer


def scrubbed(scope: Scope) -> Scope:
    """A copy of an HTTP scope that says nothing personal, pointing at the original."""
    template = route_template(scope.get("path", "/"))
    client = scope.get("client")
    host = [(k, v) for k, v in scope.get("headers", ()) if k == b"host"]
    safe: dict[str, Any] = {
        **scope,
        "path": template,
        "raw_path": template.encode(),
        "query_string": b"",
        "headers": host,
        "client": (truncate_ip(client[0]), 0) if client else None,
        ORIGINAL_SCOPE: scope,
    }
    return safe


def _span_details(scope: Scope) -> tuple[str, dict[str, str]]:
    method = scope.get("method", "HTTP")
    template = scope.get("path", "/")
    return f"{method} {template}", {"http.route": template}
