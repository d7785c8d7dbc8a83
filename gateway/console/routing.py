"""The wrapper every ``/console/api/…`` route runs behind.

In order: the ``Origin``/``Sec-Fetch-Site`` check on state-changing methods; the JSON body (at most
64 KiB; none is fine); the session from its cookie, its idle clock restarted; the CSRF token when
signed in; then, for routes with a ``role``, :func:`gateway.accounts.authz.require` on the
``{account}`` in the path. Answers are never cached and carry no CORS headers: only the console
on the gateway's own origin calls this API.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.accounts.authz import Grant, require
from gateway.accounts.errors import NotSignedIn
from gateway.accounts.records import Person, Role
from gateway.accounts.sessions.model import Session
from gateway.console import cookies, csrf
from gateway.errors import GatewayError, UnsupportedMediaType, problem_response
from gateway.web import openapi
from gateway.web.body import read_json

if TYPE_CHECKING:
    from gateway.services import Services

MAX_BODY = 65_536
PREFIX = "/console/api"


@dataclass(frozen=True)
class ConsoleCall:
    request: Request
    services: Services
    now: float
    body: dict[str, Any]
    session: Session | None
    person: Person | None
    grant: Grant | None

    @property
    def me(self) -> Person:
        assert self.person is not None  # routes with signed_in=True only
        return self.person

    @property
    def current(self) -> Session:
        assert self.session is not None
        return self.session

    @property
    def account_grant(self) -> Grant:
        assert self.grant is not None  # routes with a role only
        return self.grant


Endpoint = Callable[[ConsoleCall], Awaitable[Response]]


def json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


async def _body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-length") in (None, "0") and (
        "transfer-encoding" not in request.headers
    ):
        return {}
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    return await read_json(request, MAX_BODY)


def console_route(
    path: str,
    endpoint: Endpoint,
    methods: list[str],
    *,
    signed_in: bool = True,
    role: Role | None = None,
    raw_body: bool = False,
) -> Route:
    """``raw_body``: the endpoint reads the body itself (a document upload); the CSRF token
    then comes in the ``X-CSRF-Token`` header only."""

    async def guarded(request: Request) -> Response:
        services: Services = request.app.state.services
        accounts = services.accounts
        headers = {"Cache-Control": "no-store"}
        try:
            now = services.clock()
            changing = request.method not in csrf.SAFE_METHODS
            if changing:
                csrf.check_origin(request, services.settings.public_url)
            body = await _body(request) if changing and not raw_body else {}
            session = person = None
            token = cookies.session_token(request)
            if token:
                session = await accounts.sessions.find(token, now)
            if session is not None:
                person = await accounts.store.person(session.person_id)
                if person is None:
                    await accounts.sessions.end(session.id_hash)
                    session = None
            if signed_in and (person is None or session is None):
                raise NotSignedIn("sign in first")
            if changing and signed_in and session is not None:
                csrf.check_token(request, body, session.csrf_token)
            grant = None
            if role is not None and person is not None:
                grant = await require(accounts.store, person, request.path_params["account"], role)
            call = ConsoleCall(request, services, now, body, session, person, grant)
            response = await endpoint(call)
        except GatewayError as exc:
            services.metrics.error(exc.code)
            return problem_response(exc, headers)
        response.headers.update(headers)
        return response

    guarded.__name__ = endpoint.__name__
    _describe(PREFIX + path, endpoint, methods, signed_in)
    return Route(PREFIX + path, guarded, methods=methods)


def _describe(path: str, endpoint: Endpoint, methods: list[str], signed_in: bool) -> None:
    summary = (endpoint.__doc__ or endpoint.__name__.replace("_", " ").capitalize()).strip()
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)
    ]
    for method in methods:
        openapi.describe(
            path,
            {
                method.lower(): openapi.operation(
                    summary.splitlines()[0],
                    "200",
                    params=params,
                    body=method not in csrf.SAFE_METHODS,
                    errors=(400, 401, 403, 404, 409, 422, 429),
                    tags=("console",),
                    security=[{"consoleSession": []}] if signed_in else [],
                )
            },
        )
