"""``POST /oauth/token``: client credentials, authorization code (PKCE S256), refresh token.

Around authlib's grants: limits first; a private key sent from a browser is refused
(``invalid_client``) and its key flagged; the client's key, the code (taken from the store: a code
is redeemed once, whatever happens next) or the refresh token, and the signing key are loaded;
authlib decides; then a rotated refresh token is claimed — of two uses of one refresh token only
one wins, and the loser's family is revoked — and the new one stored before the answer leaves.
Browsers on one of the client's allowed origins get CORS headers; nobody else does.
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import InvalidClientError, InvalidGrantError, OAuth2Error
from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import GatewayError
from gateway.oauth import edge
from gateway.oauth.context import OAuthContext, active
from gateway.oauth.server import FormRequest
from gateway.oauth.store import digest

if TYPE_CHECKING:
    from gateway.services import Services

log = logging.getLogger("gateway.oauth")
TOKEN_PATH = "/oauth/token"


async def token(request: Request) -> Response:
    services: Services = request.app.state.services
    ctx = edge.new_context(request, services)
    cached = None
    headers: dict[str, str] = {}
    try:
        form = await edge.read_form(request)
        client_id = edge.client_id_of(request, form)
        cached = await edge.load_client(services, client_id)
        headers.update(edge.cors_headers(request, cached))
        headers.update(await edge.throttle(services, request, client_id))
        if await edge.refuse_exposed_secret(request, services, form):
            raise InvalidClientError(
                "A private key must never be sent from a browser; it has been flagged."
            )
        ctx.key = cached.key if cached is not None else None
        await _load_grant(services, ctx, dict(form))
        ctx.signing = await services.oauth.keyring.signing_key()
        oauth_request = FormRequest("POST", ctx.issuer + TOKEN_PATH, request.headers, [], form)
        with active(ctx):
            response: Response = services.oauth.server.create_token_response(oauth_request)
        response = await _commit(services, ctx, response)
    except OAuth2Error as error:
        response = edge.error_response(services, ctx, error)
    except GatewayError as exc:
        log.warning("token request failed: %s", exc.code)
        response = edge.gateway_error_response(services, ctx, exc)
    if ctx.error == "invalid_client":
        await _count_failure(services, request)
    services.metrics.oauth_tokens.labels(outcome=ctx.error or "issued").inc()
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response


async def _load_grant(services: Services, ctx: OAuthContext, form: dict[str, str]) -> None:
    grants = services.oauth.grants
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code" and form.get("code"):
        ctx.code, ctx.code_replayed_family = await grants.take_code(digest(form["code"]))
    elif grant_type == "refresh_token" and form.get("refresh_token"):
        ctx.refresh, ctx.refresh_used = await grants.get_refresh(digest(form["refresh_token"]))
        if ctx.refresh is not None:
            ctx.refresh_family_revoked = await grants.family_revoked(ctx.refresh.family)


async def _commit(services: Services, ctx: OAuthContext, response: Response) -> Response:
    """Carry out what authlib decided; an answer is only sent once what it promises is stored."""
    grants = services.oauth.grants
    ttl = ctx.refresh_ttl
    if ctx.claim_refresh is not None and not await grants.claim_refresh(ctx.claim_refresh, ttl):
        # Another request used this refresh token a moment ago: a replay, as far as anyone knows.
        assert ctx.refresh is not None
        ctx.revoke_families.append(ctx.refresh.family)
        ctx.issued_refresh = None
        response = edge.error_response(services, ctx, InvalidGrantError())
    for family in ctx.revoke_families:
        await grants.revoke_family(family, ttl)
        log.warning("a replayed code or refresh token revoked its grant family")
    if ctx.issued_refresh is not None:
        await grants.put_refresh(ctx.issued_refresh, ttl)
    return response


async def _count_failure(services: Services, request: Request) -> None:
    # Limits failing closed: the request was refused already, nothing more to count.
    with contextlib.suppress(GatewayError):
        await edge.count_failure(services, request)
