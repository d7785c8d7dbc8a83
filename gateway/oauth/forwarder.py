"""The API families an external service answers: ``GATEWAY_API_UPSTREAM_<FAMILY>``.

When ``GATEWAY_API_UPSTREAM_CONSENTS`` (or ``_RIGHTS``, ``_WEBHOOKS``) is set, every call under
``/api/v1/consents…`` is authenticated here and forwarded there: same method, path and query,
the body, a short list of safe headers, and ``X-Gateway-Assertion`` — the gateway's signed
assertion (:mod:`gateway.delivery.assertion`, for the family's upstream URL as its audience)
naming the key, account, origin, subject and scopes of the caller, bound to the exact body sent.
The body is read first (at most :data:`MAX_BODY_BYTES`) for that binding; the answer streams
back as it arrives.

Reads (``GET``/``HEAD``) need the family's read scope; anything else its write scope.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from gateway.clock import utc
from gateway.errors import PayloadTooLarge
from gateway.oauth.api_auth import ApiCaller, api_route
from gateway.oauth.errors import UpstreamUnavailable
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.services import Services

MAX_BODY_BYTES = 1_048_576
# family -> (scope for reads, scope for writes)
FAMILIES: dict[str, tuple[str, str]] = {
    "consents": ("consents:read", "consents:read"),
    "rights": ("rights:read", "rights:write"),
    "webhooks": ("webhooks:manage", "webhooks:manage"),
}
REQUEST_HEADERS = (
    "accept",
    "accept-language",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
)
RESPONSE_HEADERS = (
    "content-type",
    "content-language",
    "etag",
    "last-modified",
    "location",
    "retry-after",
    "link",
)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def upstream_of(services: Services, family: str) -> str | None:
    url: str | None = getattr(services.settings, f"api_upstream_{family}")
    return url.rstrip("/") if url else None


def make_forwarder(family: str) -> object:
    async def forward(request: Request, services: Services, caller: ApiCaller) -> Response:
        read_scope, write_scope = FAMILIES[family]
        caller.require(read_scope if request.method in ("GET", "HEAD") else write_scope)
        upstream = upstream_of(services, family)
        assert upstream is not None, "routes exist only for configured families"
        body = await _body(request)
        request_id = "api_" + secrets.token_urlsafe(12)
        headers = {h: request.headers[h] for h in REQUEST_HEADERS if h in request.headers}
        signed = await services.assertions.headers(
            upstream,
            key=caller.key.public_key,
            account=caller.account,
            origin=caller.origin or "",
            rid=request_id,
            received_at=utc(services.clock()).isoformat(),
            body=body,
            subject=caller.subject,
            scope=" ".join(sorted(caller.scopes)),
        )
        headers.update(signed)
        headers["X-Request-Id"] = request_id
        url = upstream + request.url.path
        client = services.oauth.http
        upstream_request = client.build_request(
            request.method, url, params=request.url.query or None, headers=headers, content=body
        )
        try:
            answer = await client.send(upstream_request, stream=True)
        except httpx.TimeoutException:
            raise UpstreamUnavailable("the API service took too long to answer") from None
        except httpx.HTTPError:
            raise UpstreamUnavailable("the API service could not be reached") from None
        kept = {h: answer.headers[h] for h in RESPONSE_HEADERS if h in answer.headers}
        return StreamingResponse(
            _chunks(answer),
            status_code=answer.status_code,
            headers=kept,
            background=BackgroundTask(answer.aclose),
        )

    forward.__name__ = f"forward_{family}"
    return forward


async def _chunks(answer: httpx.Response):  # type: ignore[no-untyped-def]
    try:
        async for chunk in answer.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        return  # the service broke off; the client sees a truncated body, as it would direct


async def _body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"the body may hold at most {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def routes(settings: Settings) -> list[Route]:
    """Forwarding routes for each family with an upstream configured."""
    found: list[Route] = []
    for family in FAMILIES:
        if getattr(settings, f"api_upstream_{family}", None):
            endpoint = make_forwarder(family)
            for path in (f"/{family}", f"/{family}/{{rest:path}}"):
                found.append(api_route(path, endpoint, methods=METHODS))  # type: ignore[arg-type]
    return found
