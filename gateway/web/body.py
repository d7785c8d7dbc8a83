"""Reading a widget's JSON body: content type, size limit, parse errors.

Widgets send ``text/plain`` bodies holding JSON, so their ``POST`` needs no CORS preflight; tools
send ``application/json``. A body over the limit is refused from its ``Content-Length`` before a
byte is read, or as soon as the stream passes the limit when no length is given. What it decodes
is checked once here for every endpoint (:mod:`gateway.web.text`): nesting depth, lone
surrogates, NUL and ESC, so no validator behind it meets them.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import orjson
from starlette.requests import Request

from gateway.errors import (
    InvalidJson,
    InvalidPayload,
    MalformedRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from gateway.web.routing import header_value
from gateway.web.text import MAX_DEPTH, too_deep, tree_problems

ACCEPTED_TYPES = ("text/plain", "application/json")
# Every digit read as "0": a run of 19 digits is then one substring search, not a regex scan.
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 19


async def read_json(
    request: Request, max_bytes: int, fields: Collection[str] = ()
) -> dict[str, Any]:
    """The request's body as a JSON object, or a typed error.

    ``fields`` are the endpoint's own top-level names: a problem found under one of them names
    it; under any other name, it names nothing.
    """
    scope = request.scope
    media_type = (header_value(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
    if media_type not in ACCEPTED_TYPES:
        raise UnsupportedMediaType("send the body as application/json or text/plain")
    declared = header_value(scope, b"content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise InvalidPayload("Content-Length is not a number")
        # Compared by length first: int() refuses strings of thousands of digits.
        digits = declared.lstrip("0") or "0"
        if len(digits) > len(str(max_bytes)) or int(digits) > max_bytes:
            raise PayloadTooLarge(f"the body may hold at most {max_bytes} bytes")
    raw = await _read_body(request, max_bytes)
    if _LONG_NUMBER in raw.translate(_DIGITS_AS_ZERO):
        # orjson reads integers past 64 bits as floats; the standard parser keeps them exact.
        data = _standard_loads(raw)
    else:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            # What orjson refuses, the standard parser decides as it always did: lone
            # surrogates (found below, by field), NaN and Infinity, nesting past its depth.
            data = _standard_loads(raw)
    if not isinstance(data, dict):
        raise InvalidPayload("the body must be a JSON object")
    # Walking the decoded tree is skipped when the text itself rules the finding out: nesting
    # deeper than MAX_DEPTH needs more brackets than that, and a NUL, ESC or lone surrogate can
    # only come from a \u escape (the parser refuses raw control characters in strings, and a
    # lone surrogate cannot be valid UTF-8).
    if raw.count(b"{") + raw.count(b"[") > MAX_DEPTH and too_deep(data):
        raise InvalidJson(f"the body nests deeper than {MAX_DEPTH} levels")
    problems = tree_problems(data, fields) if b"\\u" in raw else []
    if problems:
        raise InvalidPayload("Some text in the body is not valid.", errors=problems)
    return data


async def _read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, from the ASGI messages themselves (Starlette's ``stream()`` adds an async
    generator per request); kept on the request, so ``request.body()`` answers it again."""
    if hasattr(request, "_body"):
        kept: bytes = request._body
        if len(kept) > max_bytes:
            raise PayloadTooLarge(f"the body may hold at most {max_bytes} bytes")
        return kept
    chunks: list[bytes] = []
    size = 0
    receive = request.receive
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise MalformedRequest("the connection closed before the whole body arrived")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"the body may hold at most {max_bytes} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    request._body = raw
    return raw


def _standard_loads(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise InvalidJson(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError):
        raise InvalidJson("the body is not valid UTF-8 JSON") from None
