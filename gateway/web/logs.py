"""Log lines: one JSON object per line by default, plain text for a terminal.

``GATEWAY_LOG_FORMAT=json`` (the default) writes ``{"timestamp", "level", "logger", "message",
…}`` with, inside a request, its ``request_id`` — and for the access log also ``route`` (the route
template), ``status``, ``duration_ms``, ``method`` and ``client`` (the network, never the full
address). ``text`` writes the same facts on one readable line. The level is
``GATEWAY_LOG_LEVEL`` (``INFO`` by default). :func:`logging_config` is handed to uvicorn, so its
own lines (start-up, errors) come out the same way; uvicorn's access log is off and replaced by
the gateway's (:mod:`gateway.web.access`).
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from typing import Any

# The current request's id, for every line logged while it is handled.
request_id: ContextVar[str | None] = ContextVar("gateway_request_id", default=None)

# Attributes a record may carry (``extra=``) that the formatters write out.
FIELDS = ("request_id", "method", "route", "status", "duration_ms", "client")
FORMATS = ("json", "text")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _timestamp(record: logging.LogRecord) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{stamp}.{int(record.msecs):03d}Z"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    out: dict[str, Any] = {}
    current = getattr(record, "request_id", None) or request_id.get()
    if current is not None:
        out["request_id"] = current
    for name in FIELDS[1:]:
        value = getattr(record, name, None)
        if value is not None:
            out[name] = value
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            # The exception's type only: a message or traceback can quote request data.
            line["exception"] = record.exc_info[0].__name__ if record.exc_info[0] else "?"
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """``timestamp LEVEL logger: message key=value …`` for reading in a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        text = f"{_timestamp(record)} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[0]:
            text += f" exception={record.exc_info[0].__name__}"
        return f"{text} {extra}" if extra else text


def logging_config(log_format: str = "json", level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the gateway and uvicorn, to stderr."""
    formatter = (
        "gateway.web.logs.JsonFormatter"
        if log_format == "json"
        else ("gateway.web.logs.TextFormatter")
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"gateway": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "gateway",
                "stream": "ext://sys.stderr",
            }
        },
        # The libraries' own warnings (redis-py's topology refreshes, for one) in the same
        # format, one line each, so a log collector parses every line.
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "gateway": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            # Off: the gateway's own access log replaces it (no query strings, no full IPs).
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }
