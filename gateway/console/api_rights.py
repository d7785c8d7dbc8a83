"""Console API for an account's rights requests: the inbox, one request (with, for one filed by
an authorised agent, the agent's details and document), and the owner's casework on it (status,
message, deadline extension, pause and resume), and its documents both ways (the owner's upload
may be the answer).

Viewers read; admins and owners act. Every change goes through the records store's workflow
(:mod:`gateway.records.rights`, :mod:`gateway.records.casework`) with the actor
``person:<id>``, exactly as the site-owner API does with its caller. A reference of another
account answers ``404 not_found``, as one that does not exist does.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from gateway.agents.api import download
from gateway.console.routing import ConsoleCall, console_route, json
from gateway.errors import InvalidPayload, NotFound
from gateway.records import agents, casework, documents
from gateway.records.api.common import store_of
from gateway.records.api.render import (
    rights_agent,
    rights_document,
    rights_event,
    rights_message,
    rights_request,
)
from gateway.records.inbox import inbox
from gateway.records.model import StoredRightsRequest
from gateway.records.store import RecordStore
from gateway.web.upload import attachment, read_upload


def _actor(call: ConsoleCall) -> str:
    return f"person:{call.me.id}"


def _text(call: ConsoleCall, name: str) -> str | None:
    value = call.body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidPayload(
            f"{name} must be a string", errors=[{"field": name, "message": "a string"}]
        )
    return value


async def _request(call: ConsoleCall) -> tuple[RecordStore, StoredRightsRequest]:
    store = store_of(call.services)
    reference = call.request.path_params["reference"]
    missing = NotFound("No rights request with that reference in this account.")
    if len(reference) > 64:
        raise missing
    try:
        found = await store.get_rights(reference)
    except NotFound:
        raise missing from None
    if found.account != call.account_grant.account.id:
        raise missing
    return store, found


async def _view(store: RecordStore, reference: str) -> dict[str, Any]:
    found = await store.get_rights(reference)
    history = await store.rights_history(reference)
    notes = await casework.messages(store, reference)
    docs = await documents.listing(store, reference) if store.sealer is not None else []
    agent = rights_agent(found, await agents.state(store, reference))
    return (
        rights_request(found, store.clock().date())
        | agent
        | {
            "history": [rights_event(e) for e in history],
            "messages": [rights_message(m) for m in notes],
            "documents": [rights_document(d) for d in docs],
        }
    )


async def list_rights_requests(call: ConsoleCall) -> Response:
    """The account's rights requests: open ones by due date, then closed ones."""
    store = store_of(call.services)
    today = store.clock().date()
    found = await inbox(store, call.account_grant.account.id)
    by_agents = await agents.states(store, [r.reference for r in found])
    return json(
        {
            "requests": [
                rights_request(r, today) | rights_agent(r, by_agents.get(r.reference))
                for r in found
            ]
        }
    )


async def show_rights_request(call: ConsoleCall) -> Response:
    """One rights request with its history and messages."""
    store, found = await _request(call)
    return json(await _view(store, found.reference))


async def act_on_rights_request(call: ConsoleCall) -> Response:
    """Change a rights request: status, message, extension, pause or resume."""
    store, found = await _request(call)
    action = call.request.path_params["action"]
    who = _actor(call)
    ref = found.reference
    if action == "status":
        status = _text(call, "status")
        if not status:
            raise InvalidPayload(
                "status is required", errors=[{"field": "status", "message": "required"}]
            )
        await store.change_status(ref, status, actor=who, note=_text(call, "note"))
    elif action == "messages":
        await casework.add_message(store, ref, author=who, body=_text(call, "body") or "")
    elif action == "extension":
        await casework.extend(store, ref, actor=who, reason=_text(call, "reason"))
    elif action == "pause":
        await casework.pause(store, ref, actor=who, note=_text(call, "note"))
    elif action == "resume":
        await casework.resume(store, ref, actor=who, note=_text(call, "note"))
    else:
        raise NotFound("No such action on a rights request.")
    return json(await _view(store, ref))


async def list_documents(call: ConsoleCall) -> Response:
    """The documents of a rights request, both ways (their content not included)."""
    store, found = await _request(call)
    return json(
        {"documents": [rights_document(d) for d in await documents.listing(store, found.reference)]}
    )


async def add_document(call: ConsoleCall) -> Response:
    """Add a document for the requester: the raw file as the body, its name in X-Filename;
    ``?answer=true`` attaches it as the answer."""
    store, found = await _request(call)
    settings = call.services.settings
    filename, data = await read_upload(call.request, settings.space_document_max_bytes)
    added = await documents.add(
        store,
        found.reference,
        sender=documents.OWNER,
        filename=filename,
        data=data,
        max_bytes=settings.space_document_max_bytes,
        max_count=settings.space_documents_per_request,
        is_answer=call.request.query_params.get("answer") == "true",
    )
    return json(rights_document(added), 201)


async def download_document(call: ConsoleCall) -> Response:
    """One document of a rights request, as an attachment."""
    store, found = await _request(call)
    doc, data = await documents.read(store, found.reference, call.request.path_params["document"])
    return attachment(data, doc.filename, doc.media_type)


async def download_authorisation(call: ConsoleCall) -> Response:
    """The authorisation document an agent sent with the request, as an attachment."""
    _, found = await _request(call)
    return await download(call.services, found)


def routes() -> list[Route]:
    base = "/accounts/{account}/rights-requests"
    one = base + "/{reference}"
    return [
        console_route(base, list_rights_requests, ["GET"], role="viewer"),
        console_route(one, show_rights_request, ["GET"], role="viewer"),
        console_route(one + "/documents", list_documents, ["GET"], role="viewer"),
        console_route(one + "/documents", add_document, ["POST"], role="admin", raw_body=True),
        console_route(one + "/documents/{document}", download_document, ["GET"], role="viewer"),
        console_route(one + "/authorization", download_authorisation, ["GET"], role="viewer"),
        console_route(one + "/{action}", act_on_rights_request, ["POST"], role="admin"),
    ]
