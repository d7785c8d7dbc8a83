"""Server-to-server calls authenticated with a private key, and ``GET /v1/key``.

A site's backend sends its private key in ``X-API-Key`` (or ``Authorization: Bearer sk_…``).
A request that carries a private key *and* shows signs of a browser — an ``Origin`` header, a
``Sec-Fetch-Site`` header, or the key in the query string — means the key has been put where
anyone can read it: it is refused (``private_key_exposed``, never with CORS headers) and the key
is flagged as exposed (see :mod:`gateway.keys.exposure`).

``GET /v1/key`` answers the key's own view to its private key: status, origins, widgets and when
each valid private key expires — so a backend can check, after a roll, that its new private key
is live and when the old one stops working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.errors import (
    GatewayError,
    KeyRevoked,
    PrivateKeyExposed,
    Unauthorized,
    problem_response,
)
from gateway.keys.exposure import report_exposed_key, scan_for_private_key
from gateway.keys.model import PRIVATE_PREFIX, ApiKey, is_well_formed
from gateway.web import openapi

if TYPE_CHECKING:
    from gateway.services import Services

BROWSER_HEADERS = ("origin", "sec-fetch-site")


def presented_private_key(request: Request) -> str | None:
    value = request.headers.get("x-api-key")
    if value is None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        value = token.strip() if scheme.lower() == "bearer" else None
    return value.strip() if value else None


async def authenticate(request: Request, services: Services) -> ApiKey:
    """The active key whose valid private key the request carries, or a typed error."""
    in_query = scan_for_private_key(request.url.query)
    presented = presented_private_key(request)
    browser = any(h in request.headers for h in BROWSER_HEADERS)
    exposed = in_query or (presented if browser and presented else None)
    if exposed is not None:
        where = "query string" if in_query else "browser request"
        await report_exposed_key(services, exposed, where=where)
        raise PrivateKeyExposed(
            "a private key must never be used in a browser or a URL; it has been flagged as exposed"
        )
    if presented is None:
        raise Unauthorized(
            "send the private key in X-API-Key", headers={"WWW-Authenticate": "Bearer"}
        )
    if not is_well_formed(presented, PRIVATE_PREFIX):
        raise Unauthorized("the private key is malformed", headers={"WWW-Authenticate": "Bearer"})
    key = await services.store.find_by_private_key(presented)
    if key is None or not key.accepts_private_key(presented, now=services.clock()):
        raise Unauthorized(
            "this private key is not valid (unknown, or expired after a roll)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not key.active:
        raise KeyRevoked("this key has been revoked")
    return key


async def key_info(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        key = await authenticate(request, services)
    except GatewayError as exc:
        services.metrics.error(exc.code)
        return problem_response(exc)
    view = key.public_view()
    view.pop("consent_config", None)
    view.pop("rights_config", None)
    return JSONResponse(view, headers={"Cache-Control": "no-store"})


openapi.describe(
    "/v1/key",
    {
        "get": openapi.operation(
            "The key this private key belongs to (status, origins, private-key expiry)",
            "200",
            errors=(401, 403),
            tags=("servers",),
            security=[{"privateKey": []}],
        )
    },
)


def routes() -> list[Route]:
    return [Route("/v1/key", key_info, methods=["GET"])]
