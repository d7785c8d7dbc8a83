"""The app factory: ``uvicorn gateway.app:create_app --factory``."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from gateway.admin import api as admin_api
from gateway.admin import page as admin_page
from gateway.consent import api as consent_api
from gateway.errors import HTTP_STATUS_ERRORS, GatewayError, problem_response
from gateway.keys import private_keys
from gateway.oauth import routes as oauth_routes
from gateway.rights import api as rights_api
from gateway.services import open_services
from gateway.settings import Settings
from gateway.web import assets, health, openapi
from gateway.web import guard as widget_api

log = logging.getLogger("gateway")


def build_routes(settings: Settings) -> list[BaseRoute]:
    # Starlette tries routes in order: the widgets' hot paths come first.
    return [
        *consent_api.routes(),
        *rights_api.routes(),
        *assets.routes(),
        *widget_api.routes(),
        *health.routes(),
        *openapi.routes(),
        *private_keys.routes(),
        *oauth_routes.routes(settings),
        *admin_api.routes(),
        *admin_page.routes(),
    ]


def create_app(settings: Settings | None = None) -> Starlette:
    """The gateway as an ASGI app; settings default to the ``GATEWAY_*`` environment."""
    if settings is None:
        settings = Settings.from_env(os.environ)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_services(settings) as services:
            app.state.services = services
            yield

    return Starlette(
        routes=build_routes(settings),
        lifespan=lifespan,
        exception_handlers={
            HTTPException: http_error,
            GatewayError: gateway_error,
            Exception: unexpected_error,
        },
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error_type = HTTP_STATUS_ERRORS.get(exc.status_code)
    if error_type is None:
        error = GatewayError(exc.detail)
        error.status = exc.status_code  # type: ignore[misc]
    else:
        error = error_type()
    return problem_response(error, exc.headers)


async def gateway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)
    return problem_response(exc)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return problem_response(GatewayError("the gateway could not answer this request"))
