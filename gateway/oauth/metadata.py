"""``/.well-known/oauth-authorization-server`` (RFC 8414), ``/.well-known/jwks.json`` and
``/.well-known/assertion-jwks.json``.

The metadata lists what this server does, no more: a test compares it with what works. The JWKS
holds every public key whose tokens may still be live; clients and services cache it for a few
minutes (``Cache-Control``) and fetch it again when a token names a ``kid`` they do not know.

The assertion JWKS is a separate set (see ``docs/delivery.md``): the keys that sign what the
gateway tells its services, never tokens, so a service trusting one set cannot be handed the
other's signatures, and each set keeps its keys published as long as its own signatures live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.keys.model import SCOPES
from gateway.oauth import edge
from gateway.oauth.grants import CODE_GRANT_METHODS, GRANT_TYPES, SECRET_METHODS
from gateway.oauth.signing_keys import Keyring

if TYPE_CHECKING:
    from gateway.services import Services

METADATA_PATH = "/.well-known/oauth-authorization-server"
JWKS_PATH = "/.well-known/jwks.json"
ASSERTION_JWKS_PATH = "/.well-known/assertion-jwks.json"
JWKS_MAX_AGE = 300


def metadata_for(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "authorization_endpoint": issuer + "/oauth/authorize",
        "token_endpoint": issuer + "/oauth/token",
        "revocation_endpoint": issuer + "/oauth/revoke",
        "introspection_endpoint": issuer + "/oauth/introspect",
        "jwks_uri": issuer + JWKS_PATH,
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": CODE_GRANT_METHODS,
        "revocation_endpoint_auth_methods_supported": CODE_GRANT_METHODS,
        "introspection_endpoint_auth_methods_supported": SECRET_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": False,
    }


async def metadata(request: Request) -> Response:
    services: Services = request.app.state.services
    body = metadata_for(edge.issuer_of(request, services))
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


async def jwks(request: Request) -> Response:
    services: Services = request.app.state.services
    return await _published(services.oauth.keyring)


async def assertion_jwks(request: Request) -> Response:
    services: Services = request.app.state.services
    return await _published(services.oauth.assertion_keys)


async def _published(keyring: Keyring) -> Response:
    await keyring.signing_key()  # a first start publishes its first key before it signs
    return JSONResponse(
        keyring.jwks(),
        media_type="application/jwk-set+json",
        headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE}"},
    )
