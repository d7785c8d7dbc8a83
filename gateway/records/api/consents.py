"""``/api/v1/consents…`` (``consents:read``): a visitor's proof, listings, exports, figures.

Every answer is about the caller's account only: a consent id or key of another account reads
as nothing there. The answers are made by ``*_answer`` functions of the query and the account,
which the console's consent log and statistics call too (``gateway.console.api_consents``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.clock import utc
from gateway.errors import NotFound
from gateway.oauth.api_auth import ApiCaller, api_route
from gateway.records.api import params, render
from gateway.records.api.common import store_of
from gateway.records.model import ConsentFilter, Page, StoredConsent
from gateway.records.store import MAX_PAGE, RecordStore

if TYPE_CHECKING:
    from gateway.services import Services

SCOPE = "consents:read"
MAX_CONSENT_ID = 64
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


async def proof_answer(
    query: QueryParams, services: Services, account: str, consent_id: str
) -> Response:
    """Every choice of one visitor of ``account``, oldest first, each with its receipt and the
    config digest it was shown (the proof)."""
    params.only(query, ())
    store = store_of(services)
    records: tuple[StoredConsent, ...] = ()
    if 0 < len(consent_id) <= MAX_CONSENT_ID:
        records = await store.consent_proof(consent_id, account=account)
    if not records:
        raise NotFound("No consent records with that consent id in this account.")
    return JSONResponse({"consent_id": consent_id, "records": [render.consent(r) for r in records]})


async def listing_answer(query: QueryParams, services: Services, account: str) -> Response:
    """One page of ``account``'s records matching the query's filters, newest first."""
    params.only(query, (*params.CONSENT_FILTERS, *params.PAGING))
    where = params.consent_filter(query, account)
    paging = params.paging(query)
    page = await store_of(services).list_consents(where, paging.cursor, paging.limit)
    return JSONResponse(
        {"items": [render.consent(r) for r in page.items], "next_cursor": page.next_cursor}
    )


async def export_answer(query: QueryParams, services: Services, account: str) -> Response:
    """Every record of ``account`` matching the query's filters, streamed as CSV or JSON lines.

    The first page is read before the answer starts, so a store that is down is a 503; later
    pages follow the cursor, so the export holds one page in memory at a time.
    """
    params.only(query, (*params.CONSENT_FILTERS, "format"))
    chosen = params.choice(query, "format", tuple(FORMATS)) or "csv"
    where = params.consent_filter(query, account)
    store = store_of(services)
    first = await store.list_consents(where, None, MAX_PAGE)
    lines = _csv(store, where, first) if chosen == "csv" else _jsonl(store, where, first)
    filename = f"consents-{utc(services.clock()).strftime('%Y%m%dT%H%M%SZ')}.{chosen}"
    return StreamingResponse(
        lines,
        media_type=FORMATS[chosen],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _pages(
    store: RecordStore, where: ConsentFilter, first: Page[StoredConsent]
) -> AsyncIterator[tuple[StoredConsent, ...]]:
    page = first
    yield page.items
    while page.next_cursor is not None:
        page = await store.list_consents(where, page.next_cursor, MAX_PAGE)
        yield page.items


async def _csv(
    store: RecordStore, where: ConsentFilter, first: Page[StoredConsent]
) -> AsyncIterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(render.CSV_COLUMNS)
    async for items in _pages(store, where, first):
        writer.writerows(render.consent_csv_row(r) for r in items)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


async def _jsonl(
    store: RecordStore, where: ConsentFilter, first: Page[StoredConsent]
) -> AsyncIterator[str]:
    async for items in _pages(store, where, first):
        yield "".join(json.dumps(render.consent(r), separators=(",", ":")) + "\n" for r in items)


async def stats_answer(query: QueryParams, services: Services, account: str) -> Response:
    """``account``'s figures per UTC day and key: banners shown, actions, opt-in rates."""
    params.only(query, ("from", "to", "key"))
    since, until = params.stats_range(query, utc(services.clock()).date())
    rows = await store_of(services).stats(
        since, until, account=account, public_key=params.text(query, "key")
    )
    return JSONResponse(
        {
            "from": since.isoformat(),
            "to": until.isoformat(),
            "days": [render.day_stats(row) for row in rows],
        }
    )


async def proof(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/consents/{consent_id}``: every choice of one visitor, oldest first."""
    consent_id: str = request.path_params["consent_id"]
    return await proof_answer(request.query_params, services, caller.account, consent_id)


async def listing(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/consents``: newest first, one page at a time."""
    return await listing_answer(request.query_params, services, caller.account)


async def export(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/consents/export?format=csv|jsonl``: every matching record, streamed."""
    return await export_answer(request.query_params, services, caller.account)


async def stats(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/consents/stats``: per UTC day and key, actions and opt-in rates."""
    return await stats_answer(request.query_params, services, caller.account)


def routes() -> list[Route]:
    # The fixed paths come before ``{consent_id}``, which would take them otherwise.
    return [
        api_route("/consents", listing, methods=["GET"], scope=SCOPE),
        api_route("/consents/export", export, methods=["GET"], scope=SCOPE),
        api_route("/consents/stats", stats, methods=["GET"], scope=SCOPE),
        api_route("/consents/{consent_id}", proof, methods=["GET"], scope=SCOPE),
    ]
