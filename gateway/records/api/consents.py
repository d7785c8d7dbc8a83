"""``/api/v1/consents…`` (``consents:read``): a visitor's proof, listings, exports, figures.

Every answer is about the caller's account only: a consent id or key of another account reads
as nothing there.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

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


async def proof(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/consents/{consent_id}``: every choice of one visitor, oldest first."""
    params.only(request.query_params, ())
    consent_id: str = request.path_params["consent_id"]
    store = store_of(services)
    records: tuple[StoredConsent, ...] = ()
    if 0 < len(consent_id) <= MAX_CONSENT_ID:
        records = await store.consent_proof(consent_id, account=caller.account)
    if not records:
        raise NotFound("No consent records with that consent id in this account.")
    return JSONResponse({"consent_id": consent_id, "records": [render.consent(r) for r in records]})


async def listing(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/consents``: newest first, one page at a time."""
    query = request.query_params
    params.only(query, (*params.CONSENT_FILTERS, *params.PAGING))
    where = params.consent_filter(query, caller.account)
    paging = params.paging(query)
    page = await store_of(services).list_consents(where, paging.cursor, paging.limit)
    return JSONResponse(
        {"items": [render.consent(r) for r in page.items], "next_cursor": page.next_cursor}
    )


async def export(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/consents/export?format=csv|jsonl``: every matching record, streamed.

    The first page is read before the answer starts, so a store that is down is a 503; later
    pages follow the cursor, so the export holds one page in memory at a time.
    """
    query = request.query_params
    params.only(query, (*params.CONSENT_FILTERS, "format"))
    chosen = params.choice(query, "format", tuple(FORMATS)) or "csv"
    where = params.consent_filter(query, caller.account)
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


async def stats(request: Request, services: Services, caller: ApiCaller) -> Response:
    """``GET /api/v1/consents/stats``: per UTC day and key, actions and opt-in rates."""
    query = request.query_params
    params.only(query, ("from", "to", "key"))
    since, until = params.stats_range(query, utc(services.clock()).date())
    rows = await store_of(services).stats(
        since, until, account=caller.account, public_key=params.text(query, "key")
    )
    return JSONResponse(
        {
            "from": since.isoformat(),
            "to": until.isoformat(),
            "days": [render.day_stats(row) for row in rows],
        }
    )


def routes() -> list[Route]:
    # The fixed paths come before ``{consent_id}``, which would take them otherwise.
    return [
        api_route("/consents", listing, methods=["GET"], scope=SCOPE),
        api_route("/consents/export", export, methods=["GET"], scope=SCOPE),
        api_route("/consents/stats", stats, methods=["GET"], scope=SCOPE),
        api_route("/consents/{consent_id}", proof, methods=["GET"], scope=SCOPE),
    ]
