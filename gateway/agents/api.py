"""The agents' endpoints: the document sent after the form, the data subject's page and its API,
and the site owner's download.

``POST /v1/{pk}/rights/document`` ``{reference, token, content}`` (``content`` in base64, in a
``text/plain`` JSON body like the form's, so no CORS preflight) keeps the authorisation of the
request the token names: ``201 {reference, media_type}``. ``/permission/`` is the page the data
subject's e-mailed link opens (strict CSP); it asks ``POST /permission/api/texts`` ``{token}``
for its texts in the request's language (the browser's for a token that names no request: the
same shape either way), ``POST /permission/api/request`` ``{token}`` what the link is about and
answers with ``POST /permission/api/answer`` ``{token, answer}`` (``yes`` or ``no``); each
limited per client IP. :func:`download` is the owner's copy, for the
console and the site-owner API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.agents import documents
from gateway.agents.desk import AgentDesk, PermissionLinkInvalid
from gateway.errors import NotFound
from gateway.portal.texts import page_texts
from gateway.records import agents
from gateway.records.model import StoredRightsRequest
from gateway.web import openapi
from gateway.web.body import read_json
from gateway.web.guard import WidgetCall, verify_ip_limit, widget_route
from gateway.web.static_files import static_dir
from gateway.web.static_page import (
    HEADERS,
    LINK_PAGE,
    limit_page_call,
    page_routes,
    texts_response,
)

if TYPE_CHECKING:
    from gateway.services import Services

NO_STORE = {"Cache-Control": "no-store"}
PAGE_DIR = static_dir() / "permission"
FILES = ("index.html", "permission.js", "permission.css")
ANSWERS = {"yes": True, "no": False}
# What a download carries so that no browser renders, sniffs, frames or keeps the file.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


def routes() -> list[BaseRoute]:
    return [
        widget_route(
            "/rights/document",
            upload_document,
            widget="rights",
            methods=["POST"],
            limits=verify_ip_limit,
        ),
        Route("/permission/api/texts", page_texts_of, methods=["POST"]),
        Route("/permission/api/request", show_request, methods=["POST"]),
        Route("/permission/api/answer", answer_request, methods=["POST"]),
        *page_routes("/permission", PAGE_DIR, FILES, shared=LINK_PAGE),
    ]


def desk_of(services: Services) -> AgentDesk:
    if services.agents is None:
        # No records store behind this gateway's rights form: nowhere to keep a document.
        raise NotFound("This gateway does not keep agents' documents.")
    return services.agents


async def upload_document(call: WidgetCall) -> Response:
    desk = desk_of(call.services)
    # Base64 takes 4 bytes for 3; the rest is the reference, the token and the JSON around.
    limit = desk.max_bytes * 4 // 3 + 4096
    data = await read_json(call.request, limit, ("reference", "token", "content"))
    media_type = await desk.upload(
        call.key.public_key, data.get("reference"), data.get("token"), data.get("content")
    )
    body = {"reference": data["reference"], "media_type": media_type}
    return JSONResponse(body, status_code=201, headers=NO_STORE)


async def _page_call(request: Request, fields: tuple[str, ...]) -> tuple[AgentDesk, dict[str, Any]]:
    services: Services = request.app.state.services
    desk = desk_of(services)
    await limit_page_call(request, services, "permission")
    return desk, await read_json(request, services.settings.max_body_bytes, fields)


async def page_texts_of(request: Request) -> Response:
    """The page's texts: in the language of the request the link names, else the browser's.
    The same answer for a forged token as for none: it tells nothing of validity."""
    services: Services = request.app.state.services
    await limit_page_call(request, services, "permission-texts")
    data = await read_json(request, services.settings.max_body_bytes, ("token",))
    desk = services.agents
    language = None if desk is None else await desk.language_of(data.get("token"))
    language_header = request.headers.get("accept-language")
    return texts_response(page_texts("permission", language, language_header))


async def show_request(request: Request) -> Response:
    desk, data = await _page_call(request, ("token",))
    view = await desk.view(data.get("token"))
    body = {"reference": view.reference, "agent": view.agent, "site": view.site, "type": view.type}
    return JSONResponse(body, headers={**HEADERS, **NO_STORE})


async def answer_request(request: Request) -> Response:
    desk, data = await _page_call(request, ("token", "answer"))
    agreed = ANSWERS.get(str(data.get("answer")))
    if agreed is None:
        raise PermissionLinkInvalid("answer is yes or no")
    found = await desk.answer(data.get("token"), agreed)
    body: dict[str, object] = {"reference": found.reference, "answer": "yes" if agreed else "no"}
    body["verified"] = found.email_verified
    if found.email_verified:
        body["respond_by"] = found.due_at.isoformat()
    return JSONResponse(body, headers={**HEADERS, **NO_STORE})


async def download(services: Services, found: StoredRightsRequest) -> Response:
    """The authorisation of ``found`` (whose owner the caller was checked to be), as an
    attachment no browser renders; 404 when it has none."""
    missing = NotFound("This request has no authorisation document.")
    if services.agents is None:
        raise missing
    stored = await agents.document(services.agents.store, found.reference)
    if stored is None:
        raise missing
    content = documents.unseal(services.agents.sealer, found.reference, stored.sealed)
    extension = documents.EXTENSIONS.get(stored.media_type, "bin")
    name = f"{found.reference}-authorisation.{extension}"
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=stored.media_type, headers=headers)


PAGE_ERRORS = (413, 415, 422, 429)
openapi.describe(
    "/v1/{public_key}/rights/document",
    {
        "post": openapi.operation(
            "Send the authorisation document (PDF, PNG or JPEG, base64) of a request filed by "
            "an authorised agent, with the token of the request's 202 answer; once per request",
            "201",
            params=[openapi.PK],
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["reference", "token", "content"],
                "properties": {
                    "reference": {"type": "string", "maxLength": 32},
                    "token": {"type": "string", "maxLength": 200},
                    "content": {"type": "string", "contentEncoding": "base64"},
                },
            },
            errors=(401, 403, 413, 415, 422, 429),
        )
    },
)
openapi.describe(
    "/permission/api/texts",
    {
        "post": openapi.operation(
            "The data subject's page's texts (permission.*) with their lang and dir: in the "
            "language of the request the token names, else Accept-Language's; the same answer "
            "for any token",
            "200",
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "properties": {"token": {"type": "string", "maxLength": 200}},
            },
            errors=PAGE_ERRORS,
        )
    },
)
openapi.describe(
    "/permission/api/request",
    {
        "post": openapi.operation(
            "What the data subject's link asks about: the reference, the agent's name, the site",
            "200",
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["token"],
                "properties": {"token": {"type": "string", "maxLength": 200}},
            },
            errors=PAGE_ERRORS,
        )
    },
)
openapi.describe(
    "/permission/api/answer",
    {
        "post": openapi.operation(
            "The data subject's answer: yes, they gave the agent permission, or no",
            "200",
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["token", "answer"],
                "properties": {
                    "token": {"type": "string", "maxLength": 200},
                    "answer": {"enum": ["yes", "no"]},
                },
            },
            errors=PAGE_ERRORS,
        )
    },
)


def _get(summary: str, ok: str) -> dict[str, dict[str, Any]]:
    return {
        "get": {
            "summary": summary,
            "tags": ["permission"],
            "responses": {ok: {"description": summary}},
        }
    }


openapi.describe("/permission", _get("Redirect to /permission/", "308"))
openapi.describe("/permission/", _get("The data subject's page (HTML)", "200"))
openapi.describe(
    "/permission/{file}",
    {
        "get": {
            "summary": "The data subject's page's script and style",
            "tags": ["permission"],
            "parameters": [
                {"name": "file", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {"description": "The file"},
                "404": {"description": "No such file"},
            },
        }
    },
)
