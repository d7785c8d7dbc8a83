"""Console API about the signed-in person: profile, two-factor, recovery codes, password,
sessions."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from gateway.accounts import security
from gateway.console import cookies
from gateway.console.fields import check_fields, text
from gateway.console.routing import ConsoleCall, console_route, json
from gateway.console.views import person_view
from gateway.errors import NotFound


async def _rotated(call: ConsoleCall, data: dict[str, object], status: int = 200) -> Response:
    """Answer under a new session id and CSRF token: privileges changed, the old id is dead."""
    token, session = await call.services.accounts.sessions.rotate(call.current, call.now)
    response = json({**data, "csrf_token": session.csrf_token}, status)
    cookies.set_session(response, call.request, token)
    return response


async def me(call: ConsoleCall) -> Response:
    accounts = call.services.accounts
    memberships = await accounts.store.accounts_of(call.me.id)
    return json(
        {
            **person_view(call.me),
            "csrf_token": call.current.csrf_token,
            "recovery_codes_left": await accounts.store.recovery_codes_left(call.me.id),
            "accounts": [{**a.view(), "role": role} for a, role in memberships],
            # An account of theirs requires two-factor sign-in they have not turned on: the
            # console sends them to set it up before anything else.
            "two_factor_required": not call.me.two_factor
            and any(a.require_2fa for a, _ in memberships),
        }
    )


async def enrol(call: ConsoleCall) -> Response:
    check_fields(call.body, set())
    secret, uri = await security.enrol(call.services.accounts, call.me)
    return json({"secret": secret, "otpauth_uri": uri})


async def confirm(call: ConsoleCall) -> Response:
    check_fields(call.body, {"code"})
    codes = await security.confirm(
        call.services.accounts, call.me, text(call.body, "code", limit=64), call.now
    )
    return await _rotated(call, {"two_factor": True, "recovery_codes": codes})


async def disable(call: ConsoleCall) -> Response:
    check_fields(call.body, {"password", "code"})
    await security.disable(
        call.services.accounts,
        call.me,
        text(call.body, "password"),
        text(call.body, "code", limit=64),
        call.now,
    )
    return await _rotated(call, {"two_factor": False})


async def recovery_codes(call: ConsoleCall) -> Response:
    check_fields(call.body, {"password"})
    codes = await security.regenerate_codes(
        call.services.accounts, call.me, text(call.body, "password")
    )
    return json({"recovery_codes": codes})


async def change_password(call: ConsoleCall) -> Response:
    check_fields(call.body, {"current_password", "new_password"})
    await security.change_password(
        call.services.accounts,
        call.me,
        text(call.body, "current_password"),
        text(call.body, "new_password"),
        call.now,
        keep=call.current.id_hash,
    )
    return await _rotated(call, {"password_changed": True})


async def sessions(call: ConsoleCall) -> Response:
    live = await call.services.accounts.sessions.live_of(call.me.id, call.now)
    current = call.current.id_hash
    return json({"sessions": [s.view(s.id_hash == current) for s in live]})


async def end_session(call: ConsoleCall) -> Response:
    handle = call.request.path_params["session"]
    manager = call.services.accounts.sessions
    for session in await manager.live_of(call.me.id, call.now):
        if session.handle == handle:
            await manager.end(session.id_hash)
            response = Response(status_code=204)
            if session.id_hash == call.current.id_hash:
                cookies.clear_session(response, call.request)
            return response
    raise NotFound("no session of yours has this id")


def routes() -> list[Route]:
    return [
        console_route("/me", me, ["GET"]),
        console_route("/me/two-factor/enrol", enrol, ["POST"]),
        console_route("/me/two-factor/confirm", confirm, ["POST"]),
        console_route("/me/two-factor/disable", disable, ["POST"]),
        console_route("/me/recovery-codes", recovery_codes, ["POST"]),
        console_route("/me/password", change_password, ["POST"]),
        console_route("/me/sessions", sessions, ["GET"]),
        console_route("/me/sessions/{session}", end_session, ["DELETE"]),
    ]
