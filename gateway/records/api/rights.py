"""``/api/v1/rights-requests…``: privacy requests and their workflow (``rights:read``,
``rights:write``).

A reference of another account is a 404, exactly like one that does not exist. A status change
goes through the store's workflow with the caller's subject as its actor; a change the workflow
does not allow is a 409 ``invalid_status_transition``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.agents.api import download
from gateway.errors import InvalidPayload, NotFound
from gateway.oauth.api_auth import ApiCaller, api_route
from gateway.problems import Problems
from gateway.records import agents, casework
from gateway.records.api import params, render
from gateway.records.api.common import store_of
from gateway.records.model import StoredRightsRequest
from gateway.records.store import RecordStore
from gateway.web.body import read_json

if TYPE_CHECKING:
    from gateway.services import Services

READ = "rights:read"
WRITE = "rights:write"
MAX_REFERENCE = 64
MAX_BODY = 8192
CHANGE_FIELDS = ("status", "note")


async def _owned(store: RecordStore, reference: str, account: str) -> StoredRightsRequest:
    missing = NotFound("No rights request with that reference in this account.")
    if not 0 < len(reference) <= MAX_REFERENCE:
        raise missing
    try:
        found = await store.get_rights(reference)
    except NotFound:
        raise missing from None
    if found.account != account:
        raise missing
    return found


async def _answer(store: RecordStore, found: StoredRightsRequest) -> Response:
    history = await store.rights_history(found.reference)
    notes = await casework.messages(store, found.reference)
    agent = await agents.state(store, found.reference)
    return JSONResponse(
        render.rights_request(found, store.clock().date())
        | render.rights_agent(found, agent)
        | {"history": [render.rights_event(e) for e in history]}
        | {"messages": [render.rights_message(m) for m in notes]}
    )


async def listing(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/rights-requests``: newest first, one page at a time."""
    query = request.query_params
    params.only(query, (*params.RIGHTS_FILTERS, *params.PAGING))
    where = params.rights_filter(query, caller.account)
    paging = params.paging(query)
    page = await store_of(services).list_rights(where, paging.cursor, paging.limit)
    today = store_of(services).clock().date()
    by_agents = await agents.states(store_of(services), [r.reference for r in page.items])
    return JSONResponse(
        {
            "items": [
                render.rights_request(r, today) | render.rights_agent(r, by_agents.get(r.reference))
                for r in page.items
            ],
            "next_cursor": page.next_cursor,
        }
    )


async def show(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/rights-requests/{reference}``: the request and its history."""
    params.only(request.query_params, ())
    store = store_of(services)
    found = await _owned(store, request.path_params["reference"], caller.account)
    return await _answer(store, found)


async def change(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``PATCH /api/v1/rights-requests/{reference}`` with ``{"status": …, "note": …}``."""
    params.only(request.query_params, ())
    store = store_of(services)
    found = await _owned(store, request.path_params["reference"], caller.account)
    body = await read_json(request, MAX_BODY)
    problems = Problems()
    problems.unknown("", set(body) - set(CHANGE_FIELDS))
    problems.raise_if_any(f"only {', '.join(CHANGE_FIELDS)} may be changed")
    status, note = body.get("status"), body.get("note")
    if status is None:
        raise InvalidPayload(
            "status is required", errors=[{"field": "status", "message": "required"}]
        )
    if not isinstance(status, str):
        raise InvalidPayload(
            "status must be a string", errors=[{"field": "status", "message": "a string"}]
        )
    if note is not None and not isinstance(note, str):
        raise InvalidPayload(
            "note must be a string", errors=[{"field": "note", "message": "a string"}]
        )
    changed = await store.change_status(found.reference, status, actor=caller.subject, note=note)
    return await _answer(store, changed)


async def authorisation(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/rights-requests/{reference}/authorization``: the agent's document."""
    params.only(request.query_params, ())
    found = await _owned(store_of(services), request.path_params["reference"], caller.account)
    return await download(services, found)


def routes() -> list[Route]:
    return [
        api_route("/rights-requests", listing, methods=["GET"], scope=READ),
        api_route(
            "/rights-requests/{reference}/authorization",
            authorisation,
            methods=["GET"],
            scope=READ,
        ),
        api_route("/rights-requests/{reference}", show, methods=["GET"], scope=READ),
        api_route("/rights-requests/{reference}", change, methods=["PATCH"], scope=WRITE),
    ]
