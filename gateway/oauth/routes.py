"""The OAuth2 server's routes, the API's own routes (``GET /api/v1/key``) and its forwarders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.oauth import authorize, forwarder, introspection, metadata, token_endpoint
from gateway.oauth.api_auth import API_PREFIX, ApiCaller, api_route, preflight
from gateway.settings import Settings
from gateway.web import openapi

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
        Route(metadata.ASSERTION_JWKS_PATH, metadata.assertion_jwks, methods=["GET"]),
        Route(token_endpoint.TOKEN_PATH, token_endpoint.token, methods=["POST"]),
        Route(authorize.AUTHORIZE_PATH, authorize.authorize, methods=["GET"]),
        Route(authorize.AUTHORIZE_PATH, authorize.decide, methods=["POST"]),
        Route(introspection.REVOKE_PATH, introspection.revoke, methods=["POST"]),
        Route(introspection.INTROSPECT_PATH, introspection.introspect, methods=["POST"]),
        api_route("/key", who_am_i, methods=["GET"]),
        *forwarder.routes(settings),
        Route(API_PREFIX + "/{rest:path}", preflight, methods=["OPTIONS"]),
    ]


_FORM = {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}


def _oauth_op(summary: str, *, security: list[Any] | None = None) -> dict[str, Any]:
    # RFC 6749 errors: application/json documents with an `error` member, not problem+json.
    op = openapi.operation(
        summary,
        "200",
        errors=(400, 401, 429),
        tags=("oauth",),
        error_media_type="application/json",
    )
    op["requestBody"] = {"required": True, "content": _FORM}
    if security is not None:
        op["security"] = security
    return op


openapi.describe(
    metadata.METADATA_PATH,
    {
        "get": openapi.operation(
            "OAuth2 server metadata (RFC 8414)", "200", errors=(), tags=("oauth",)
        )
    },
)
openapi.describe(
    metadata.JWKS_PATH,
    {
        "get": openapi.operation(
            "Public keys that sign access tokens",
            "200",
            errors=(),
            tags=("oauth",),
            media_type="application/jwk-set+json",
        )
    },
)
openapi.describe(
    metadata.ASSERTION_JWKS_PATH,
    {
        "get": openapi.operation(
            "Public keys that sign the gateway's assertions to its services",
            "200",
            errors=(),
            tags=("oauth",),
            media_type="application/jwk-set+json",
        )
    },
)
openapi.describe(
    token_endpoint.TOKEN_PATH,
    {"post": _oauth_op("Token: client credentials, authorization code (PKCE S256), refresh")},
)
openapi.describe(
    authorize.AUTHORIZE_PATH,
    {
        "get": {
            "summary": "Authorization page: sign in, then allow or deny (HTML)",
            "tags": ["oauth"],
            "responses": {
                "200": {"description": "Consent page"},
                "302": {"description": "Back"},
                **openapi.problems(400, media_type="text/html"),
            },
        },
        "post": {
            "summary": "The consent page's form",
            "tags": ["oauth"],
            "responses": {
                "302": {"description": "Back to the application"},
                **openapi.problems(400, 403, media_type="text/html"),
            },
        },
    },
)
openapi.describe(introspection.REVOKE_PATH, {"post": _oauth_op("Revoke a token (RFC 7009)")})
openapi.describe(
    introspection.INTROSPECT_PATH,
    {"post": _oauth_op("Introspect a token (RFC 7662), with a key pair")},
)
openapi.describe(
    API_PREFIX + "/key",
    {
        "get": openapi.operation(
            "Who is calling: account, key, scopes",
            "200",
            errors=(401, 403, 429),
            tags=("api",),
            security=[{"bearerToken": []}, {"privateKey": []}],
        )
    },
)
openapi.describe(
    API_PREFIX + "/{rest}",
    {
        "options": {
            "summary": "CORS preflight for the API",
            "tags": ["api"],
            "parameters": [
                {"name": "rest", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"204": {"description": "Allowed"}},
        }
    },
)
