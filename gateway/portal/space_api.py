"""The requester's space's API under ``/portal/api/space``, for the page at ``/portal/``.

Opening: ``POST …/link {token}`` (the link's token; answers the texts in the request's language
and the reference), ``POST …/code {token}`` (mails a code; ``202``), ``POST …/session {token,
code}`` (the session cookie, and the view with its ``csrf_token``). Then, with the cookie:
``GET …`` (the view), ``POST …/messages {body}``, ``POST …/documents`` (the raw file as the
body, its name in ``X-Filename``: :mod:`gateway.web.upload`), ``GET …/documents/{id}`` and
``POST …/signout``. ``GET …/texts?lang=`` gives the texts without a link (for the page's own
messages).

The cookie is ``__Host-wg_space`` (``Secure``, ``Path=/``) when the public URL is HTTPS, else
``wg_space`` (``Path=/portal``); ``HttpOnly``, ``SameSite=Strict``, no ``Max-Age``: the server
ends a session (idle and absolute limits). State-changing calls pass the console's CSRF checks
(:mod:`gateway.console.csrf`): where they come from (``Sec-Fetch-Site``, ``Origin``), and, with a
session, its synchroniser token in ``X-CSRF-Token``. Every answer is ``no-store``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.console.csrf import SAFE_METHODS, check_origin, check_token
from gateway.errors import GatewayError, InvalidPayload, NotFound, problem_response
from gateway.locales import direction
from gateway.portal.codes import address_id, normalise_code
from gateway.portal.space import Space, SpaceSignedOut
from gateway.portal.space_texts import space_texts
from gateway.ratelimit.limiter import LimitRequest
from gateway.records import documents
from gateway.records.model import StoredRightsRequest
from gateway.records.space import SpaceSession
from gateway.services import Services
from gateway.web import openapi
from gateway.web.body import read_json
from gateway.web.clientip import client_ip, limit_identity
from gateway.web.static_page import HEADERS
from gateway.web.upload import attachment, read_upload

PREFIX = "/portal/api/space"
COOKIE = "wg_space"
ANSWER_HEADERS = {**HEADERS, "Cache-Control": "no-store"}


def cookie_name(public_url: str) -> tuple[str, str, bool]:
    """``(name, path, secure)`` of the session cookie for a gateway at ``public_url``."""
    if urlsplit(public_url).scheme == "https":
        return f"__Host-{COOKIE}", "/", True
    return COOKIE, "/portal", False


def _services(request: Request) -> tuple[Services, Space]:
    services: Services = request.app.state.services
    if services.space is None:
        raise NotFound("This gateway keeps no requesters' spaces.")
    return services, services.space


def _ip(request: Request, services: Services) -> str:
    settings = services.settings
    return limit_identity(
        client_ip(request.scope, settings.trusted_proxies), settings.ipv6_limit_prefix
    )


async def _limit_opening(request: Request, services: Services) -> None:
    limit = services.settings.limit_space_per_ip
    await services.limiter.enforce([LimitRequest("space_ip", limit, (_ip(request, services),))])


async def _limit_writing(request: Request, services: Services, found: StoredRightsRequest) -> None:
    """Per key and IP, and per key and the request's address, with the key's overrides."""
    settings = services.settings
    cached = await services.keys.get(found.public_key)
    per_ip, per_email = (
        settings.limit_space_messages_per_ip,
        settings.limit_space_messages_per_email,
    )
    if cached is not None:
        per_ip = cached.key.limit("space_messages_per_ip", per_ip)
        per_email = cached.key.limit("space_messages_per_email", per_email)
    who = address_id(services.signing.secrets[0], found.email)
    await services.limiter.enforce(
        [
            LimitRequest("space_msg_ip", per_ip, (found.public_key, _ip(request, services))),
            LimitRequest("space_msg_email", per_email, (found.public_key, who)),
        ]
    )


def _texts(tag: str) -> dict[str, Any]:
    texts = space_texts(tag)
    lang = texts["space.lang"]
    page = {name: text for name, text in texts.items() if name.startswith("space.")}
    return {"language": lang, "dir": direction(lang), "texts": page}


Endpoint = Callable[[Request], Awaitable[Response]]


def _answering(endpoint: Endpoint) -> Endpoint:
    """Every answer, problems included, with the page's headers and ``no-store``."""

    async def answered(request: Request) -> Response:
        try:
            response = await endpoint(request)
        except GatewayError as exc:
            return problem_response(exc, ANSWER_HEADERS)
        response.headers.update(
            {k: v for k, v in ANSWER_HEADERS.items() if k not in response.headers}
        )
        return response

    answered.__name__ = endpoint.__name__
    return answered


