"""Reading a widget's JSON body: content type, size limit, parse errors.

Widgets send ``text/plain`` bodies holding JSON, so their ``POST`` needs no CORS preflight; tools
send ``application/json``. A body over the limit is refused from its ``Content-Length`` before a
byte is read, or as soon as the stream passes the limit when no length is given.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from gateway.errors import InvalidJson, InvalidPayload, PayloadTooLarge, UnsupportedMediaType

ACCEPTED_TYPES = ("text/plain", "application/json")


async def read_json(request: Request, max_bytes: int) -> dict[str, Any]:
    """The request's body as a JSON object, or a typed error."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in ACCEPTED_TYPES:
        raise UnsupportedMediaType("send the body as application/json or text/plain")
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise InvalidPayload("Content-Length is not a number")
        # Compared by length first: int() refuses strings of thousands of digits.
        digits = declared.lstrip("0") or "0"
        if len(digits) > len(str(max_bytes)) or int(digits) > max_bytes:
            raise PayloadTooLarge(f"the body may hold at most {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"the body may hold at most {max_bytes} bytes")
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidJson("the body is not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise InvalidPayload("the body must be a JSON object")
    return data
