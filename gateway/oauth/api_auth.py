"""Who is calling the API under ``/api/v1/``: one dependency for every route there.

A caller sends ``Authorization: Bearer <access token>`` (a JWT from ``/oauth/token``: signature,
type, issuer, audience and expiry checked, then its key — active, and the private key it was
issued against still valid — and its grant family not revoked) or ``X-API-Key: <private key>``
(server-to-server, refused and flagged when it comes from a browser). Either way the route gets a
typed :class:`ApiCaller`. Scopes are what the token grants *and* the key still allows, so
narrowing a key's scopes takes effect on tokens already out.

:func:`api_route` wraps an endpoint with that check, the scope it needs, the per-key and per-IP
limits, and CORS for the key's allowed origins (errors included).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.errors import GatewayError, problem_response
from gateway.keys import private_keys
from gateway.keys.cache import CachedKey
from gateway.keys.model import API_SCOPES, PRIVATE_PREFIX, ApiKey
from gateway.oauth import edge, tokens
from gateway.oauth.errors import InsufficientScope, InvalidToken
from gateway.web import guard
from gateway.web.clientip import client_ip

if TYPE_CHECKING:
    from gateway.services import Services

log = logging.getLogger("gateway.api")
API_PREFIX = "/api/v1"
EXPOSED = "RateLimit, RateLimit-Policy, Retry-After, WWW-Authenticate"


@dataclass(frozen=True)
class ApiCaller:
    """An authenticated API call: on behalf of ``account``, through ``key``."""

    account: str
    key: ApiKey
    scopes: frozenset[str]
    subject: str  # the public key, or the member who authorized the client
    via: Literal["access_token", "private_key"]
    origin: str | None

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise InsufficientScope(scope)


ApiEndpoint = Callable[[Request, "Services", ApiCaller], Awaitable[Response]]


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def authenticate_caller(request: Request, services: Services) -> ApiCaller:
    """The caller of an API request, or :class:`InvalidToken` and friends."""
    origin = request.headers.get("origin")
    presented = _bearer(request)
    if "x-api-key" in request.headers or (presented or "").startswith(PRIVATE_PREFIX):
        key = await private_keys.authenticate(request, services)
        scopes = frozenset(s for s in key.scopes if s in API_SCOPES)
        return ApiCaller(key.account, key, scopes, key.public_key, "private_key", origin)
    if presented is None:
        raise InvalidToken("send an access token: Authorization: Bearer <token>")
    return await _from_token(services, presented, edge.issuer_of(request, services), origin)


async def _from_token(services: Services, token: str, issuer: str, origin: str | None) -> ApiCaller:
    keyring = services.oauth.keyring
    now = services.clock()
    # The signature is verified once per token and kept briefly (its claims, by digest); what
    # can end a token early — its key, its private key, its family — is checked below each time.
    verified = services.oauth.verified
    known = verified.get(token, issuer)
    if known is not None and keyring.knows(known[0]):
        claims = known[1]
        try:
            tokens.check_lifetime(claims, now)
        except tokens.TokenInvalid as exc:
            verified.forget(token)
            raise InvalidToken(str(exc), exc.client_id) from None
    else:
        kid = tokens.kid_of(token)
        if kid is None:
            raise InvalidToken("the access token is malformed")
        await keyring.reload_for(kid)
        try:
            claims = tokens.verify(token, keyring, issuer, now)
        except tokens.TokenInvalid as exc:
            raise InvalidToken(str(exc), exc.client_id) from None
        verified.put(token, issuer, kid, claims)
    client_id = claims.client_id
    cached: CachedKey | None = await services.keys.get(client_id)
    if cached is None or not cached.key.active or cached.key.account != claims.account:
        raise InvalidToken("the key this token was issued to has been revoked", client_id)
    key = cached.key
    if not tokens.kv_valid(key, claims.kv, now):
        raise InvalidToken(
            "the private key this token was issued against is no longer valid", client_id
        )
    if await services.oauth.grants.family_revoked(claims.sid):
        raise InvalidToken("the token has been revoked", client_id)
    scopes = frozenset(s for s in claims.scopes if s in key.scopes and s in API_SCOPES)
    return ApiCaller(key.account, key, scopes, claims.subject, "access_token", origin)


def _cors(origin: str | None, cached: CachedKey | None) -> dict[str, str]:
    if origin is None or cached is None or not cached.allow.allows(origin):
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": EXPOSED,
        "Vary": "Origin",
    }


async def _cors_for_ended_token(
    request: Request, services: Services, client_id: str
) -> dict[str, str]:
    """CORS for the 401 of a genuine token that ended (expired, revoked, its family or key
    revoked): the key's allowed origins may read why, so a page knows to sign in again."""
    try:
        cached = await services.keys.get(client_id)
    except GatewayError:
        return {}
    return _cors(request.headers.get("origin"), cached)


def api_route(
    path: str, endpoint: ApiEndpoint, *, methods: Sequence[str], scope: str | None = None
) -> Route:
    """A route at ``/api/v1{path}`` whose ``endpoint`` gets the authenticated caller."""

    async def guarded(request: Request) -> Response:
        services: Services = request.app.state.services
        headers: dict[str, str] = {"Cache-Control": "no-store", "Vary": "Origin"}
        try:
            caller = await authenticate_caller(request, services)
            cached = await services.keys.get(caller.key.public_key)
            headers.update(_cors(caller.origin, cached))
            ip = client_ip(request.scope, services.settings.trusted_proxies)
            decision = await services.limiter.enforce(guard.base_limits(services, caller.key, ip))
            headers.update(decision.headers)
            if scope is not None:
                caller.require(scope)
            response = await endpoint(request, services, caller)
        except GatewayError as exc:
            services.metrics.error(exc.code)
            if isinstance(exc, InvalidToken) and exc.client_id is not None:
                headers.update(await _cors_for_ended_token(request, services, exc.client_id))
            return problem_response(exc, headers)
        guard.add_headers(response, headers)
        return response

    guarded.__name__ = getattr(endpoint, "__name__", "api_endpoint")
    return Route(API_PREFIX + path, guarded, methods=list(methods))


PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match, If-None-Match, "
    "Idempotency-Key",
    "Access-Control-Max-Age": "600",
    "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
}


async def preflight(request: Request) -> Response:
    """``OPTIONS /api/v1/…``. A preflight carries no token, so no key to read origins from:
    it is allowed for any origin. That opens nothing: the answer to the call itself carries
    ``Access-Control-Allow-Origin`` only for the caller's key's origins, and bearer tokens are
    no ambient credential a page could borrow."""
    origin = request.headers.get("origin")
    if origin is None or request.headers.get("access-control-request-method") is None:
        return Response(status_code=204, headers={"Vary": "Origin"})
    return Response(
        status_code=204, headers={"Access-Control-Allow-Origin": origin, **PREFLIGHT_HEADERS}
    )
