"""The requester's endpoints: the widget's code step and the e-mailed link's page.

``POST /v1/{pk}/rights/verify`` ``{reference, code}`` confirms the address (``200`` with the due
date, now counted from today); ``POST /v1/{pk}/rights/verify/resend`` ``{reference}`` mails a
new code (``202``, the same for a reference that waits for nothing). Both are limited per key
and client IP by the guard; re-sends also per requester address. ``/portal/`` is the page the
e-mailed link opens (strict CSP); it asks ``POST /portal/api/verify/texts`` ``{token}`` for its
texts in the request's language (the browser's when the token names no request; the answer is
the same shape either way and spends no try) and posts the link's token to
``POST /portal/api/verify``; each limited per client IP.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.errors import NotFound
from gateway.portal import page, space_api
from gateway.portal.codes import address_id, normalise_code
from gateway.portal.texts import page_texts
from gateway.portal.verifier import Verifier
from gateway.ratelimit.limiter import LimitRequest
from gateway.records.model import StoredRightsRequest
from gateway.services import Services
from gateway.web import openapi
from gateway.web.body import read_json
from gateway.web.guard import WidgetCall, verify_ip_limit, widget_route
from gateway.web.static_page import HEADERS, limit_page_call, texts_response

NO_STORE = {"Cache-Control": "no-store"}


def routes() -> list[BaseRoute]:
    return [
        widget_route(
            "/rights/verify", verify_code, widget="rights", methods=["POST"], limits=verify_ip_limit
        ),
        widget_route(
            "/rights/verify/resend",
            resend_code,
            widget="rights",
            methods=["POST"],
            limits=verify_ip_limit,
            defer_limits=True,
        ),
        Route("/portal/api/verify", verify_link, methods=["POST"]),
        Route("/portal/api/verify/texts", link_texts, methods=["POST"]),
        *space_api.routes(),
        *page.routes(),
    ]


def verifier_of(services: Services) -> Verifier:
    if services.verifier is None:
        # No records store behind this gateway's rights form: there is nothing to confirm.
        raise NotFound("This gateway does not confirm requesters' addresses.")
    return services.verifier


def _reference(data: dict[str, object]) -> str:
    value = data.get("reference")
    return value if isinstance(value, str) and len(value) <= 32 else ""


def confirmed(found: StoredRightsRequest) -> dict[str, object]:
    """The answer to a confirmation: the due date, its clock started on the day of it; for a
    request filed by an agent, ``verified: false`` until the data subject agrees too."""
    answer: dict[str, object] = {"reference": found.reference, "verified": found.email_verified}
    answer["respond_by"] = found.due_at.isoformat()
    if not found.email_verified:
        answer["waiting_for"] = "data_subject"
    return answer


async def verify_code(call: WidgetCall) -> Response:
    verifier = verifier_of(call.services)
    data = await read_json(
        call.request, call.services.settings.max_body_bytes, ("reference", "code")
    )
    found = await verifier.check(
        _reference(data), call.key.public_key, normalise_code(data.get("code"))
    )
    return JSONResponse(confirmed(found), headers=NO_STORE)


async def resend_code(call: WidgetCall) -> Response:
    services = call.services
    verifier = verifier_of(services)
    data = await read_json(call.request, services.settings.max_body_bytes, ("reference",))
    reference = _reference(data)
    waiting = await verifier.waiting(reference, call.key.public_key)
    extra = []
    if waiting is not None:
        # The address the code goes to: the agent's, for a request an agent filed.
        to = str(waiting.identity.get("agent_email") or waiting.email)
        who = address_id(services.signing.secrets[0], to)
        limit = call.key.limit("verify_per_email", services.settings.limit_verify_per_email)
        extra.append(LimitRequest("verify_email", limit, (call.key.public_key, who)))
    await call.admit(extra)
    await verifier.resend(reference, call.key.public_key)
    return JSONResponse({"sent": True}, status_code=202, headers=NO_STORE)


async def verify_link(request: Request) -> Response:
    services: Services = request.app.state.services
    verifier = verifier_of(services)
    await limit_page_call(request, services, "portal")
    data = await read_json(request, services.settings.max_body_bytes, ("token",))
    found = await verifier.confirm_link(data.get("token"))
    return JSONResponse(confirmed(found), headers={**HEADERS, **NO_STORE})


async def link_texts(request: Request) -> Response:
    """The link page's texts: in the language of the request the token names, else the
    browser's. The same answer for a forged token as for none: it tells nothing of validity."""
    services: Services = request.app.state.services
    await limit_page_call(request, services, "portal-texts")
    data = await read_json(request, services.settings.max_body_bytes, ("token",))
    verifier = services.verifier
    language = None if verifier is None else await verifier.language_of(data.get("token"))
    return texts_response(page_texts("link", language, request.headers.get("accept-language")))


CODE_ERRORS = (401, 403, 413, 415, 422, 429)
# A page's texts call: the link's token when it has one.
TEXTS_BODY = {
    **openapi.CLOSED_OBJECT,
    "properties": {"token": {"type": "string", "maxLength": 200}},
}
openapi.describe(
    "/v1/{public_key}/rights/verify",
    {
        "post": openapi.operation(
            "Confirm the requester's e-mail address with the 6-digit code mailed to it; "
            "answers the due date, counted from today",
            "200",
            params=[openapi.PK],
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["reference", "code"],
                "properties": {
                    "reference": {"type": "string", "maxLength": 32},
                    "code": {"type": "string", "pattern": "^[0-9 -]{6,20}$"},
                },
            },
            errors=CODE_ERRORS,
        )
    },
)
openapi.describe(
    "/v1/{public_key}/rights/verify/resend",
    {
        "post": openapi.operation(
            "Mail a new code to the requester (the previous one stops working); throttled",
            "202",
            params=[openapi.PK],
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["reference"],
                "properties": {"reference": {"type": "string", "maxLength": 32}},
            },
            errors=CODE_ERRORS,
        )
    },
)
openapi.describe(
    "/portal/api/verify",
    {
        "post": openapi.operation(
            "Confirm the requester's e-mail address with the token of the e-mailed link",
            "200",
            body=True,
            request_schema={
                **openapi.CLOSED_OBJECT,
                "required": ["token"],
                "properties": {"token": {"type": "string", "maxLength": 200}},
            },
            errors=(413, 415, 422, 429),
        )
    },
)
openapi.describe(
    "/portal/api/verify/texts",
    {
        "post": openapi.operation(
            "The requester's link page's texts (link.*) with their lang and dir: in the "
            "language of the request the token names, else Accept-Language's; the same answer "
            "for any token, and no try spent",
            "200",
            body=True,
            request_schema=TEXTS_BODY,
            errors=(413, 415, 422, 429),
        )
    },
)
