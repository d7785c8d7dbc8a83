"""``POST /api/v1/rights-requests/{reference}/…``: messages for the requester, the deadline's
extension, and pausing or resuming its clock (``rights:write``); and its documents both ways:
listed and downloaded with ``rights:read``, added (``?answer=true``: as the answer) with
``rights:write``.

Each answers the request as ``GET`` shows it (its history and messages included), so a client
sees the due date it moved. The caller's subject (a member, or the key of an API client) is the
author of a message and the actor of each change in the history. Refusals are problems with
stable codes: ``extension_not_allowed``, ``request_closed``, ``clock_conflict`` (409s),
``invalid_payload`` (422).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.errors import InvalidPayload
from gateway.oauth.api_auth import ApiCaller, api_route
from gateway.records import casework, documents
from gateway.records.api import params
from gateway.records.api.common import store_of
from gateway.records.api.render import rights_document
from gateway.records.api.rights import MAX_BODY, READ, WRITE, _answer, _owned
from gateway.records.store import RecordStore
from gateway.web.body import read_json
from gateway.web.upload import attachment, read_upload

if TYPE_CHECKING:
    from gateway.services import Services


async def _body(request: Request, allowed: tuple[str, ...]) -> dict[str, str | None]:
    body = await read_json(request, MAX_BODY, allowed)
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidPayload(
            f"unknown field {unknown[0][:40]!r}",
            errors=[{"field": unknown[0][:40], "message": "not accepted here"}],
        )
    out: dict[str, str | None] = {}
    for name in allowed:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise InvalidPayload(
                f"{name} must be a string", errors=[{"field": name, "message": "a string"}]
            )
        out[name] = value
    return out


Action = Callable[[RecordStore, str, str, dict[str, str | None]], Awaitable[Any]]


def _endpoint(fields: tuple[str, ...], act: Action, status_code: int = 200) -> Any:
    async def endpoint(request: Request, services: Services, caller: ApiCaller) -> Response:
        params.only(request.query_params, ())
        store = store_of(services)
        found = await _owned(store, request.path_params["reference"], caller.account)
        body = await _body(request, fields)
        await act(store, found.reference, caller.subject, body)
        answer = await _answer(store, await store.get_rights(found.reference))
        answer.status_code = status_code
        return answer

    endpoint.__name__ = act.__name__.lstrip("_")
    return endpoint


async def _message(store: RecordStore, ref: str, who: str, body: dict[str, str | None]) -> int:
    return await casework.add_message(store, ref, author=who, body=body["body"] or "")


async def _extend(store: RecordStore, ref: str, who: str, body: dict[str, str | None]) -> None:
    await casework.extend(store, ref, actor=who, reason=body["reason"])


async def _pause(store: RecordStore, ref: str, who: str, body: dict[str, str | None]) -> None:
    await casework.pause(store, ref, actor=who, note=body["note"])


async def _resume(store: RecordStore, ref: str, who: str, body: dict[str, str | None]) -> None:
    await casework.resume(store, ref, actor=who, note=body["note"])


async def list_documents(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET …/documents``: the request's documents both ways, without their content."""
    params.only(request.query_params, ())
    store = store_of(services)
    found = await _owned(store, request.path_params["reference"], caller.account)
    docs = await documents.listing(store, found.reference)
    return JSONResponse({"documents": [rights_document(d) for d in docs]})


async def add_document(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``POST …/documents``: the raw file as the body, its name in ``X-Filename``;
    ``?answer=true`` attaches it as the answer the requester downloads."""
    params.only(request.query_params, ("answer",))
    store = store_of(services)
    found = await _owned(store, request.path_params["reference"], caller.account)
    settings = services.settings
    filename, data = await read_upload(request, settings.space_document_max_bytes)
    added = await documents.add(
        store,
        found.reference,
        sender=documents.OWNER,
        filename=filename,
        data=data,
        max_bytes=settings.space_document_max_bytes,
        max_count=settings.space_documents_per_request,
        is_answer=request.query_params.get("answer") == "true",
    )
    return JSONResponse(rights_document(added), status_code=201)


async def download_document(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET …/documents/{document}``: one document, as an attachment."""
    params.only(request.query_params, ())
    store = store_of(services)
    found = await _owned(store, request.path_params["reference"], caller.account)
    doc, data = await documents.read(store, found.reference, request.path_params["document"])
    return attachment(data, doc.filename, doc.media_type)


def routes() -> list[Route]:
    base = "/rights-requests/{reference}"
    return [
        api_route(base + "/documents", list_documents, methods=["GET"], scope=READ),
        api_route(base + "/documents", add_document, methods=["POST"], scope=WRITE),
        api_route(base + "/documents/{document}", download_document, methods=["GET"], scope=READ),
        api_route(
            base + "/messages",
            _endpoint(("body",), _message, 201),
            methods=["POST"],
            scope=WRITE,
        ),
        api_route(
            base + "/extension", _endpoint(("reason",), _extend), methods=["POST"], scope=WRITE
        ),
        api_route(base + "/pause", _endpoint(("note",), _pause), methods=["POST"], scope=WRITE),
        api_route(base + "/resume", _endpoint(("note",), _resume), methods=["POST"], scope=WRITE),
    ]
