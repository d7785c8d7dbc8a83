"""Accounts in the admin API (``/admin/v1/accounts``), behind the operator token.

Operators create an account with an invitation for its first owner, list, suspend, reinstate and
delete accounts; the same operations as ``widget-gateway accounts …``, through
:mod:`gateway.accounts.operators`. Audited key changes name the actor ``admin``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.accounts import operators
from gateway.admin.api import ACTOR, admin_route, read_admin_body
from gateway.keys.audit import audit_log
from gateway.keys.problems import UnknownField
from gateway.problems import Problems
from gateway.web import openapi

if TYPE_CHECKING:
    from gateway.services import Services


def created_view(created: operators.CreatedAccount) -> dict[str, object]:
    return {
        **created.account.view(),
        "owner": created.owner,
        "invitation_url": created.invitation_link,
        "invitation_expires_at": created.invitation_expires_at,
    }


async def create_account(request: Request, services: Services) -> Response:
    body = await read_admin_body(request)
    problems = Problems()
    problems.unknown("", set(body) - {"name", "owner"})
    problems.raise_if_any("unknown field", UnknownField)
    created = await operators.create_account(
        services.accounts,
        services.mailer,
        services.settings,
        body.get("name"),
        body.get("owner"),
        services.clock(),
    )
    return JSONResponse(created_view(created), status_code=201)


async def list_accounts(request: Request, services: Services) -> Response:
    found = await services.accounts.store.list_accounts()
    return JSONResponse({"accounts": [a.view() for a in found]})


async def show_account(request: Request, services: Services) -> Response:
    account = await operators.get_account(services.accounts, request.path_params["account"])
    members = await services.accounts.store.members(account.id)
    return JSONResponse({**account.view(), "members": [m.view() for m in members]})


async def _suspension(request: Request, services: Services, suspended: bool) -> Response:
    account = await operators.set_suspended(
        services.accounts,
        services.store,
        audit_log(services),
        request.path_params["account"],
        suspended,
        ACTOR,
        services.clock(),
    )
    return JSONResponse(account.view())


async def suspend_account(request: Request, services: Services) -> Response:
    return await _suspension(request, services, True)


async def reinstate_account(request: Request, services: Services) -> Response:
    return await _suspension(request, services, False)


async def delete_account(request: Request, services: Services) -> Response:
    await operators.delete_account(
        services.accounts,
        services.store,
        audit_log(services),
        request.path_params["account"],
        ACTOR,
        services.clock(),
    )
    return Response(status_code=204)


def routes() -> list[Route]:
    one = "/accounts/{account}"
    return [
        admin_route("/accounts", create_account, ["POST"]),
        admin_route("/accounts", list_accounts, ["GET"]),
        admin_route(one, show_account, ["GET"]),
        admin_route(one, delete_account, ["DELETE"]),
        admin_route(one + "/suspend", suspend_account, ["POST"]),
        admin_route(one + "/reinstate", reinstate_account, ["POST"]),
    ]


_ADMIN: dict[str, Any] = {"tags": ("admin",), "security": [{"adminToken": []}]}
_ID = [{"name": "account", "in": "path", "required": True, "schema": {"type": "string"}}]
openapi.describe(
    "/admin/v1/accounts",
    {
        "post": openapi.operation(
            "Create an account and invite its first owner; the answer holds the invitation link",
            "201",
            body=True,
            errors=(401, 404, 415, 422, 429),
            **_ADMIN,
        ),
        "get": openapi.operation("List accounts", "200", errors=(401, 404, 429), **_ADMIN),
    },
)
openapi.describe(
    "/admin/v1/accounts/{account}",
    {
        "get": openapi.operation(
            "Show an account and its members", "200", params=_ID, errors=(401, 404, 429), **_ADMIN
        ),
        "delete": openapi.operation(
            "Delete an account; its keys are revoked",
            "204",
            params=_ID,
            errors=(401, 404, 429),
            **_ADMIN,
        ),
    },
)
for _action, _summary in (
    ("suspend", "Suspend an account: its keys stop working for widgets and servers"),
    ("reinstate", "End an account's suspension"),
):
    openapi.describe(
        f"/admin/v1/accounts/{{account}}/{_action}",
        {"post": openapi.operation(_summary, "200", params=_ID, errors=(401, 404, 429), **_ADMIN)},
    )
