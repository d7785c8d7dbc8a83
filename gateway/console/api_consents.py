"""Console API for an account's consent records: the log (a visitor's proof by consent id, the
filtered listing with its cursor, the CSV and JSON-lines export) and the statistics.

Every member reads (viewers included); nothing here changes a record. The answers are the
site-owner API's own (:mod:`gateway.records.api.consents`), made for the account in the path,
so the console shows exactly what ``/api/v1/consents…`` answers.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from gateway.console.routing import ConsoleCall, console_route
from gateway.records.api import consents


def _account(call: ConsoleCall) -> str:
    return call.account_grant.account.id


async def list_consents(call: ConsoleCall) -> Response:
    """The account's consent records, newest first, filtered, one page at a time."""
    return await consents.listing_answer(call.request.query_params, call.services, _account(call))


async def export_consents(call: ConsoleCall) -> Response:
    """Download the account's matching consent records as CSV or JSON lines."""
    return await consents.export_answer(call.request.query_params, call.services, _account(call))


async def consent_stats(call: ConsoleCall) -> Response:
    """The account's consent figures per day and key."""
    return await consents.stats_answer(call.request.query_params, call.services, _account(call))


async def consent_proof(call: ConsoleCall) -> Response:
    """Every choice of one visitor, with its receipt and the config it was shown."""
    consent_id = str(call.request.path_params["consent_id"])
    query = call.request.query_params
    return await consents.proof_answer(query, call.services, _account(call), consent_id)


def routes() -> list[Route]:
    base = "/accounts/{account}/consents"
    # The fixed paths come before ``{consent_id}``, which would take them otherwise.
    return [
        console_route(base, list_consents, ["GET"], role="viewer"),
        console_route(base + "/export", export_consents, ["GET"], role="viewer"),
        console_route(base + "/stats", consent_stats, ["GET"], role="viewer"),
        console_route(base + "/{consent_id}", consent_proof, ["GET"], role="viewer"),
    ]
