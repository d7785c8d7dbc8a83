"""One attempt to deliver a message to an endpoint: resolve, check, connect, post, classify.

The host is resolved for every attempt and each address checked against the URL policy
(:mod:`gateway.webhooks.urls`); the request goes to a checked address (the next one when a
connection is refused), with the host name kept for ``Host`` and for TLS (SNI and certificate),
so DNS cannot move it elsewhere meanwhile. Only the status code of the answer is read: its body
is never read, kept or logged.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime

import httpx

from gateway.webhooks import signature
from gateway.webhooks.leases import Result
from gateway.webhooks.model import DEAD, DELIVERED, Claimed
from gateway.webhooks.urls import UrlPolicy, UrlRefused, parse, resolve

USER_AGENT = "WidgetGateway-Webhooks/1"
RETRY = "retry"


def _error_class(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect_error"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "protocol_error"
    return type(exc).__name__[:64]


async def attempt(
    client: httpx.AsyncClient, claimed: Claimed, policy: UrlPolicy, now: datetime
) -> Result:
    """Send ``claimed`` once; never raises for what the network or the receiver does."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    endpoint = claimed.endpoint
    try:
        target = parse(endpoint.url, policy)
        addresses = await resolve(target, policy)
    except UrlRefused:
        # The address is no longer one the policy allows (or does not resolve right now):
        # retried, since DNS may come back; dead after the last attempt like any failure.
        return Result(RETRY, took(), error="address_refused")
    headers: Mapping[str, str] = {
        **signature.headers(claimed.message_id, now, claimed.body, endpoint.secrets_at(now)),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Host": httpx.URL(endpoint.url).netloc.decode("ascii"),
    }
    response: httpx.Response | None = None
    for index, address in enumerate(addresses):
        request = client.build_request(
            "POST",
            httpx.URL(endpoint.url).copy_with(host=str(address)),
            content=claimed.body.encode(),
            headers=headers,
            extensions={"sni_hostname": target.host},
        )
        try:
            response = await client.send(request, stream=True)
            await response.aclose()  # the body is not read: it may hold anything
            break
        except httpx.ConnectError as exc:
            if index == len(addresses) - 1:
                return Result(RETRY, took(), error=_error_class(exc))
            # Nothing was sent: the host's next address (IPv4 after IPv6, say) may answer.
        except (httpx.HTTPError, OSError) as exc:
            return Result(RETRY, took(), error=_error_class(exc))
    assert response is not None
    status = response.status_code
    if 200 <= status < 300:
        return Result(DELIVERED, took(), status)
    # 410 Gone: the receiver says the endpoint is no more; trying again would not change it.
    return Result(DEAD if status == 410 else RETRY, took(), status, "http_status")
