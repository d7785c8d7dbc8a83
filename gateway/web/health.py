"""Operators' endpoints: liveness, readiness and Prometheus metrics.

``/readyz`` answers whether *this instance* can serve widgets, so that a shared dependency going
down never takes every instance out of the balancer at once:

- ``200 "ok"`` — everything answers;
- ``200 "degraded"`` — something is down but the instance still serves: limits fell back to
  memory (fail-open), a sink cannot be reached (records are refused with a 503 the widget
  retries), or the key store is unreachable while cached keys still answer;
- ``503 "down"`` — it cannot serve: the key store is unreachable and no key is cached, or Redis
  is down while limits fail closed (every widget request would be refused).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.keys.instrumented import serving_keys
from gateway.web.metrics import CONTENT_TYPE, queue_families

if TYPE_CHECKING:
    from gateway.services import Services

NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> Response:
    services: Services = request.app.state.services
    return JSONResponse({"status": "ok", "version": services.version}, headers=NO_STORE)


async def readiness(services: Services) -> tuple[str, dict[str, str]]:
    """``("ok" | "degraded" | "down", {part: "ok" | "degraded" | "down"})``."""
    store_ok, limiter_ok, *sink_states = await asyncio.gather(
        services.store.ping(),
        services.limiter.ping(),
        *(sink.check() for sink in services.sinks.values()),
    )
    limiter_down = services.limiter.degraded or not limiter_ok
    checks: dict[str, str] = {}
    if store_ok:
        checks["store"] = "ok"
    else:
        checks["store"] = "degraded" if serving_keys(services.keys) > 0 else "down"
    if not limiter_down:
        checks["limiter"] = "ok"
    else:
        checks["limiter"] = "down" if services.settings.limits_fail_closed else "degraded"
    for name, ok in zip(services.sinks, sink_states, strict=True):
        checks[f"sink:{name}"] = "ok" if ok else "degraded"
    for part, state in checks.items():
        services.metrics.set_degraded(part, state != "ok")
    if "down" in checks.values():
        return "down", checks
    if any(v != "ok" for v in checks.values()):
        return "degraded", checks
    return "ok", checks


async def readyz(request: Request) -> Response:
    status, checks = await readiness(request.app.state.services)
    return JSONResponse(
        {"status": status, "checks": checks},
        status_code=503 if status == "down" else 200,
        headers=NO_STORE,
    )


async def metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    services.metrics.set_degraded("limiter", services.limiter.degraded)
    statuses = await services.delivery_statuses()
    extra = queue_families(
        (
            s.service,
            {
                "gateway_outbox_depth": s.depth,
                "gateway_outbox_in_flight": s.in_flight,
                "gateway_outbox_retrying": s.retrying,
                "gateway_outbox_dead": s.dead,
                "gateway_outbox_oldest_seconds": s.oldest_age,
            },
        )
        for s in statuses
    )
    return Response(services.metrics.render(extra), media_type=CONTENT_TYPE, headers=NO_STORE)


def liveness_routes() -> list[Route]:
    """On every port."""
    return [Route("/healthz", healthz, methods=["GET"])]


def operator_routes() -> list[Route]:
    """On the operator port when there is one."""
    return [
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]


def routes() -> list[Route]:
    return [*liveness_routes(), *operator_routes()]