async def _session(request: Request) -> tuple[Services, Space, SpaceSession, StoredRightsRequest]:
    """The open session of this browser (its CSRF token checked on a state change)."""
    services, space = _services(request)
    changing = request.method not in SAFE_METHODS
    if changing:
        check_origin(request, services.settings.public_url)
    name, _, _ = cookie_name(services.settings.public_url)
    session, found = await space.session(request.cookies.get(name))
    if changing:
        check_token(request, {}, session.csrf_token)
    return services, space, session, found


async def texts(request: Request) -> Response:
    return JSONResponse(_texts(request.query_params.get("lang", "en")[:35]))


async def link(request: Request) -> Response:
    services, space = _services(request)
    check_origin(request, services.settings.public_url)
    await _limit_opening(request, services)
    data = await read_json(request, services.settings.max_body_bytes, ("token",))
    found = await space.request_of(data.get("token"))
    return JSONResponse({"reference": found.reference, **_texts(found.language)})


async def send_code(request: Request) -> Response:
    services, space = _services(request)
    check_origin(request, services.settings.public_url)
    await _limit_opening(request, services)
    data = await read_json(request, services.settings.max_body_bytes, ("token",))
    found = await space.request_of(data.get("token"))
    who = address_id(services.signing.secrets[0], found.email)
    await services.limiter.enforce(
        [LimitRequest("space_email", services.settings.limit_space_per_email, (who,))]
    )
    await space.send_code(found)
    return JSONResponse({"sent": True}, status_code=202)


async def open_session(request: Request) -> Response:
    services, space = _services(request)
    check_origin(request, services.settings.public_url)
    await _limit_opening(request, services)
    data = await read_json(request, services.settings.max_body_bytes, ("token", "code"))
    found = await space.request_of(data.get("token"))
    opened = await space.open_session(found, normalise_code(data.get("code")))
    answer = JSONResponse(await space.view(found) | {"csrf_token": opened.csrf_token})
    name, path, secure = cookie_name(services.settings.public_url)
    answer.set_cookie(
        name, opened.token, path=path, secure=secure, httponly=True, samesite="strict"
    )
    return answer


async def show(request: Request) -> Response:
    _, space, session, found = await _session(request)
    return JSONResponse(await space.view(found) | {"csrf_token": session.csrf_token})


async def reply(request: Request) -> Response:
    services, space, session, found = await _session(request)
    data = await read_json(request, services.settings.max_body_bytes, ("body",))
    body = data.get("body")
    if not isinstance(body, str):
        raise InvalidPayload("body is required", errors=[{"field": "body", "message": "required"}])
    await _limit_writing(request, services, found)
    await space.reply(found, body)
    view = await space.view(await space.open_request(found.reference))
    return JSONResponse(view | {"csrf_token": session.csrf_token}, status_code=201)


async def upload(request: Request) -> Response:
    services, space, session, found = await _session(request)
    await _limit_writing(request, services, found)
    filename, data = await read_upload(request, services.settings.space_document_max_bytes)
    await space.upload(found, filename, data)
    view = await space.view(await space.open_request(found.reference))
    return JSONResponse(view | {"csrf_token": session.csrf_token}, status_code=201)


async def download(request: Request) -> Response:
    _, space, _, found = await _session(request)
    doc, data = await documents.read(space.store, found.reference, request.path_params["document"])
    return attachment(data, doc.filename, doc.media_type)


async def sign_out(request: Request) -> Response:
    services, space = _services(request)
    check_origin(request, services.settings.public_url)
    name, path, secure = cookie_name(services.settings.public_url)
    token = request.cookies.get(name)
    try:
        session, _ = await space.session(token)
    except (SpaceSignedOut, NotFound):
        session = None
    if session is not None and token:
        check_token(request, {}, session.csrf_token)
        await space.sign_out(token)
    answer = Response(status_code=204)
    answer.delete_cookie(name, path=path, secure=secure, httponly=True, samesite="strict")
    return answer


