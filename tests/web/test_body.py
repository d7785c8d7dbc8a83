"""Reading a widget's JSON body: a Content-Length that is no number is a 400-class answer."""

from __future__ import annotations

import json

import pytest
from starlette.requests import Request

from gateway.errors import GatewayError, InvalidPayload, PayloadTooLarge
from gateway.web.body import read_json
from tests.support.aio import run


def request_with(content_length: bytes, body: bytes = b"{}") -> Request:
    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", b"application/json"), (b"content-length", content_length)],
    }
    return Request(scope, receive)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("²".encode("latin-1"), InvalidPayload),
        (b"9" * 5000, PayloadTooLarge),
        (b"0" * 5000 + b"2", None),
    ],
    ids=["non-ascii-digit", "thousands-of-digits", "leading-zeros"],
)
def test_content_length_never_breaks_the_reader(
    value: bytes, error: type[GatewayError] | None
) -> None:
    async def read() -> object:
        return await read_json(request_with(value), 16_384)

    if error is None:
        assert run(read()) == {}
    else:
        with pytest.raises(error):
            run(read())


@pytest.mark.parametrize(
    "body",
    [
        b'{"n": 123456789012345678901234567890, "m": -99999999999999999999}',
        b'{"n": 9223372036854775807, "f": 0.1, "e": 1e-7}',
        b'{"a": [1, 2.5, true, null, "\\u00e9t\\u00e9"], "b": {"c": "\\ud83d\\ude00"}}',
        b'{"x": NaN, "y": -Infinity}',
        '{"é": "ünïcödé"}'.encode(),
    ],
    ids=["past-64-bits", "64-bit-edge", "mixed", "nan", "utf-8"],
)
def test_bodies_read_as_the_standard_parser_reads_them(body: bytes) -> None:
    async def read() -> object:
        return await read_json(request_with(str(len(body)).encode(), body), 16_384)

    got = run(read())
    assert repr(got) == repr(json.loads(body))  # repr: int stays int, NaN compares as text
