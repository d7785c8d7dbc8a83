"""``GATEWAY_API_UPSTREAM_RIGHTS``: calls forwarded to a real service on loopback with the
gateway's assertion naming the caller; scopes enforced here; an unreachable service is a 502."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from joserfc.jwk import KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.delivery.assertion import verify_jws_assertion
from tests.oauth.helpers import api_key, client_credentials, gateway
from tests.support.processes import free_port
from tests.support.servers import ServerThread

seen: list[dict[str, Any]] = []
# What the service knows of the gateway: its published assertion keys, and its own URL.
trusted: dict[str, Any] = {}


async def upstream(request: Request) -> Response:
    body = await request.body()
    assertion = verify_jws_assertion(
        request.headers.get("x-gateway-assertion"),
        trusted["keys"],
        trusted["audience"],
        60,
        body=body,
    )
    seen.append(
        {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "body": body,
            "subject": assertion.subject,
            "scope": assertion.scope,
            "account": assertion.account,
            "authorization": request.headers.get("authorization"),
        }
    )
    if request.method == "GET":

        async def chunks():  # type: ignore[no-untyped-def]
            for i in range(3):
                yield f"chunk{i};".encode()

        return StreamingResponse(chunks(), media_type="text/plain", headers={"ETag": '"v1"'})
    return JSONResponse({"ok": True}, status_code=201)


def test_calls_are_forwarded_with_the_assertion_and_scopes_are_enforced(
    data_dir: Path, redis_url: str
) -> None:
    seen.clear()
    service = Starlette(routes=[Route("/{path:path}", upstream, methods=["GET", "POST"])])
    with (
        ServerThread(service) as up,
        gateway(data_dir, redis_url, api_upstream_rights=up.url) as gw,
    ):
        jwks = gw.get("/.well-known/assertion-jwks.json").json()
        trusted.update(keys=KeySet.import_key_set(jwks), audience=up.url)
        new = api_key(gw)
        reader = client_credentials(gw, new, scope="rights:read").json()["access_token"]
        auth = {"Authorization": f"Bearer {reader}"}
        got = gw.get("/api/v1/rights/requests?status=open", headers=auth)
        assert got.status_code == 200, got.text
        assert got.text == "chunk0;chunk1;chunk2;"
        assert got.headers["etag"] == '"v1"'
        assert seen[-1]["path"] == "/api/v1/rights/requests"
        assert seen[-1]["query"] == "status=open"
        assert seen[-1]["subject"] == new.key.public_key
        assert seen[-1]["scope"] == "rights:read"
        assert seen[-1]["account"] == "acct-1"
        assert seen[-1]["authorization"] is None  # the caller's token stays at the gateway
        refused = gw.post("/api/v1/rights/requests/R-1/messages", headers=auth, json={"m": 1})
        assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope")
        writer = client_credentials(gw, new, scope="rights:write").json()["access_token"]
        posted = gw.post(
            "/api/v1/rights/requests/R-1/messages",
            headers={"Authorization": f"Bearer {writer}"},
            json={"m": 1},
        )
        assert posted.status_code == 201
        assert seen[-1]["body"] in (b'{"m":1}', b'{"m": 1}')
        calls = len(seen)
        # No consents upstream: the built-in records API answers (this token lacks its scope).
        own = gw.get("/api/v1/consents", headers=auth)
        assert (own.status_code, own.json()["code"]) == (403, "insufficient_scope")
        assert len(seen) == calls


def test_an_unreachable_service_is_a_502(data_dir: Path) -> None:
    with gateway(data_dir, api_upstream_rights=f"http://127.0.0.1:{free_port()}") as gw:
        new = api_key(gw)
        token = client_credentials(gw, new).json()["access_token"]
        answer = gw.get("/api/v1/rights", headers={"Authorization": f"Bearer {token}"})
        assert (answer.status_code, answer.json()["code"]) == (502, "upstream_unavailable")
