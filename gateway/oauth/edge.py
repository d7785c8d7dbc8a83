"""What every OAuth2 endpoint does around authlib: read the form, find the client's key, refuse
private keys from browsers, count limits, answer CORS for the key's origins, build the context.

Limits on the token, revocation and introspection endpoints: per client IP
(``GATEWAY_LIMIT_OAUTH_TOKEN_PER_IP``) and per client (``GATEWAY_LIMIT_OAUTH_TOKEN``), counted
before anything else; failed client authentications per client IP
(``GATEWAY_LIMIT_OAUTH_AUTH_FAILURES``), looked at before and counted after each failure, so an
address that keeps guessing is refused before its guesses are checked.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote

from authlib.oauth2.rfc6749 import OAuth2Error
from starlette.requests import Request
from starlette.responses import Response

from gateway.errors import GatewayError, RateLimited
from gateway.keys.cache import CachedKey
from gateway.keys.exposure import report_exposed_key, scan_for_private_key
from gateway.keys.model import PUBLIC_PREFIX, is_well_formed
from gateway.oauth.context import OAuthContext, active
from gateway.ratelimit.limiter import HEADER_RETRY, LimitRequest
from gateway.web.clientip import client_ip

if TYPE_CHECKING:
    from gateway.services import Services

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 16_384
MAX_FIELDS = 32
BROWSER_HEADERS = ("origin", "sec-fetch-site")


class RateLimitedError(OAuth2Error):  # type: ignore[misc]
    """Too many requests; an extension error code, with ``Retry-After`` and ``RateLimit``."""

    error = "rate_limited"
    status_code = 429


class FormError(OAuth2Error):  # type: ignore[misc]
    error = "invalid_request"


def issuer_of(request: Request, services: Services) -> str:
    configured = services.settings.oauth_issuer
    return (configured or str(request.base_url)).rstrip("/")


def new_context(request: Request, services: Services) -> OAuthContext:
    settings = services.settings
    return OAuthContext(
        now=services.clock(),
        issuer=issuer_of(request, services),
        access_ttl=settings.oauth_access_token_ttl,
        refresh_ttl=settings.oauth_refresh_token_ttl,
    )


async def read_form(request: Request) -> list[tuple[str, str]]:
    """The ``application/x-www-form-urlencoded`` body (RFC 6749 §3.2), or :class:`FormError`."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != FORM_TYPE:
        raise FormError(f"Send the parameters as {FORM_TYPE}.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormError("The request body is too large.")
    try:
        text = body.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise FormError("The request body is not a valid form.") from None


def basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    client_id, sep, secret = decoded.partition(":")
    # RFC 6749 §2.3.1: both halves are form-urlencoded before they are joined.
    return (unquote(client_id), unquote(secret)) if sep else None


def client_id_of(request: Request, form: list[tuple[str, str]]) -> str | None:
    basic = basic_credentials(request)
    if basic is not None:
        return basic[0]
    return dict(form).get("client_id")


async def refuse_exposed_secret(
    request: Request, services: Services, form: list[tuple[str, str]]
) -> bool:
    """True (after flagging the key) when a private key arrives from a browser context."""
    if not any(h in request.headers for h in BROWSER_HEADERS):
        return False
    basic = basic_credentials(request)
    texts = [value for _, value in form] + ([basic[1]] if basic else [])
    exposed = scan_for_private_key(*texts)
    if exposed is None:
        return False
    await report_exposed_key(services, exposed, where="browser token request")
    return True


async def load_client(services: Services, client_id: str | None) -> CachedKey | None:
    if client_id is None or not is_well_formed(client_id, PUBLIC_PREFIX):
        return None
    return await services.keys.get(client_id)


def cors_headers(request: Request, cached: CachedKey | None) -> dict[str, str]:
    """CORS for a browser on one of the client's allowed origins; nothing for anyone else."""
    origin = request.headers.get("origin")
    if origin is None or cached is None or not cached.allow.allows(origin):
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "RateLimit, RateLimit-Policy, Retry-After",
        "Vary": "Origin",
    }


def _failures(services: Services, ip: str) -> LimitRequest:
    return LimitRequest(
        "oauth-auth-failures", services.settings.limit_oauth_auth_failures, ("oauth-fail", ip)
    )


async def throttle(services: Services, request: Request, client_id: str | None) -> dict[str, str]:
    """Count this request; raises :class:`RateLimitedError` with the limit headers."""
    settings = services.settings
    ip = client_ip(request.scope, settings.trusted_proxies)
    # A look (cost 0) at the failures so far: none left means this address is refused for now.
    look = await services.limiter.check([_failures(services, ip)], cost=0)
    spent = [state.reset_after for _, state in look.windows if state.remaining == 0]
    if spent:
        raise _limited({**look.headers, HEADER_RETRY: str(max(1, *spent))})
    wanted = [LimitRequest("oauth-ip", settings.limit_oauth_token_per_ip, ("oauth-ip", ip))]
    if client_id is not None and is_well_formed(client_id, PUBLIC_PREFIX):
        wanted.append(
            LimitRequest("oauth-client", settings.limit_oauth_token, ("oauth-client", client_id))
        )
    try:
        decision = await services.limiter.enforce(wanted)
    except RateLimited as exc:
        raise _limited(exc.headers) from None
    return dict(decision.headers)


async def count_failure(services: Services, request: Request) -> None:
    ip = client_ip(request.scope, services.settings.trusted_proxies)
    await services.limiter.check([_failures(services, ip)])


def _limited(headers: Mapping[str, str]) -> RateLimitedError:
    error = RateLimitedError("Too many requests; retry later.")
    error.limit_headers = dict(headers)
    return error


def error_response(services: Services, ctx: OAuthContext, error: OAuth2Error) -> Response:
    with active(ctx):
        response: Response = services.oauth.server.handle_error_response(None, error)
    for name, value in getattr(error, "limit_headers", {}).items():
        response.headers[name] = value
    if HEADER_RETRY in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def gateway_error_response(services: Services, ctx: OAuthContext, exc: GatewayError) -> Response:
    """A dependency failure (store unreachable) during an OAuth2 request, as RFC 6749 shapes it."""
    error = OAuth2Error("The server cannot answer now; retry shortly.", status_code=exc.status)
    error.error = "temporarily_unavailable" if exc.status == 503 else "server_error"
    return error_response(services, ctx, error)
