"""The admin API under ``/admin/v1/``: keys for account owners, behind a bearer admin token.

Every route runs behind :func:`admin_route`, which in order: answers ``404 admin_disabled`` when
no ``GATEWAY_ADMIN_TOKEN`` is set (the API is never open by default); compares the token in
constant time; and only for a missing or wrong token, spends one attempt of two failure budgets,
``GATEWAY_LIMIT_ADMIN`` per client IP and ``GATEWAY_LIMIT_ADMIN_FAILURES`` over all addresses
(in Redis when configured, so every instance shares them), answering ``429`` once either is spent.
Guessing is throttled from one address and from many, and the real admin is never locked out:
a request with the right token is not counted and not refused by either budget. Answers are
never cached and carry no CORS headers: the key-manager page at ``/admin/`` is on the same
origin, and no other site may call this API.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Secret
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.errors import (
    AdminDisabled,
    GatewayError,
    InvalidAdminToken,
    InvalidQuery,
    Unauthorized,
    UnsupportedMediaType,
    problem_response,
)
from gateway.keys import changes as key_admin
from gateway.keys.audit import audit_log
from gateway.keys.model import PUBLIC_PREFIX, is_well_formed
from gateway.keys.validation import CREATABLE, validate_create, validate_roll, validate_update
from gateway.ratelimit.limiter import LimitRequest
from gateway.web import openapi
from gateway.web.body import read_json
from gateway.web.clientip import client_ip, limit_identity

if TYPE_CHECKING:
    from gateway.services import Services

ACTOR = "admin"
MAX_BODY = 65_536  # two widget configs of 32 KiB at most, see key_validation
PAGE_DEFAULT = 50
PAGE_MAX = 200
_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
_AUDIT_CURSOR = re.compile(r"[0-9]{1,20}(-[0-9]{1,20})?")

AdminEndpoint = Callable[[Request, "Services"], Awaitable[Response]]


def token_matches(header: str | None, token: Secret) -> bool:
    """``Authorization: Bearer <token>`` against the configured token, in constant time."""
    scheme, _, presented = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Comparing digests keeps the time independent of the token's length as well.
    want = hashlib.sha256(str(token).encode()).digest()
    got = hashlib.sha256(presented.strip().encode("utf-8", "replace")).digest()
    return hmac.compare_digest(want, got)


async def _spend_failure(request: Request, services: Services) -> dict[str, str]:
    """Count one failed attempt against both budgets; raises ``429`` once either is spent."""
    settings = services.settings
    ip = limit_identity(
        client_ip(request.scope, settings.trusted_proxies), settings.ipv6_limit_prefix
    )
    decision = await services.limiter.enforce(
        [
            LimitRequest("admin", settings.limit_admin, ("admin-failures", ip)),
            LimitRequest("admin-all", settings.limit_admin_failures, ("admin-failures",)),
        ]
    )
    return dict(decision.headers)


def admin_route(path: str, endpoint: AdminEndpoint, methods: list[str]) -> Route:
    async def guarded(request: Request) -> Response:
        services: Services = request.app.state.services
        settings = services.settings
        headers: dict[str, str] = {"Cache-Control": "no-store"}
        try:
            if settings.admin_token is None:
                raise AdminDisabled("the admin API is disabled: no admin token is configured")
            authorization = request.headers.get("authorization")
            if not token_matches(authorization, settings.admin_token):
                headers.update(await _spend_failure(request, services))
                if authorization is None:
                    raise Unauthorized(
                        "send the admin token as Authorization: Bearer <token>",
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                raise InvalidAdminToken(
                    "the admin token is not valid", headers={"WWW-Authenticate": "Bearer"}
                )
            response = await endpoint(request, services)
        except GatewayError as exc:
            services.metrics.error(exc.code)
            return problem_response(exc, headers)
        response.headers.update(headers)
        return response

    guarded.__name__ = endpoint.__name__
    return Route("/admin/v1" + path, guarded, methods=methods)


async def read_admin_body(request: Request, optional: bool = False) -> dict[str, Any]:
    """The JSON body of an admin request (64 KiB at most); ``{}`` for none when ``optional``."""
    if (
        optional
        and request.headers.get("content-length") in (None, "0")
        and ("transfer-encoding" not in request.headers)
    ):
        return {}
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("send the body as application/json")
    return await read_json(request, MAX_BODY, (*CREATABLE, "grace_seconds"))


def _json(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status)


def _page_args(request: Request, cursor_ok: Callable[[str], bool]) -> tuple[str | None, int]:
    cursor = request.query_params.get("cursor") or None
    if cursor is not None and not cursor_ok(cursor):
        raise InvalidQuery("cursor is not one this API gave out", extra={"parameter": "cursor"})
    raw = request.query_params.get("limit", str(PAGE_DEFAULT))
    # ASCII and short before int(): "²" is a digit to isdigit() but not to int(), and int()
    # refuses strings of thousands of digits; either would be a 500.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= PAGE_MAX:
        raise InvalidQuery(
            f"limit must be a whole number from 1 to {PAGE_MAX}", extra={"parameter": "limit"}
        )
    return cursor, int(raw)


async def create_key(request: Request, services: Services) -> Response:
    account, fields = validate_create(await read_admin_body(request))
    new = await key_admin.create(
        services.store, audit_log(services), account, fields, ACTOR, services.clock()
    )
    return _json({**new.key.public_view(), "private_key": new.private_key}, 201)


async def list_keys(request: Request, services: Services) -> Response:
    account = request.query_params.get("account") or None
    if account is not None and _ACCOUNT.fullmatch(account) is None:
        raise InvalidQuery("account is not a valid account id", extra={"parameter": "account"})
    cursor, limit = _page_args(request, lambda c: is_well_formed(c, PUBLIC_PREFIX))
    keys, next_cursor = await services.store.list(account, cursor, limit)
    return _json({"keys": [k.public_view() for k in keys], "next_cursor": next_cursor})


async def show_key(request: Request, services: Services) -> Response:
    key = await key_admin.load_key(services.store, request.path_params["public_key"])
    return _json(key.public_view())


async def update_key(request: Request, services: Services) -> Response:
    key = await key_admin.load_key(services.store, request.path_params["public_key"])
    fields = validate_update(await read_admin_body(request))
    changed = await key_admin.update(
        services.store, audit_log(services), key, fields, ACTOR, services.clock()
    )
    return _json(changed.public_view())


async def roll_key(request: Request, services: Services) -> Response:
    key = await key_admin.load_key(services.store, request.path_params["public_key"])
    body = await read_admin_body(request, optional=True)
    grace = validate_roll(body, services.settings.roll_grace_seconds)
    now = services.clock()
    new = await key_admin.roll(services.store, audit_log(services), key, grace, ACTOR, now)
    return _json(
        {
            **new.key.public_view(),
            "private_key": new.private_key,
            "previous_private_key_expires_at": now + float(grace),
        }
    )


async def revoke_key(request: Request, services: Services) -> Response:
    key = await key_admin.load_key(services.store, request.path_params["public_key"])
    revoked = await key_admin.revoke(
        services.store, audit_log(services), key, ACTOR, services.clock()
    )
    return _json(revoked.public_view())


async def key_audit(request: Request, services: Services) -> Response:
    key = await key_admin.load_key(services.store, request.path_params["public_key"])
    cursor, limit = _page_args(request, lambda c: _AUDIT_CURSOR.fullmatch(c) is not None)
    events, next_cursor = await audit_log(services).read(key.public_key, cursor, limit)
    return _json({"events": [e.to_json() for e in events], "next_cursor": next_cursor})


def routes() -> list[Route]:
    return [
        admin_route("/keys", create_key, ["POST"]),
        admin_route("/keys", list_keys, ["GET"]),
        admin_route("/keys/{public_key}", show_key, ["GET"]),
        admin_route("/keys/{public_key}", update_key, ["PATCH"]),
        admin_route("/keys/{public_key}/roll", roll_key, ["POST"]),
        admin_route("/keys/{public_key}/revoke", revoke_key, ["POST"]),
        admin_route("/keys/{public_key}/audit", key_audit, ["GET"]),
    ]


_ADMIN: dict[str, Any] = {"tags": ("admin",), "security": [{"adminToken": []}]}
_PK = [openapi.PK]
_PAGE = [
    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
    },
]
openapi.describe(
    "/admin/v1/keys",
    {
        "post": openapi.operation(
            "Create a key; the private key is in this answer only",
            "201",
            body=True,
            errors=(401, 404, 413, 415, 422, 429),
            **_ADMIN,
        ),
        "get": openapi.operation(
            "List keys, of one account or all, a page at a time",
            "200",
            params=[{"name": "account", "in": "query", "schema": {"type": "string"}}, *_PAGE],
            errors=(401, 404, 422, 429),
            **_ADMIN,
        ),
    },
)
openapi.describe(
    "/admin/v1/keys/{public_key}",
    {
        "get": openapi.operation("Show a key", "200", params=_PK, errors=(401, 404, 429), **_ADMIN),
        "patch": openapi.operation(
            "Change name, origins, redirect URIs, widgets, widget configs or per-key limits",
            "200",
            params=_PK,
            body=True,
            errors=(401, 404, 409, 413, 415, 422, 429),
            **_ADMIN,
        ),
    },
)
openapi.describe(
    "/admin/v1/keys/{public_key}/roll",
    {
        "post": openapi.operation(
            "New private key (shown once); the old one stays valid for grace_seconds",
            "200",
            params=_PK,
            errors=(401, 404, 409, 415, 422, 429),
            **_ADMIN,
        )
    },
)
openapi.describe(
    "/admin/v1/keys/{public_key}/revoke",
    {
        "post": openapi.operation(
            "Revoke a key on every gateway instance",
            "200",
            params=_PK,
            errors=(401, 404, 409, 429),
            **_ADMIN,
        )
    },
)
openapi.describe(
    "/admin/v1/keys/{public_key}/audit",
    {
        "get": openapi.operation(
            "The key's audit trail, oldest first",
            "200",
            params=[*_PK, *_PAGE],
            errors=(401, 404, 422, 429),
            **_ADMIN,
        )
    },
)
