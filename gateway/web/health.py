"""Operators' endpoints: liveness, readiness and Prometheus metrics.

``/readyz`` answers ``200`` with ``"status": "ok"`` or ``"degraded"`` (a dependency is down but
the instance still serves: limits fell back to memory, or a sink cannot be reached — records are
then refused with a 503 the widget retries), and ``503`` only when the key store is unreachable.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from gateway.services import Services


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})


async def readyz(request: Request) -> Response:
    services: Services = request.app.state.services
    store_ok, limiter_ok, *sink_states = await asyncio.gather(
        services.store.ping(),
        services.limiter.ping(),
        *(sink.check() for sink in services.sinks.values()),
    )
    checks = {
        "store": "ok" if store_ok else "down",
        "limiter": "degraded" if services.limiter.degraded or not limiter_ok else "ok",
    }
    for name, ok in zip(services.sinks, sink_states, strict=True):
        checks[f"sink:{name}"] = "ok" if ok else "degraded"
    if not store_ok:
        status, code = "down", 503
    elif any(v != "ok" for v in checks.values()):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JSONResponse(
        {"status": status, "checks": checks},
        status_code=code,
        headers={"Cache-Control": "no-store"},
    )


async def metrics(request: Request) -> Response:
    services: Services = request.app.state.services
    return PlainTextResponse(
        services.metrics.render(),
        media_type="text/plain; version=0.0.4",
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
