"""The OAuth2 server's routes, the API's own routes (``GET /api/v1/key``) and its forwarders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.oauth import authorize, forwarder, introspection, metadata, token_endpoint
from gateway.oauth.api_auth import API_PREFIX, ApiCaller, api_route, preflight
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.services import Services


async def who_am_i(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/key``: the account, key and scopes this call is made with."""
    return JSONResponse(
        {
            "account": caller.account,
            "key": {"public_key": caller.key.public_key, "name": caller.key.name},
            "scopes": sorted(caller.scopes),
            "subject": caller.subject,
            "authenticated_with": caller.via,
        }
    )


def routes(settings: Settings) -> list[BaseRoute]:
    return [
        Route(metadata.METADATA_PATH, metadata.metadata, methods=["GET"]),
        Route(metadata.JWKS_PATH, metadata.jwks, methods=["GET"]),
        Route(token_endpoint.TOKEN_PATH, token_endpoint.token, methods=["POST"]),
        Route(authorize.AUTHORIZE_PATH, authorize.authorize, methods=["GET"]),
        Route(authorize.AUTHORIZE_PATH, authorize.decide, methods=["POST"]),
        Route(introspection.REVOKE_PATH, introspection.revoke, methods=["POST"]),
        Route(introspection.INTROSPECT_PATH, introspection.introspect, methods=["POST"]),
        api_route("/key", who_am_i, methods=["GET"]),
        *forwarder.routes(settings),
        Route(API_PREFIX + "/{rest:path}", preflight, methods=["OPTIONS"]),
    ]
