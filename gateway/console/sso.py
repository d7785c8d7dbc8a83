"""Single sign-on at the console: the way to the provider and back, and the code step after it.

``GET /console/sso/start`` sends the browser to the provider with a fresh state, nonce and PKCE
challenge, kept in a signed ten-minute cookie. ``GET /console/sso/callback`` checks the answer
against that cookie, has :mod:`gateway.accounts.sso` verify the ID token, and signs in the person
whose address the provider verified — someone who is a member of an account here, or was invited
to one (the open invitations of that address are accepted); single sign-on creates nobody else.
The session is the one a password sign-in starts: a new id, the
same cookie. A person with two-factor sign-in on still enters a code (``POST
/console/api/sso/code``), throttled like a password sign-in. Every refusal sends the browser to
``/console/#sso-error=<code>``, where the sign-in page says what went wrong; never a 500.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from gateway.accounts import invitations
from gateway.accounts.errors import SecondFactorRequired, SsoDisabled, SsoFailed, SsoNotMember
from gateway.accounts.signin import second_factor_ok
from gateway.accounts.sso import OidcClient, Pending
from gateway.console import cookies
from gateway.console.api_auth import start_session
from gateway.console.fields import check_fields, text
from gateway.console.routing import ConsoleCall, console_route, json
from gateway.errors import GatewayError
from gateway.web import openapi
from gateway.web.clientip import client_ip, truncate_ip

if TYPE_CHECKING:
    from gateway.services import Services

CONSOLE = "/console/"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _client(services: Services) -> OidcClient:
    if services.accounts.sso is None:
        raise SsoDisabled("single sign-on is not configured on this gateway")
    return services.accounts.sso


def _refused(request: Request, services: Services, exc: GatewayError) -> Response:
    services.metrics.error(exc.code)
    response = RedirectResponse(f"{CONSOLE}#sso-error={exc.code}", 303, headers=NO_STORE)
    cookies.clear_sso(response, request)
    return response


async def start(request: Request) -> Response:
    services: Services = request.app.state.services
    try:
        url, pending = await _client(services).start(services.clock())
    except GatewayError as exc:
        return _refused(request, services, exc)
    response = RedirectResponse(url, 302, headers=NO_STORE)
    cookies.set_sso(response, request, services.signing, {"p": pending.dump()})
    return response


async def callback(request: Request) -> Response:
    services: Services = request.app.state.services
    accounts = services.accounts
    now = services.clock()
    try:
        client = _client(services)
        kept = cookies.sso_pending(request, services.signing) or {}
        pending = Pending.load(kept.get("p"))
        if "error" in request.query_params:
            raise SsoFailed("the sign-in provider did not sign you in")
        email = await client.finish(
            pending,
            request.query_params.get("state", ""),
            request.query_params.get("code", ""),
            now,
        )
        # Open invitations for the verified address are accepted; nobody else is created.
        person = await invitations.accept_verified(accounts, email, now)
        if person is None or not await accounts.store.accounts_of(person.id):
            raise SsoNotMember(
                "this address is no member of any account here: ask an owner for an invitation"
            )
    except GatewayError as exc:
        return _refused(request, services, exc)
    if person.two_factor:
        response = RedirectResponse(f"{CONSOLE}#sso=code", 303, headers=NO_STORE)
        cookies.set_sso(response, request, services.signing, {"person": person.id})
        return response
    old = cookies.session_token(request)
    if old and (previous := await accounts.sessions.find(old, now)) is not None:
        await accounts.sessions.end(previous.id_hash)
    ip = client_ip(request.scope, services.settings.trusted_proxies)
    token, _ = await accounts.sessions.start(
        person.id, now, request.headers.get("user-agent", ""), truncate_ip(ip)
    )
    response = RedirectResponse(CONSOLE, 303, headers=NO_STORE)
    cookies.clear_sso(response, request)
    cookies.set_session(response, request, token)
    cookies.set_known_device(response, request, services.signing, person.id)
    return response


async def sso_info(call: ConsoleCall) -> Response:
    """Whether single sign-on is on, and the provider's name for the sign-in page."""
    client = call.services.accounts.sso
    return json({"enabled": client is not None, "provider_name": client.name if client else None})


async def sso_code(call: ConsoleCall) -> Response:
    """The two-factor code of someone the provider just signed in."""
    check_fields(call.body, {"code"})
    code = text(call.body, "code", limit=64)
    services = call.services
    accounts = services.accounts
    kept = cookies.sso_pending(call.request, services.signing) or {}
    person_id = kept.get("person")
    person = await accounts.store.person(person_id) if isinstance(person_id, str) else None
    if person is None or not person.two_factor:
        raise SsoFailed("sign in with the provider again")
    ip = client_ip(call.request.scope, services.settings.trusted_proxies)
    device = cookies.known_device_person(call.request, services.signing) == person.id
    headers = await accounts.throttle.before_attempt(person.email, ip, call.now, device)
    if not await second_factor_ok(accounts.store, person, code, call.now):
        await accounts.throttle.failed(person.email, call.now)
        raise SecondFactorRequired("that code is not valid (any more)", headers=headers)
    await accounts.throttle.succeeded(person.email)
    response = await start_session(call, person.id)
    response.headers.update(headers)
    cookies.clear_sso(response, call.request)
    return response


def routes() -> list[Route]:
    return [
        console_route("/sso", sso_info, ["GET"], signed_in=False),
        console_route("/sso/code", sso_code, ["POST"], signed_in=False),
        Route("/console/sso/start", start, methods=["GET"]),
        Route("/console/sso/callback", callback, methods=["GET"]),
    ]


for _path, _summary in (
    ("/console/sso/start", "Single sign-on: to the OpenID Connect provider"),
    ("/console/sso/callback", "Single sign-on: back from the provider, signed in"),
):
    openapi.describe(
        _path,
        {
            "get": {
                "summary": _summary,
                "tags": ["console"],
                "responses": {
                    "302": {"description": "Redirect"},
                    "303": {"description": "Redirect"},
                },
            }
        },
    )
