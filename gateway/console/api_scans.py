"""Console API for a key's last cookie scan: what ``widget-gateway scan URL --key PK`` found.

Read only, for every member (viewers included): the scan runs from the command line, and the
console shows its last report (:mod:`gateway.scanner.store`). A key of another account answers
``404 key_not_found``, as a key that does not exist does; a key never scanned with ``--key``
answers ``404 not_found``.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from gateway.console.routing import ConsoleCall, console_route, json
from gateway.errors import KeyNotFound, NotFound
from gateway.keys import changes as key_admin
from gateway.scanner.store import ScanReportStore


async def show_last_scan(call: ConsoleCall) -> Response:
    """The key's last scan report: when, of which site, clean or not, and the report itself."""
    key = await key_admin.load_key(call.services.store, call.request.path_params["public_key"])
    if key.account != call.account_grant.account.id:
        raise KeyNotFound("no key with this public key exists")
    records = call.services.records
    found = await ScanReportStore(records.engine).last(key.public_key) if records else None
    if found is None or found.account != key.account:
        raise NotFound("This key has no scan report yet.")
    return json(
        {
            "public_key": found.public_key,
            "site": found.site,
            "scanned_at": found.scanned_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "clean": found.clean,
            "report": found.report,
        }
    )


def routes() -> list[Route]:
    path = "/accounts/{account}/keys/{public_key}/scan"
    return [console_route(path, show_last_scan, ["GET"], role="viewer")]
