"""The app factory: ``uvicorn gateway.app:create_app --factory``."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, ExceptionHandler, Receive, Scope, Send

from gateway import __version__
from gateway.admin import accounts as admin_accounts
from gateway.admin import api as admin_api
from gateway.admin import page as admin_page
from gateway.agents import api as agents_api
from gateway.consent import api as consent_api
from gateway.consent import script as consent_script
from gateway.console import api as console_api
from gateway.console import page as console_page
from gateway.errors import HTTP_STATUS_ERRORS, GatewayError, problem_response
from gateway.keys import private_keys
from gateway.oauth import routes as oauth_routes
from gateway.portal import api as portal_api
from gateway.records.api import routes as records_api
from gateway.rights import api as rights_api
from gateway.services import Services, open_services
from gateway.settings import Settings
from gateway.web import assets, health, openapi
from gateway.web import guard as widget_api
from gateway.web.access import AccessMiddleware
from gateway.web.fastlane import FastLane
from gateway.web.ports import OperatorPort
from gateway.web.redact import route_template
from gateway.web.routing import IndexedRouter
from gateway.web.tracing import Tracing, otlp_provider, traced_app
from gateway.webhooks.api import routes as webhooks_api

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

log = logging.getLogger("gateway")


def public_routes(settings: Settings) -> list[BaseRoute]:
    # Starlette tries routes in order: the widgets' hot paths come first.
    return [
        *consent_api.routes(),
        *consent_script.routes(),
        *rights_api.routes(),
        *portal_api.routes(),
        *agents_api.routes(),
        *assets.routes(),
        *assets.favicon_routes(),
        *widget_api.routes(),
        *health.liveness_routes(),
        *openapi.routes(),
        *private_keys.routes(),
        *oauth_routes.routes(settings),
        # After the API's forwarders: a family with an upstream goes there instead.
        *records_api.routes(),
        *webhooks_api.routes(),
        *console_api.routes(),
        *console_page.routes(),
    ]


def operator_routes() -> list[BaseRoute]:
    return [
        *assets.favicon_routes(),
        *health.operator_routes(),
        *admin_api.routes(),
        *admin_accounts.routes(),
        *admin_page.routes(),
    ]


def build_routes(settings: Settings) -> list[BaseRoute]:
    """Every route, for the one port of the default set-up."""
    return [*public_routes(settings), *operator_routes()]


def create_app(
    settings: Settings | None = None, *, tracer_provider: TracerProvider | None = None
) -> Starlette:
    """The gateway as an ASGI app; settings default to the ``GATEWAY_*`` environment.

    With ``settings.operator_port``, the operator routes live in a second app that shares the
    same services (see :mod:`gateway.web.ports`). ``tracer_provider`` (tests) or
    ``settings.otel_endpoint`` turns tracing on.
    """
    if settings is None:
        settings = Settings.from_env(os.environ)
    if tracer_provider is None and settings.otel_endpoint is not None:
        tracer_provider = otlp_provider(
            settings.otel_endpoint, settings.otel_service_name, __version__
        )
    tracing = Tracing(tracer_provider)
    operator: Starlette | None = None
    middleware = [Middleware(AccessMiddleware)]
    if tracer_provider is not None:
        middleware.insert(0, Middleware(TracingMiddleware, provider=tracer_provider))
    if settings.operator_port is not None:
        operator = Starlette(
            routes=[*health.liveness_routes(), *operator_routes()],
            exception_handlers=EXCEPTION_HANDLERS,
        )
        middleware.append(Middleware(OperatorPort, operator=operator, port=settings.operator_port))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with open_services(settings, tracing) as services:
                app.state.services = services
                if isinstance(app, GatewayApp):
                    app.services = services
                if operator is not None:
                    operator.state.services = services
                settle_heap()
                yield
        finally:
            tracing.shutdown()

    app = GatewayApp(
        lifespan=lifespan,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.fast_lane = tracer_provider is None
    app.operator_port = settings.operator_port
    app.router = IndexedRouter(
        routes=public_routes(settings) if operator is not None else build_routes(settings),
        lifespan=lifespan,
    )
    return app


def settle_heap() -> None:
    """Put what start-up built (modules, routes, locales, settings, the services) out of the
    cyclic garbage collector's reach, once per process.

    A full collection walks every tracked object: some 140,000 once the app has started, 0.1 to
    0.3 s on two busy cores, during which no request is answered — the tail of the latency. Frozen
    objects are still freed by reference counting; only cycles among them would outlive their
    use, and start-up's live for the process. The young generations are collected first (a full
    collection would cost start-up the very pause this avoids). Only the first app a process
    starts does it (the server runs one; a test process runs many and freezes only its first).
    """
    if gc.get_freeze_count() == 0:
        gc.collect(1)
        gc.freeze()


class GatewayApp(Starlette):
    """Starlette, with the widgets' routes in the fast lane (:mod:`gateway.web.fastlane`)."""

    fast_lane = True
    operator_port: int | None = None
    services: Services | None = None  # also in ``state``; read here on the hot paths

    def build_middleware_stack(self) -> ASGIApp:
        stack = super().build_middleware_stack()
        if not self.fast_lane or not isinstance(self.router, IndexedRouter):
            return stack
        return FastLane(stack, self.router, self.operator_port)


class TracingMiddleware:
    """The OpenTelemetry ASGI middleware, fed a scrubbed copy of each request."""

    def __init__(self, app: ASGIApp, provider: TracerProvider) -> None:
        self.app = traced_app(app, provider)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error_type = HTTP_STATUS_ERRORS.get(exc.status_code)
    if error_type is None:
        error = GatewayError(exc.detail)
        error.status = exc.status_code  # type: ignore[misc]
    else:
        error = error_type()
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return problem_response(error, headers)


def allowed_methods(request: Request) -> str:
    """Every method some route answers at this path: Starlette's ``Allow`` names only the first
    matching route's, which leaves out the CORS preflight (``OPTIONS``) of the ``/v1/`` paths."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match is not Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))


async def gateway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)
    return problem_response(exc)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.error(
        "unexpected %s on %s %s",
        type(exc).__name__,
        request.method,
        route_template(request.url.path),
    )
    return problem_response(GatewayError("the gateway could not answer this request"))


EXCEPTION_HANDLERS: dict[Any, ExceptionHandler] = {
    HTTPException: http_error,
    GatewayError: gateway_error,
    Exception: unexpected_error,
}
