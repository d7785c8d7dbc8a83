"""The guard every ``/v1/{public_key}/…`` endpoint runs behind.

In order: the key string's shape and checksum (no store touched), the key record (cache, then
store), its status and widgets, the ``Origin`` against the key's allow list, then every limit that
applies, checked in one call to the limiter. Only then does the endpoint run. Whatever it answers —
errors included — leaves with the CORS headers for the allowed origin and the ``RateLimit`` fields,
so the widget can read it. A disallowed origin gets no CORS headers at all.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.errors import (
    AccountSuspended,
    GatewayError,
    KeyMalformed,
    KeyRevoked,
    KeyUnknown,
    LimiterUnavailable,
    OriginNotAllowed,
    OriginRequired,
    PrivateKeyExposed,
    RateLimited,
    WidgetDisabled,
    problem_response,
)
from gateway.keys.cache import CachedKey
from gateway.keys.exposure import report_exposed_key, scan_for_private_key
from gateway.keys.instrumented import cached_lookup
from gateway.keys.model import PUBLIC_PREFIX, ApiKey, is_well_formed
from gateway.ratelimit.limiter import LimitDecision, Limiter, LimitRequest
from gateway.web import cors
from gateway.web.clientip import client_ip, limit_identity
from gateway.web.routing import (
    DirectRoute,
    RawHeaders,
    RawResponse,
    encode_headers,
    header_value,
)

if TYPE_CHECKING:
    from gateway.services import Services

log = logging.getLogger("gateway.api")

Endpoint = Callable[["WidgetCall"], Awaitable[Response]]
ExtraLimits = Callable[["WidgetCall"], Sequence[LimitRequest]]


# What a request's decision reads while its limits are being checked.
CHECKING = LimitDecision(True, MappingProxyType({}), None)


@dataclass(slots=True)
class Admission:
    """The request's limits: checked together, in one limiter call, exactly once."""

    limiter: Limiter
    limits: list[LimitRequest]
    decision: LimitDecision | None = None
    services: Services | None = None

    async def admit(self, extra: Sequence[LimitRequest] = ()) -> LimitDecision:
        if self.decision is not None:
            raise RuntimeError("a request's limits are checked once")
        # Marked first: a refusal raised below still counts as the one check.
        self.decision = CHECKING
        services = self.services
        if services is None:
            self.decision = await self.limiter.enforce([*self.limits, *extra])
            return self.decision
        if services.tracing.tracer is None:
            return await self._decide(services, extra)
        with services.tracing.span("gateway.limiter", {"gateway.limits": len(self.limits)}):
            return await self._decide(services, extra)

    async def _decide(self, services: Services, extra: Sequence[LimitRequest]) -> LimitDecision:
        outcome = "allowed"
        try:
            self.decision = await self.limiter.enforce([*self.limits, *extra])
        except RateLimited:
            outcome = "refused"
            raise
        except LimiterUnavailable:
            outcome = "unavailable"
            raise
        finally:
            self._observe(services, outcome)
        return self.decision

    def _observe(self, services: Services, outcome: str) -> None:
        degraded = self.limiter.degraded
        services.metrics.limiter_decision(
            outcome, fallback=degraded, shared=services.redis is not None
        )
        services.metrics.set_degraded("limiter", degraded)


@dataclass(frozen=True, slots=True)
class WidgetCall:
    """One request to a widget endpoint, after the key and origin checks passed.

    Behind a route with ``defer_limits``, the endpoint calls :meth:`admit` itself once it knows
    its own limits (the rights form's per-address limit needs the body); the guard checks the
    limits in any path where the endpoint did not, so every request is counted once.
    """

    request: Request
    services: Services
    key: ApiKey
    origin: str
    client_ip: str
    admission: Admission
    # What per-IP limits count: the address (IPv4) or its network (IPv6), see clientip.
    limit_ip: str = ""

    async def admit(self, extra: Sequence[LimitRequest] = ()) -> LimitDecision:
        return await self.admission.admit(extra)


