"""``POST /oauth/revoke`` (RFC 7009) and ``POST /oauth/introspect`` (RFC 7662).

Both take a token — an access token (JWT) or a refresh token — and both are authlib's endpoints;
the token is looked up here first. Revoking either kind revokes its grant family: the refresh
tokens rotated from one authorization and every access token they gave (RFC 7009 §2.1 lets it).
Revocation takes the client's credentials, or only its ``client_id`` for a public client holding
the token; introspection is for the services behind the gateway and takes a key pair of the
token's account (any other account's token is ``{"active": false}``).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import InvalidClientError, OAuth2Error
from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import GatewayError
from gateway.oauth import edge, tokens
from gateway.oauth.context import OAuthContext, Presented, active
from gateway.oauth.server import REFRESH_PREFIX, FormRequest
from gateway.oauth.store import digest

if TYPE_CHECKING:
    from gateway.services import Services

REVOKE_PATH = "/oauth/revoke"
INTROSPECT_PATH = "/oauth/introspect"


async def revoke(request: Request) -> Response:
    return await _endpoint(request, "revocation", REVOKE_PATH)


async def introspect(request: Request) -> Response:
    return await _endpoint(request, "introspection", INTROSPECT_PATH)


async def _endpoint(request: Request, name: str, path: str) -> Response:
    services: Services = request.app.state.services
    ctx = edge.new_context(request, services)
    headers: dict[str, str] = {}
    try:
        form = await edge.read_form(request)
        client_id = edge.client_id_of(request, form)
        cached = await edge.load_client(services, client_id)
        if name == "revocation":
            headers.update(edge.cors_headers(request, cached))
        headers.update(await edge.throttle(services, request, client_id))
        if await edge.refuse_exposed_secret(request, services, form):
            raise InvalidClientError("A private key must never be sent from a browser.")
        ctx.key = cached.key if cached is not None else None
        presented = dict(form).get("token")
        if presented:
            ctx.presented = await presented_token(services, ctx, presented)
        oauth_request = FormRequest("POST", ctx.issuer + path, request.headers, [], form)
        with active(ctx):
            response: Response = services.oauth.server.create_endpoint_response(name, oauth_request)
        for family in ctx.revoke_families:
            await services.oauth.grants.revoke_family(family, ctx.refresh_ttl)
    except OAuth2Error as error:
        response = edge.error_response(services, ctx, error)
    except GatewayError as exc:
        response = edge.gateway_error_response(services, ctx, exc)
    if ctx.error == "invalid_client":
        with contextlib.suppress(GatewayError):
            await edge.count_failure(services, request)
    response.headers["Cache-Control"] = "no-store"
    for header, value in headers.items():
        response.headers.setdefault(header, value)
    return response


async def presented_token(services: Services, ctx: OAuthContext, token: str) -> Presented | None:
    """What the gateway knows of ``token``: None when it is not one of its tokens at all."""
    if token.startswith(REFRESH_PREFIX):
        return await _refresh_token(services, ctx, token)
    keyring = services.oauth.keyring
    kid = tokens.kid_of(token)
    if kid is None:
        return None
    await keyring.reload_for(kid)
    try:
        claims = tokens.verify(token, keyring, ctx.issuer, ctx.now)
    except tokens.TokenInvalid:
        return None  # expired, forged or foreign: nothing to revoke, nothing active
    cached = await services.keys.get(claims.client_id)
    active_now = (
        cached is not None
        and cached.key.active
        and tokens.kv_valid(cached.key, claims.kv, ctx.now)
        and not await services.oauth.grants.family_revoked(claims.sid)
    )
    return Presented(
        kind="access_token",
        client_id=claims.client_id,
        account=claims.account,
        family=claims.sid,
        claims={
            "scope": " ".join(sorted(claims.scopes)),
            "client_id": claims.client_id,
            "sub": claims.subject,
            "account": claims.account,
            "iss": claims.issuer,
            "aud": tokens.audience(claims.issuer),
            "exp": claims.expires_at,
            "iat": claims.issued_at,
            "jti": claims.jti,
        },
        active=active_now,
    )


async def _refresh_token(services: Services, ctx: OAuthContext, token: str) -> Presented | None:
    grants = services.oauth.grants
    grant, used = await grants.get_refresh(digest(token))
    if grant is None:
        return None
    cached = await services.keys.get(grant.client_id)
    active_now = (
        not used
        and ctx.now < grant.expires_at
        and cached is not None
        and cached.key.active
        and not await grants.family_revoked(grant.family)
    )
    return Presented(
        kind="refresh_token",
        client_id=grant.client_id,
        account=grant.account,
        family=grant.family,
        claims={
            "scope": grant.scope,
            "client_id": grant.client_id,
            "sub": grant.subject,
            "account": grant.account,
            "iss": ctx.issuer,
            "exp": int(grant.expires_at),
            "iat": int(grant.issued_at),
        },
        active=active_now,
    )
