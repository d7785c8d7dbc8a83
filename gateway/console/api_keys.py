"""Console API for an account's keys: list, create, show, change, roll, revoke, audit trail.

Every change goes through :mod:`gateway.key_admin`, exactly as the admin API's and the CLI's do,
validated by :mod:`gateway.key_validation`, and audited with the actor ``person:<id>``. A key of
another account answers ``404 key_not_found``, as a key that does not exist does.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from gateway.console.routing import ConsoleCall, console_route, json
from gateway.errors import InvalidQuery, KeyNotFound
from gateway.keys import changes as key_admin
from gateway.keys.audit import audit_log
from gateway.keys.model import PUBLIC_PREFIX, ApiKey, is_well_formed
from gateway.keys.problems import UnknownField
from gateway.keys.validation import validate_create, validate_roll, validate_update

PAGE = 200


def _actor(call: ConsoleCall) -> str:
    return f"person:{call.me.id}"


def _body(call: ConsoleCall) -> dict[str, object]:
    return {k: v for k, v in call.body.items() if k != "csrf_token"}


async def _key(call: ConsoleCall) -> ApiKey:
    key = await key_admin.load_key(call.services.store, call.request.path_params["public_key"])
    if key.account != call.account_grant.account.id:
        raise KeyNotFound("no key with this public key exists")
    return key


async def list_keys(call: ConsoleCall) -> Response:
    cursor = call.request.query_params.get("cursor") or None
    if cursor is not None and not is_well_formed(cursor, PUBLIC_PREFIX):
        raise InvalidQuery("cursor is not one this API gave out", extra={"parameter": "cursor"})
    account = call.account_grant.account.id
    keys, next_cursor = await call.services.store.list(account, cursor, PAGE)
    return json({"keys": [k.public_view() for k in keys], "next_cursor": next_cursor})


async def create_key(call: ConsoleCall) -> Response:
    body = _body(call)
    if "account" in body:
        raise UnknownField(
            "the account is the one in the path",
            errors=[{"field": "account", "message": "unknown", "code": "unknown_field"}],
        )
    account, fields = validate_create({**body, "account": call.account_grant.account.id})
    services = call.services
    new = await key_admin.create(
        services.store, audit_log(services), account, fields, _actor(call), call.now
    )
    return json({**new.key.public_view(), "private_key": new.private_key}, 201)


async def show_key(call: ConsoleCall) -> Response:
    return json((await _key(call)).public_view())


async def update_key(call: ConsoleCall) -> Response:
    key = await _key(call)
    fields = validate_update(_body(call))
    services = call.services
    changed = await key_admin.update(
        services.store, audit_log(services), key, fields, _actor(call), call.now
    )
    return json(changed.public_view())


async def roll_key(call: ConsoleCall) -> Response:
    key = await _key(call)
    services = call.services
    grace = validate_roll(_body(call), services.settings.roll_grace_seconds)
    new = await key_admin.roll(
        services.store, audit_log(services), key, grace, _actor(call), call.now
    )
    return json(
        {
            **new.key.public_view(),
            "private_key": new.private_key,
            "previous_private_key_expires_at": call.now + grace,
        }
    )


async def revoke_key(call: ConsoleCall) -> Response:
    key = await _key(call)
    services = call.services
    revoked = await key_admin.revoke(
        services.store, audit_log(services), key, _actor(call), call.now
    )
    return json(revoked.public_view())


async def key_audit(call: ConsoleCall) -> Response:
    key = await _key(call)
    cursor = call.request.query_params.get("cursor") or None
    if cursor is not None and not (cursor.replace("-", "").isdigit() and len(cursor) <= 41):
        raise InvalidQuery("cursor is not one this API gave out", extra={"parameter": "cursor"})
    events, next_cursor = await audit_log(call.services).read(key.public_key, cursor, 100)
    return json({"events": [e.to_json() for e in events], "next_cursor": next_cursor})


def routes() -> list[Route]:
    keys = "/accounts/{account}/keys"
    one = keys + "/{public_key}"
    return [
        console_route(keys, list_keys, ["GET"], role="viewer"),
        console_route(keys, create_key, ["POST"], role="admin"),
        console_route(one, show_key, ["GET"], role="viewer"),
        console_route(one, update_key, ["PATCH"], role="admin"),
        console_route(one + "/roll", roll_key, ["POST"], role="admin"),
        console_route(one + "/revoke", revoke_key, ["POST"], role="admin"),
        console_route(one + "/audit", key_audit, ["GET"], role="viewer"),
    ]
