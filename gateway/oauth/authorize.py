"""``GET /oauth/authorize`` and the consent form it shows (``POST /oauth/authorize``).

The request is checked by authlib's authorization-code grant first: an unknown client, or a
``redirect_uri`` that is not exactly one of the key's redirect URLs, is answered here with a
page and never redirected; any other problem (no ``state``, no S256 ``code_challenge``, a scope
the key does not allow) goes back to the application as RFC 6749 §4.1.2.1 says. Then the visitor
must be signed in (else they are sent to sign in and brought back) and a member of the key's
account. They see what the application asks for and decide; the form carries a token signed for
that member and that exact request, valid ten minutes, so no other site can submit it. Allowing
redirects with a code that lives 60 seconds and is redeemed once.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from authlib.oauth2.rfc6749 import OAuth2Error
from itsdangerous import BadData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from gateway.errors import GatewayError
from gateway.keys.exposure import report_exposed_key, scan_for_private_key
from gateway.oauth import consent_page, edge
from gateway.oauth.context import OAuthContext, Owner, active
from gateway.oauth.grants import CODE_TTL
from gateway.oauth.server import FormRequest
from gateway.oauth.signin import Member
from gateway.oauth.store import digest

if TYPE_CHECKING:
    from gateway.services import Services

AUTHORIZE_PATH = "/oauth/authorize"
CONSENT_PURPOSE = "oauth-consent"
CONSENT_MAX_AGE = 600
FORM_ONLY = ("consent_token", "decision")


async def authorize(request: Request) -> Response:
    services: Services = request.app.state.services
    ctx = edge.new_context(request, services)
    params = list(request.query_params.multi_items())
    try:
        exposed = scan_for_private_key(request.url.query)
        if exposed is not None:
            await report_exposed_key(services, exposed, where="query string")
            return consent_page.problem(
                "Private key refused", "A private key never goes into a URL; it was flagged.", 403
            )
        member = await services.oauth.sign_in.who_is_signed_in(request)
        checked = await _check(services, ctx, request, params, member)
        if isinstance(checked, Response):
            return checked
        if member is None:
            return_to = request.url.path + ("?" + request.url.query if request.url.query else "")
            return RedirectResponse(services.oauth.sign_in.sign_in_url(return_to), 303)
        assert ctx.key is not None
        signer = services.signing.serializer(CONSENT_PURPOSE)
        consent_token = signer.dumps({"m": member.id, "q": _request_digest(params)})
        return consent_page.consent(
            app_name=ctx.key.name,
            account=ctx.key.account,
            member_name=member.name or member.id,
            scopes=checked.split(),
            redirect_uri=dict(params)["redirect_uri"],
            fields=[*params, ("consent_token", str(consent_token))],
        )
    except GatewayError:
        return consent_page.problem("Try again", "The gateway cannot answer now.", 503)


async def decide(request: Request) -> Response:
    services: Services = request.app.state.services
    ctx = edge.new_context(request, services)
    try:
        form = await edge.read_form(request)
    except OAuth2Error:
        return consent_page.problem("Not a consent form", "Use the form this page showed.")
    fields = dict(form)
    params = [(n, v) for n, v in form if n not in FORM_ONLY]
    try:
        member = await services.oauth.sign_in.who_is_signed_in(request)
        if member is None or not _consent_token_ok(services, fields, member, params):
            return consent_page.problem(
                "This form has expired", "Go back to the application and start again.", 403
            )
        checked = await _check(services, ctx, request, params, member)
        if isinstance(checked, Response):
            return checked
        grant_user = Owner(member.id) if fields.get("decision") == "allow" else None
        oauth_request = FormRequest("GET", ctx.issuer + AUTHORIZE_PATH, request.headers, params)
        with active(ctx):
            grant = services.oauth.server.get_consent_grant(oauth_request, end_user=grant_user)
            response: Response = services.oauth.server.create_authorization_response(
                oauth_request, grant_user=grant_user, grant=grant
            )
        if ctx.new_code is not None:
            await services.oauth.grants.put_code(ctx.new_code, CODE_TTL)
        response.headers["Cache-Control"] = "no-store"
        return response
    except OAuth2Error as error:
        return _refusal(services, ctx, error, params)
    except GatewayError:
        return consent_page.problem("Try again", "The gateway cannot answer now.", 503)


async def _check(
    services: Services,
    ctx: OAuthContext,
    request: Request,
    params: list[tuple[str, str]],
    member: Member | None,
) -> str | Response:
    """The scope the request resolves to, or the answer that refuses it."""
    cached = await edge.load_client(services, dict(params).get("client_id"))
    ctx.key = cached.key if cached is not None else None
    oauth_request = FormRequest("GET", ctx.issuer + AUTHORIZE_PATH, request.headers, params)
    try:
        with active(ctx):
            services.oauth.server.get_consent_grant(oauth_request, end_user=None)
    except OAuth2Error as error:
        return _refusal(services, ctx, error, params)
    if member is not None and ctx.key is not None and ctx.key.account not in member.accounts:
        return consent_page.problem(
            "Not your account",
            "You are signed in as someone who is not a member of the account this application "
            "belongs to. Sign in as a member of that account.",
            403,
        )
    scope: str = oauth_request.scope
    return scope


def _refusal(
    services: Services, ctx: OAuthContext, error: OAuth2Error, params: list[tuple[str, str]]
) -> Response:
    if error.redirect_uri:
        error.state = dict(params).get("state")
        with active(ctx):
            response: Response = services.oauth.server.handle_error_response(None, error)
        return response
    detail = error.description or "The application's request is not valid."
    return consent_page.problem("This request cannot be authorized", str(detail))


def _request_digest(params: list[tuple[str, str]]) -> str:
    return digest(json.dumps(sorted(params), separators=(",", ":")))


def _consent_token_ok(
    services: Services, fields: dict[str, str], member: Member, params: list[tuple[str, str]]
) -> bool:
    signer = services.signing.serializer(CONSENT_PURPOSE)
    try:
        data = signer.loads(fields.get("consent_token", ""), max_age=CONSENT_MAX_AGE)
    except BadData:
        return False
    return (
        isinstance(data, dict)
        and data.get("m") == member.id
        and data.get("q") == _request_digest(params)
    )
