"""Console API for people not signed in yet: sign-in, sign-out, invitations, password reset."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from gateway.accounts import invitations, resets
from gateway.accounts.signin import sign_in
from gateway.console import cookies
from gateway.console.fields import check_fields, text
from gateway.console.routing import ConsoleCall, console_route, json
from gateway.console.views import person_view
from gateway.web.clientip import client_ip, truncate_ip

RESET_ANSWER = {
    "status": "accepted",
    "detail": "if this address has a sign-in, a reset link is on its way; it works for 30 minutes",
}


async def start_session(call: ConsoleCall, person_id: str, status: int = 200) -> Response:
    """End the session the browser had, if any, and start a fresh one under a new id."""
    accounts = call.services.accounts
    if call.session is not None:
        await accounts.sessions.end(call.session.id_hash)
    request = call.request
    ip = client_ip(request.scope, call.services.settings.trusted_proxies)
    token, session = await accounts.sessions.start(
        person_id, call.now, request.headers.get("user-agent", ""), truncate_ip(ip)
    )
    person = await accounts.store.person(person_id)
    assert person is not None
    response = json({**person_view(person), "csrf_token": session.csrf_token}, status)
    cookies.set_session(response, request, token)
    cookies.set_known_device(response, request, call.services.signing, person_id)
    return response


async def sign_in_endpoint(call: ConsoleCall) -> Response:
    check_fields(call.body, {"email", "password", "code"})
    email = text(call.body, "email", limit=320)
    password = text(call.body, "password")
    code = text(call.body, "code", required=False, limit=64)
    services = call.services
    ip = client_ip(call.request.scope, services.settings.trusted_proxies)
    device = cookies.known_device_person(call.request, services.signing)
    person, headers = await sign_in(services.accounts, email, password, code, ip, device, call.now)
    response = await start_session(call, person.id)
    response.headers.update(headers)
    return response


async def sign_out(call: ConsoleCall) -> Response:
    if call.session is not None:
        await call.services.accounts.sessions.end(call.session.id_hash)
    response = Response(status_code=204)
    cookies.clear_session(response, call.request)
    return response


async def show_invitation(call: ConsoleCall) -> Response:
    check_fields(call.body, {"token"})
    accounts = call.services.accounts
    invitation = await invitations.open_invitation(accounts, text(call.body, "token"), call.now)
    account = await accounts.store.account(invitation.account_id)
    person = await accounts.store.person_by_email(invitation.email)
    return json(
        {
            "account_name": account.name if account else "",
            "email": invitation.email,
            "role": invitation.role,
            "expires_at": invitation.expires_at,
            # The holder of the link learns whether to choose a password or enter theirs.
            "has_password": person is not None and person.password_hash is not None,
        }
    )


async def accept_invitation(call: ConsoleCall) -> Response:
    check_fields(call.body, {"token", "password", "name"})
    person, _ = await invitations.accept(
        call.services.accounts,
        text(call.body, "token"),
        text(call.body, "password"),
        text(call.body, "name", required=False, limit=100).strip(),
        call.now,
    )
    return await start_session(call, person.id, 201)


async def request_reset(call: ConsoleCall) -> Response:
    check_fields(call.body, {"email"})
    services = call.services
    await resets.request_reset(
        services.accounts,
        services.mailer,
        services.settings,
        text(call.body, "email", limit=320),
        call.now,
    )
    return json(RESET_ANSWER, 202)


async def complete_reset(call: ConsoleCall) -> Response:
    check_fields(call.body, {"token", "password"})
    await resets.complete_reset(
        call.services.accounts, text(call.body, "token"), text(call.body, "password"), call.now
    )
    response = Response(status_code=204)
    cookies.clear_session(response, call.request)
    return response


def routes() -> list[Route]:
    return [
        console_route("/sign-in", sign_in_endpoint, ["POST"], signed_in=False),
        console_route("/sign-out", sign_out, ["POST"], signed_in=False),
        console_route("/invitations/show", show_invitation, ["POST"], signed_in=False),
        console_route("/invitations/accept", accept_invitation, ["POST"], signed_in=False),
        console_route("/password-reset", request_reset, ["POST"], signed_in=False),
        console_route("/password-reset/complete", complete_reset, ["POST"], signed_in=False),
    ]