def app_services(request: Request) -> Services:
    """The running app's services: the gateway's app holds them as an attribute (read without
    Starlette's ``state`` lookup), any other app in its ``state``."""
    services: Services | None = getattr(request.app, "services", None)
    return services if services is not None else request.app.state.services


async def load_key(request: Request, services: Services) -> CachedKey:
    """The key named in the path, or a typed error; refuses private keys outright."""
    public_key: str = request.path_params["public_key"]
    query = request.scope.get("query_string", b"")
    exposed = scan_for_private_key(public_key, query.decode("latin-1") if query else "")
    if exposed is not None:
        await report_exposed_key(services, exposed, where="widget request")
        raise PrivateKeyExposed(
            "a private key must never be used in a browser; it has been flagged as exposed"
        )
    if not is_well_formed(public_key, PUBLIC_PREFIX):
        raise KeyMalformed("the public key in the path is malformed")
    with services.tracing.span("gateway.key_lookup"):
        cached = await cached_lookup(services.keys, public_key, services.metrics)
    if cached is None:
        raise KeyUnknown("no key with this public key exists")
    return cached


def check_origin(request: Request, cached: CachedKey) -> str:
    origin = header_value(request.scope, b"origin")
    if origin is None:
        raise OriginRequired("widget endpoints are called from browsers, which send an Origin")
    if not cached.allow.allows(origin):
        raise OriginNotAllowed("this origin is not in the key's allowed origins")
    return origin


def base_limits(services: Services, key: ApiKey, limit_ip: str) -> list[LimitRequest]:
    settings = services.settings
    return [
        LimitRequest("ip", key.limit("per_ip", settings.limit_per_ip), (limit_ip,)),
        LimitRequest("key", key.limit("per_key", settings.limit_per_key), (key.public_key,)),
    ]


def verify_ip_limit(call: WidgetCall) -> list[LimitRequest]:
    """The per-key, per-IP limit of the rights form's follow-up calls (the code step, the
    agent's document): ``GATEWAY_LIMIT_VERIFY_PER_IP``, key override ``verify_per_ip``."""
    limit = call.key.limit("verify_per_ip", call.services.settings.limit_verify_per_ip)
    return [LimitRequest("verify_ip", limit, (call.key.public_key, call.limit_ip))]


def widget_route(
    path: str,
    endpoint: Endpoint,
    *,
    widget: str,
    methods: Sequence[str],
    limits: ExtraLimits | None = None,
    defer_limits: bool = False,
) -> Route:
    """A route at ``/v1/{public_key}{path}`` whose ``endpoint`` runs behind the guard."""

    span_attributes = {"gateway.widget": widget}

    async def guarded(request: Request) -> Response:
        services = app_services(request)
        allowed_origin: str | None = None
        call: WidgetCall | None = None
        try:
            with services.tracing.span("gateway.guard", span_attributes):
                cached = await load_key(request, services)
                origin = allowed_origin = check_origin(request, cached)
                key = cached.key
                if not key.active:
                    raise KeyRevoked("this key has been revoked")
                if key.account_suspended_at is not None:
                    raise AccountSuspended("this key's account is suspended")
                if widget not in key.widgets:
                    raise WidgetDisabled(f"the {widget} widget is not enabled for this key")
            settings = services.settings
            ip = client_ip(request.scope, settings.trusted_proxies)
            counted = limit_identity(ip, settings.ipv6_limit_prefix)
            limits_now = base_limits(services, key, counted)
            admission = Admission(services.limiter, limits_now, None, services)
            call = WidgetCall(request, services, key, origin, ip, admission, counted)
            if limits is not None:
                admission.limits.extend(limits(call))
            if not defer_limits:
                await call.admit()
            response = await endpoint(call)
            if admission.decision is None:
                await call.admit()
            headers = cors.response_raw(origin)
            if admission.decision is not None:
                headers += encode_headers(admission.decision.headers)
        except GatewayError as exc:
            if call is not None and call.admission.decision is None:
                exc = await _counted(call, exc)
            services.metrics.error(exc.code)
            services.metrics.answered(widget, exc.status)
            return problem_response(exc, _error_headers(allowed_origin, call))
        except Exception:
            log.exception("unexpected error in %s %s endpoint", widget, request.method)
            error = GatewayError("the gateway could not answer this request")
            services.metrics.error(error.code)
            services.metrics.answered(widget, 500)
            return problem_response(error, _error_headers(allowed_origin, call))
        services.metrics.answered(widget, response.status_code)
        add_raw_headers(response, headers)
        return response

    guarded.__name__ = getattr(endpoint, "__name__", "widget_endpoint")
    return DirectRoute("/v1/{public_key}" + path, guarded, methods=list(methods))


