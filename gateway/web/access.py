"""The access log, the request id and the request-duration histogram: one pure ASGI middleware.

Every HTTP request gets an id — the caller's ``X-Request-ID`` when it is a short token of safe
characters (a proxy's or balancer's id, so lines can be joined across hops), otherwise a new
one — set for every log line written while it is handled and echoed in the answer.

When the answer is finished, one ``gateway.access`` line says method, route template, status,
duration and the client's network: never the query string, a key, an e-mail address in a path,
or a full IP address (see :mod:`gateway.web.redact`).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets
import time
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import GatewayError, problem_response
from gateway.web import logs
from gateway.web.redact import route_family, route_template, truncate_ip

if TYPE_CHECKING:
    from gateway.web.metrics import Metrics

log = logging.getLogger("gateway.access")
errors = logging.getLogger("gateway")

HEADER = b"x-request-id"
VALID_ID = re.compile(rb"[A-Za-z0-9._:-]{8,64}")


def incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            return value.decode("ascii") if VALID_ID.fullmatch(value) else None
    return None


class AccessMiddleware:
    """Request ids, the access log line and ``gateway_request_duration_seconds``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await accounted(self.app, scope, receive, send)


async def accounted(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, *, last_resort: bool = False
) -> None:
    """Run ``app`` for one HTTP request with its id, access line and duration: the middleware's
    work, also done by the fast lane (:mod:`gateway.web.fastlane`) for the widget routes.

    With ``last_resort`` (the fast lane, where no error middleware stands outside), an
    exception that escapes ``app`` before it started its answer gets a ``500`` problem answer.
    """
    started = time.perf_counter()
    rid = incoming_id(scope) or new_id()
    token = logs.request_id.set(rid)
    status = 0
    raw_id = rid.encode("ascii")

    async def send_with_id(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            message["headers"] = [*message.get("headers", ()), (HEADER, raw_id)]
        await send(message)

    try:
        await app(scope, receive, send_with_id)
    except Exception as exc:
        if not last_resort or status:
            status = status or 500
            raise
        # The kind of error and the route only: an exception's text may hold what was sent.
        route = _template(scope, scope.get("path", "/"))
        errors.error("unexpected %s on %s %s", type(exc).__name__, scope.get("method"), route)
        answer = problem_response(GatewayError("the gateway could not answer this request"))
        await answer(scope, receive, send_with_id)
    finally:
        seconds = time.perf_counter() - started
        status = status or 500
        path = scope.get("path", "/")
        metrics = _metrics(scope)
        if metrics is not None:
            metrics.request_done(route_family(path), status, seconds)
        if log.isEnabledFor(logging.INFO):
            route = _template(scope, path)
            client = scope.get("client")
            log.info(
                "%s %s %d",
                scope.get("method", "-"),
                route,
                status,
                extra={
                    "method": scope.get("method"),
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": truncate_ip(client[0]) if client else "-",
                },
            )
        logs.request_id.reset(token)


# A request's own id: this process's random prefix and a counter. Unique (the prefix has 64
# random bits), never derived from the request, and a tenth of the cost of 12 fresh random bytes.
_PREFIX = secrets.token_hex(8)
_COUNTER = itertools.count(1)


def new_id() -> str:
    return f"{_PREFIX}{next(_COUNTER):08x}"


def _reseed() -> None:
    # A forked worker gets a prefix of its own, so two workers never hand out the same id.
    global _PREFIX, _COUNTER
    _PREFIX = secrets.token_hex(8)
    _COUNTER = itertools.count(1)


os.register_at_fork(after_in_child=_reseed)


def _template(scope: Scope, path: str) -> str:
    """The matched route's template (``/v1/{public_key}/consent``), else the scrubbed path."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str) and "{" in template:
        # ``/admin/{file}`` names a file: the real (scrubbed) path says more and is safe.
        return template if "{public_key}" in template else route_template(path)
    return route_template(path)


def _metrics(scope: Scope) -> Metrics | None:
    app = scope.get("app")
    # The gateway's app holds its services as an attribute too: no lookup through ``state``.
    services = getattr(app, "services", None) or getattr(
        getattr(app, "state", None), "services", None
    )
    return getattr(services, "metrics", None)
