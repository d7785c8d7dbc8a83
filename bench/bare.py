"""The yardstick: a bare Starlette app answering the gateway's hot paths with the least work.

No key, no origin check, no CORS, no limits, no durability: what the gateway adds on each path is
measured against this. Where the gateway must do something for the answer to mean anything
(read and parse a JSON body, compress an asset once), the bare app does it too.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.web.assets import load_assets

CONFIG = {"categories": ["necessary", "analytics", "marketing"], "policy_version": "1"}
# The same bytes the gateway serves, compressed once at start as the gateway does.
SCRIPT = gzip.compress(load_assets()["consent"].body, 9)
ETAG = '"' + hashlib.sha256(SCRIPT).hexdigest()[:16] + '"'


async def asset(request: Request) -> Response:
    if request.headers.get("if-none-match") == ETAG:
        return Response(status_code=304, headers={"ETag": ETAG})
    return Response(
        SCRIPT,
        media_type="text/javascript",
        headers={"Content-Encoding": "gzip", "ETag": ETAG},
    )


async def config(request: Request) -> Response:
    return JSONResponse(CONFIG)


async def rights_config(request: Request) -> Response:
    return JSONResponse({"types": ["gdpr_access"], "form_token": secrets.token_urlsafe(24)})


async def consent(request: Request) -> Response:
    json.loads(await request.body())
    return JSONResponse({"record_id": secrets.token_hex(8)}, status_code=201)


async def rights(request: Request) -> Response:
    json.loads(await request.body())
    return JSONResponse({"reference": "RR-" + secrets.token_hex(4)}, status_code=202)


async def preflight(request: Request) -> Response:
    return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/widgets/consent.js", asset, methods=["GET"]),
        Route("/v1/{public_key}/consent/config", config, methods=["GET"]),
        Route("/v1/{public_key}/rights/config", rights_config, methods=["GET"]),
        Route("/v1/{public_key}/consent", consent, methods=["POST"]),
        Route("/v1/{public_key}/rights", rights, methods=["POST"]),
        Route("/v1/{public_key}/{rest:path}", preflight, methods=["OPTIONS"]),
    ]
)
