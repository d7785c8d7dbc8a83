"""The yardstick: a bare Starlette app answering the gateway's hot paths with the least work.

No key, no origin check, no CORS, no limits, no durability: what the gateway adds on each path is
measured against this. Where the gateway must do something for the answer to mean anything
(read and parse a JSON body, compress an asset once), the bare app does it too: its token endpoint
reads the form and the Basic credentials and signs an ES256 JWT (one key made at start, the secret
not checked), and its API read verifies that JWT's signature and expiry before answering.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import secrets
import time
from urllib.parse import parse_qsl

from joserfc import jwt
from joserfc.jwk import ECKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.web.assets import load_assets

CONFIG = {"categories": ["necessary", "analytics", "marketing"], "policy_version": "1"}
# The same bytes the gateway serves, compressed once at start as the gateway does.
SCRIPT = gzip.compress(load_assets()["consent"].body, 9)
ETAG = '"' + hashlib.sha256(SCRIPT).hexdigest()[:16] + '"'
SIGNING_KEY = ECKey.generate_key("P-256")


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


async def token(request: Request) -> Response:
    form = dict(parse_qsl((await request.body()).decode()))
    encoded = request.headers.get("authorization", "").partition(" ")[2]
    client_id = base64.b64decode(encoded).decode().partition(":")[0]
    now = int(time.time())
    claims = {"sub": client_id, "scope": form.get("scope", ""), "iat": now, "exp": now + 3600}
    access = jwt.encode({"alg": "ES256"}, claims, SIGNING_KEY)
    return JSONResponse({"token_type": "Bearer", "access_token": access, "expires_in": 3600})


async def api_read(request: Request) -> Response:
    presented = request.headers.get("authorization", "").partition(" ")[2]
    claims = jwt.decode(presented, SIGNING_KEY, algorithms=["ES256"]).claims
    if claims["exp"] <= time.time():
        return JSONResponse({"code": "invalid_token"}, status_code=401)
    return JSONResponse({"subject": claims["sub"], "scopes": claims["scope"].split()})


app = Starlette(
    routes=[
        Route("/widgets/consent.js", asset, methods=["GET"]),
        Route("/v1/{public_key}/consent/config", config, methods=["GET"]),
        Route("/v1/{public_key}/rights/config", rights_config, methods=["GET"]),
        Route("/v1/{public_key}/consent", consent, methods=["POST"]),
        Route("/v1/{public_key}/rights", rights, methods=["POST"]),
        Route("/v1/{public_key}/{rest:path}", preflight, methods=["OPTIONS"]),
        Route("/oauth/token", token, methods=["POST"]),
        Route("/api/v1/key", api_read, methods=["GET"]),
    ]
)
