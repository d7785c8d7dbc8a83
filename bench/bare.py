"""The yardstick: a bare Starlette app answering the same paths with a small JSON, nothing else.

No key, no origin check, no CORS, no limits: what the gateway adds is measured against this.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CONFIG = {"categories": ["necessary", "analytics", "marketing"], "policy_version": "1"}


async def config(request: Request) -> Response:
    return JSONResponse(CONFIG)


async def preflight(request: Request) -> Response:
    return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/v1/{public_key}/consent/config", config, methods=["GET"]),
        Route("/v1/{public_key}/{rest:path}", preflight, methods=["OPTIONS"]),
    ]
)
