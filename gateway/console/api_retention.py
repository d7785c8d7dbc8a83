"""Console API for an account's retention rules: every member reads them, admins and owners
set them, through the same checks as ``/api/v1/retention`` (:mod:`gateway.records.api.retention`).
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from gateway.console import csrf
from gateway.console.routing import ConsoleCall, console_route
from gateway.records.api import retention


async def show_retention(call: ConsoleCall) -> Response:
    """The account's retention rules."""
    return await retention.rules_answer(call.services, call.account_grant.account.id)


async def set_retention(call: ConsoleCall) -> Response:
    """Set how long consent proofs are kept and when closed requests are anonymised."""
    body = {k: v for k, v in call.body.items() if k != csrf.FIELD}
    return await retention.set_rules_answer(call.services, call.account_grant.account.id, body)


def routes() -> list[Route]:
    path = "/accounts/{account}/retention"
    return [
        console_route(path, show_retention, ["GET"], role="viewer"),
        console_route(path, set_retention, ["PUT"], role="admin"),
    ]