def routes() -> list[BaseRoute]:
    return [
        Route(PREFIX, _answering(show), methods=["GET"]),
        Route(PREFIX + "/texts", _answering(texts), methods=["GET"]),
        Route(PREFIX + "/link", _answering(link), methods=["POST"]),
        Route(PREFIX + "/code", _answering(send_code), methods=["POST"]),
        Route(PREFIX + "/session", _answering(open_session), methods=["POST"]),
        Route(PREFIX + "/messages", _answering(reply), methods=["POST"]),
        Route(PREFIX + "/documents", _answering(upload), methods=["POST"]),
        Route(PREFIX + "/documents/{document}", _answering(download), methods=["GET"]),
        Route(PREFIX + "/signout", _answering(sign_out), methods=["POST"]),
    ]


def _token_body(*names: str) -> dict[str, Any]:
    props: dict[str, Any] = {"token": {"type": "string", "maxLength": 200}}
    if "code" in names:
        props["code"] = {"type": "string", "pattern": "^[0-9 -]{6,20}$"}
    return {
        **openapi.CLOSED_OBJECT,
        "required": list(names),
        "properties": props,
    }


SPACE_TAGS = ("portal",)
SESSION: list[dict[str, list[str]]] = [{"requesterSpace": []}]


def _op(summary: str, ok: str, **kwargs: Any) -> dict[str, Any]:
    return openapi.operation(summary, ok, tags=SPACE_TAGS, **kwargs)


openapi.describe(
    PREFIX,
    {
        "get": _op(
            "The request as its requester sees it (needs the space's session cookie)",
            "200",
            errors=(401, 404),
            security=SESSION,
        )
    },
)
openapi.describe(
    PREFIX + "/texts",
    {"get": _op("The space page's texts for a language (?lang=)", "200", errors=())},
)
openapi.describe(
    PREFIX + "/link",
    {
        "post": _op(
            "Check a space link's token: the reference and the texts in the request's "
            "language; 404 space_unavailable for any link that opens nothing",
            "200",
            body=True,
            request_schema=_token_body("token"),
            errors=(403, 404, 429),
        )
    },
)
openapi.describe(
    PREFIX + "/code",
    {
        "post": _op(
            "Mail a 6-digit code that opens the space to the request's address (throttled)",
            "202",
            body=True,
            request_schema=_token_body("token"),
            errors=(403, 404, 429),
        )
    },
)
openapi.describe(
    PREFIX + "/session",
    {
        "post": _op(
            "Open the space with the link's token and the mailed code: sets the session "
            "cookie, answers the view with its csrf_token",
            "200",
            body=True,
            request_schema=_token_body("token", "code"),
            errors=(403, 404, 422, 429),
        )
    },
)
openapi.describe(
    PREFIX + "/messages",
    {
        "post": _op(
            "The requester's reply (X-CSRF-Token); a paused clock runs again",
            "201",
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["body"],
                "properties": {"body": {"type": "string", "maxLength": 5000}},
            },
            errors=(401, 403, 404, 409, 422, 429),
            security=SESSION,
        )
    },
)
openapi.describe(
    PREFIX + "/documents",
    {
        "post": _op(
            "Add a document: the raw file as the body, its name percent-encoded in "
            "X-Filename (X-CSRF-Token); PDF, PNG, JPEG or UTF-8 text, read from the content",
            "201",
            errors=(401, 403, 404, 409, 413, 415, 429),
            security=SESSION,
        )
    },
)
openapi.describe(
    PREFIX + "/documents/{document}",
    {
        "get": _op(
            "Download one of the request's documents (an attachment, never rendered)",
            "200",
            params=[
                {"name": "document", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            errors=(401, 404),
            security=SESSION,
            media_type="application/octet-stream",
        )
    },
)
openapi.describe(
    PREFIX + "/signout",
    {"post": _op("End the space's session and clear its cookie", "204", errors=(403,))},
)
