"""The answers the HTTP server gives itself, before or instead of the app: problem+json.

A refusal on the wire (``431``, ``408``, ``400``) is written as whole bytes, since no parser state
can be trusted once the request is refused; a request past the concurrency bound gets a small ASGI
app that answers ``503`` (uvicorn's own answer would be plain text).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from gateway.errors import GatewayError, ServerBusy


def problem_bytes(error: GatewayError) -> bytes:
    """A whole HTTP/1.1 answer for ``error`` that closes the connection, written by hand because
    no parser state can be trusted once the request is refused."""
    body = json.dumps(error.to_problem(), separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "cache-control: no-store\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


BUSY_ERROR = ServerBusy("this instance is at its concurrency limit; retry shortly")
_BUSY_BODY = json.dumps(BUSY_ERROR.to_problem(), separators=(",", ":")).encode()


async def busy(scope: Any, receive: Any, send: Any) -> None:
    """The ASGI answer to a request past the concurrency bound: 503, problem+json."""
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(_BUSY_BODY)).encode()),
                (b"cache-control", b"no-store"),
                (b"retry-after", b"1"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _BUSY_BODY})
