"""The log configuration handed to uvicorn: every line, the libraries' too, in one format."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr

from gateway.web.logs import logging_config


@contextmanager
def configured(log_format: str) -> Iterator[io.StringIO]:
    """Logging set up as ``serve`` sets it up, into a buffer; the test's own set-up restored."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    buffer = io.StringIO()
    try:
        with redirect_stderr(buffer):  # the handlers take sys.stderr as it is at set-up
            logging.config.dictConfig(logging_config(log_format))
        yield buffer
    finally:
        logging.getLogger("gateway").handlers.clear()
        logging.getLogger("gateway").propagate = True
        root.handlers[:], root.level = saved[0], saved[1]


def test_a_librarys_warning_is_a_json_line_like_the_gateways() -> None:
    with configured("json") as out:
        logging.getLogger("redis.asyncio.cluster").error("Topology refresh failed")
        logging.getLogger("gateway.keys").warning("key invalidation feed interrupted")
        logging.getLogger("httpx").info("HTTP Request: GET https://x.example/?email=a%40b")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("redis.asyncio.cluster", "ERROR"),
        ("gateway.keys", "WARNING"),
    ]  # a library's INFO (httpx names whole URLs there) stays out


def test_the_text_format_carries_a_librarys_warning_too() -> None:
    with configured("text") as out:
        logging.getLogger("redis.asyncio.cluster").error("Topology refresh failed")
    assert " ERROR   redis.asyncio.cluster: Topology refresh failed" in out.getvalue()
