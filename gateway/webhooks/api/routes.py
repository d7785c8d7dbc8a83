"""``/api/v1/webhooks…``: endpoints, their deliveries, replays and test events.

An endpoint or delivery of another account is a 404, exactly like one that does not exist. The
signing secret is in the answer of the creation and of ``rotate-secret`` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.errors import InvalidQuery, StoreUnavailable
from gateway.oauth.api_auth import ApiCaller, api_route
from gateway.web.body import read_json
from gateway.webhooks.api import describe, render
from gateway.webhooks.api.fields import endpoint_fields
from gateway.webhooks.model import DELIVERY_STATUSES
from gateway.webhooks.runtime import Webhooks

if TYPE_CHECKING:
    from gateway.services import Services

SCOPE = "webhooks:manage"
MAX_BODY = 8192
MAX_ID = 64


class WebhooksUnavailable(StoreUnavailable):
    """This gateway keeps no records store, where webhooks live."""

    code = "webhooks_unavailable"
    title = "Webhooks not configured"


def webhooks_of(services: Services) -> Webhooks:
    if services.webhooks is None:
        raise WebhooksUnavailable(
            "This gateway keeps no records store: set GATEWAY_DATABASE_URL to use webhooks."
        )
    return services.webhooks


class UnknownQueryParameter(InvalidQuery):
    code = "unknown_query_parameter"
    title = "Unknown query parameter"


def _only(request: Request, allowed: tuple[str, ...] = ()) -> None:
    for name in request.query_params:
        if name not in allowed:
            # The name is the client's own text: not repeated back (the accepted ones are).
            raise UnknownQueryParameter(
                f"an unknown query parameter; accepted: {', '.join(allowed) or 'none'}"
            )


def _id(request: Request, name: str = "endpoint_id") -> str:
    value: str = request.path_params[name]
    return value[:MAX_ID]


async def listing(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/webhooks``: the account's endpoints, oldest first."""
    _only(request)
    found = await webhooks_of(services).store.endpoints(caller.account)
    return JSONResponse({"items": [render.endpoint(e) for e in found]})


async def create(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``POST /api/v1/webhooks``: a new endpoint; its signing secret is shown this once."""
    _only(request)
    hooks = webhooks_of(services)
    body = await read_json(request, MAX_BODY)
    values = await endpoint_fields(body, hooks.urls, partial=False)
    made = await hooks.store.create(
        caller.account,
        values["url"],
        values["events"],
        values.get("description", ""),
        values.get("enabled", True),
    )
    return JSONResponse(render.endpoint(made, secret=True), status_code=201)


async def show(request: Request, services: Services, caller: ApiCaller) -> Response:
    _only(request)
    found = await webhooks_of(services).store.endpoint(caller.account, _id(request))
    return JSONResponse(render.endpoint(found))


async def change(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``PATCH /api/v1/webhooks/{id}``: any of ``url``, ``events``, ``description``,
    ``enabled``."""
    _only(request)
    hooks = webhooks_of(services)
    endpoint_id = _id(request)
    await hooks.store.endpoint(caller.account, endpoint_id)  # 404 before reading the body
    body = await read_json(request, MAX_BODY)
    values = await endpoint_fields(body, hooks.urls, partial=True)
    changed = await hooks.store.update(caller.account, endpoint_id, **values)
    return JSONResponse(render.endpoint(changed))


async def remove(request: Request, services: Services, caller: ApiCaller) -> Response:
    _only(request)
    await webhooks_of(services).store.remove(caller.account, _id(request))
    return Response(status_code=204)


async def rotate(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``POST /api/v1/webhooks/{id}/rotate-secret``: a new secret, shown this once; the old
    one keeps signing beside it for ``GATEWAY_WEBHOOK_SECRET_GRACE``."""
    _only(request)
    hooks = webhooks_of(services)
    rotated = await hooks.store.rotate_secret(caller.account, _id(request), hooks.secret_grace)
    return JSONResponse(render.endpoint(rotated, secret=True))


async def deliveries(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/webhooks/{id}/deliveries``: newest first, each with its attempts."""
    query = request.query_params
    _only(request, ("status", "limit", "cursor"))
    status = query.get("status")
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidQuery(
            f"status: must be one of {', '.join(DELIVERY_STATUSES)}", extra={"parameter": "status"}
        )
    raw = query.get("limit", "20")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3):
        raise InvalidQuery(
            "limit: must be a whole number from 1 to 100", extra={"parameter": "limit"}
        )
    page = await webhooks_of(services).store.deliveries(
        caller.account, _id(request), status=status, after=query.get("cursor"), limit=int(raw)
    )
    return JSONResponse(
        {"items": [render.delivery(d) for d in page.items], "next_cursor": page.next_cursor}
    )


async def replay(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay``: queue it again."""
    _only(request)
    hooks = webhooks_of(services)
    again = await hooks.store.replay(caller.account, _id(request), _id(request, "delivery_id"))
    hooks.dispatcher.wake()
    return JSONResponse(render.delivery(again), status_code=202)


async def test_event(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``POST /api/v1/webhooks/{id}/test``: send a ``webhook.test`` message to this endpoint."""
    _only(request)
    hooks = webhooks_of(services)
    sent = await hooks.store.send_test(caller.account, _id(request))
    hooks.dispatcher.wake()
    return JSONResponse(render.delivery(sent), status_code=202)


def routes() -> list[Route]:
    describe.register()
    one = "/webhooks/{endpoint_id}"
    return [
        api_route("/webhooks", listing, methods=["GET"], scope=SCOPE),
        api_route("/webhooks", create, methods=["POST"], scope=SCOPE),
        api_route(one, show, methods=["GET"], scope=SCOPE),
        api_route(one, change, methods=["PATCH"], scope=SCOPE),
        api_route(one, remove, methods=["DELETE"], scope=SCOPE),
        api_route(one + "/rotate-secret", rotate, methods=["POST"], scope=SCOPE),
        api_route(one + "/test", test_event, methods=["POST"], scope=SCOPE),
        api_route(one + "/deliveries", deliveries, methods=["GET"], scope=SCOPE),
        api_route(one + "/deliveries/{delivery_id}/replay", replay, methods=["POST"], scope=SCOPE),
    ]