async def _counted(call: WidgetCall, exc: GatewayError) -> GatewayError:
    """An endpoint with deferred limits failed before checking them: count the request now.

    A refusal by the limits wins over the endpoint's own error, as it would have without the
    deferral."""
    try:
        await call.admit()
    except GatewayError as limited:
        return limited
    return exc


# List-valued fields: when the endpoint set one too (e.g. a limit of its own), the values are
# joined into one field line rather than sent as two.
_LIST_FIELDS = frozenset({b"vary", b"ratelimit", b"ratelimit-policy"})


def _error_headers(origin: str | None, call: WidgetCall | None) -> dict[str, str]:
    """A problem answer's CORS fields (once the origin passed) and the limits' fields."""
    headers = cors.response_headers(origin) if origin is not None else {}
    if call is not None and call.admission.decision is not None:
        headers.update(call.admission.decision.headers)
    return headers


def add_headers(response: Response, headers: Mapping[str, str]) -> None:
    """Add ``headers`` to an endpoint's answer, merging list-valued fields (see below)."""
    add_raw_headers(response, encode_headers(headers))


def add_raw_headers(response: Response, headers: RawHeaders) -> None:
    """Add the guard's header lines to an endpoint's answer, merging list-valued fields.

    Appended to the raw header list: Starlette's ``MutableHeaders`` rescans every header on each
    assignment, which costs more than the rest of this function on the hot path.
    """
    raw = response.raw_headers
    present = {name for name, _ in raw}
    limited = b"ratelimit" in present
    for field, encoded in headers:
        if field == b"ratelimit":
            limited = True
        if field in _LIST_FIELDS and field in present:
            for i, (existing, current) in enumerate(raw):
                if existing == field:
                    raw[i] = (field, encoded + b", " + current)
                    break
        else:
            raw.append((field, encoded))
    if limited:
        # RateLimit fields describe this client now: no cache may keep them for anyone later.
        if b"cache-control" in present:
            raw[:] = [(n, v) for n, v in raw if n != b"cache-control"]
        raw.append((b"cache-control", b"no-store"))


async def preflight(request: Request) -> Response:
    """``OPTIONS /v1/{public_key}/…``: answered from the key's rules, before any limit."""
    services = app_services(request)
    try:
        cached = await load_key(request, services)
        origin = check_origin(request, cached)
        if not cached.key.active:
            raise KeyRevoked("this key has been revoked")
        if cached.key.account_suspended_at is not None:
            raise AccountSuspended("this key's account is suspended")
        raw = cors.preflight_raw(
            origin,
            header_value(request.scope, b"access-control-request-method"),
            header_value(request.scope, b"access-control-request-headers"),
        )
    except GatewayError as exc:
        services.metrics.error(exc.code)
        return problem_response(exc)
    return RawResponse(b"", 204, list(raw))


def routes() -> list[Route]:
    return [DirectRoute("/v1/{public_key}/{rest:path}", preflight, methods=["OPTIONS"])]
