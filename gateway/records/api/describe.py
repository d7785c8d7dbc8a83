"""The records API in the OpenAPI document (``GET /openapi.json``)."""

from __future__ import annotations

from typing import Any

from gateway.oauth.api_auth import API_PREFIX
from gateway.records.model import ACTIONS, STATUSES
from gateway.records.retention import MAX_CONSENT_MONTHS, MAX_RIGHTS_DAYS
from gateway.records.store import MAX_PAGE
from gateway.web import openapi

SECURITY: list[dict[str, list[str]]] = [{"bearerToken": []}, {"privateKey": []}]
ERRORS = (401, 403, 404, 422, 429, 503)


def _query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


KEY = _query("key", "only this public key (of the caller's account)")
CONSENT_FILTERS = [
    _query("from", "received at or after (date, or date and time; UTC)"),
    _query("to", "received before (a date alone includes that day)"),
    KEY,
    _query("action", "one action", enum=list(ACTIONS)),
    _query("category", "records that opted in to this category"),
    _query("origin", "records sent from this origin"),
]
PAGING = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100},
    },
    _query("cursor", "next_cursor of the previous page"),
]
RIGHTS_FILTERS = [
    _query("status", "one status", enum=list(STATUSES)),
    _query("type", "one request type"),
    _query("due_before", "due before this date", format="date"),
    _query("overdue", "open and past due", enum=["true", "false"]),
    _query(
        "email_verified",
        "true: the requester confirmed their address; false: unverified",
        enum=["true", "false"],
    ),
    KEY,
]


def _op(summary: str, params: list[Any], errors: tuple[int, ...] = ERRORS) -> dict[str, Any]:
    return openapi.operation(
        summary, "200", params=params, errors=errors, tags=("records",), security=SECURITY
    )


def _with_body(op: dict[str, Any], properties: dict[str, Any], required: list[str]) -> None:
    schema: dict[str, Any] = {**openapi.CLOSED_OBJECT, "properties": properties}
    if required:
        schema["required"] = required
    op["requestBody"] = {
        "required": bool(required),
        "content": {"application/json": {"schema": schema}},
    }


def _casework() -> dict[str, Any]:
    """The messages, extension, pause and resume operations, by path."""
    note = {"note": {"type": "string", "maxLength": 2000}}
    message = openapi.operation(
        "Add a message for the requester (listed in the request's messages)",
        "201",
        params=[_path("reference")],
        errors=(*ERRORS, 409),
        tags=("records",),
        security=SECURITY,
    )
    _with_body(message, {"body": {"type": "string", "maxLength": 5000}}, ["body"])
    extension = _op(
        "Extend the deadline once by the period its law allows, with the reason "
        "(409 extension_not_allowed where the law allows none, or no more)",
        [_path("reference")],
        (*ERRORS, 409),
    )
    _with_body(extension, {"reason": {"type": "string", "maxLength": 2000}}, ["reason"])
    pause = _op(
        "Pause the deadline's clock while waiting on the requester",
        [_path("reference")],
        (*ERRORS, 409),
    )
    _with_body(pause, note, [])
    resume = _op(
        "Resume the clock on the requester's reply; the due date moves by the days paused",
        [_path("reference")],
        (*ERRORS, 409),
    )
    _with_body(resume, note, [])
    upload = openapi.operation(
        "Add a document for the requester: the raw file as the body (PDF, PNG, JPEG or UTF-8 "
        "text, read from the content), its name percent-encoded in X-Filename; ?answer=true "
        "attaches it as the answer",
        "201",
        params=[_path("reference"), _query("answer", "true: the answer the requester downloads")],
        errors=(*ERRORS, 409, 413, 415),
        tags=("records",),
        security=SECURITY,
    )
    upload["requestBody"] = {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
    download = _op(
        "Download one document of the request (an attachment: nosniff, sandboxed, no-store)",
        [_path("reference"), _path("document")],
    )
    download["responses"]["200"]["content"] = {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    base = "/rights-requests/{reference}"
    return {
        base + "/documents": {
            "get": _op("The request's documents both ways (without content)", [_path("reference")]),
            "post": upload,
        },
        base + "/documents/{document}": {"get": download},
        base + "/messages": {"post": message},
        base + "/extension": {"post": extension},
        base + "/pause": {"post": pause},
        base + "/resume": {"post": resume},
    }


def _retention() -> dict[str, Any]:
    """GET and PUT of the account's retention rules."""
    periods = {
        "consent_months": {"type": "integer", "minimum": 1, "maximum": MAX_CONSENT_MONTHS},
        "rights_days": {"type": "integer", "minimum": 0, "maximum": MAX_RIGHTS_DAYS},
    }
    read = _op("The account's retention rules (the defaults when it set none)", [])
    write = _op(
        "Set how long consent proofs are kept and when closed rights requests are anonymised",
        [],
    )
    _with_body(write, periods, sorted(periods))
    return {"get": read, "put": write}


def register() -> None:
    export = _op(
        "Export consent records (CSV with a header row, or JSON lines), streamed",
        [*CONSENT_FILTERS, _query("format", "csv (default) or jsonl", enum=["csv", "jsonl"])],
    )
    export["responses"]["200"]["content"] = {
        "text/csv": {"schema": {"type": "string"}},
        "application/x-ndjson": {"schema": {"type": "string"}},
    }
    change = _op("Change a rights request's status", [_path("reference")], (*ERRORS, 409))
    change["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    **openapi.CLOSED_OBJECT,
                    "required": ["status"],
                    "properties": {
                        "status": {"type": "string", "enum": list(STATUSES)},
                        "note": {"type": "string", "maxLength": 2000},
                    },
                }
            }
        },
    }
    paths = {
        "/consents": {"get": _op("List consent records, newest first", CONSENT_FILTERS + PAGING)},
        "/consents/export": {"get": export},
        "/consents/stats": {
            "get": _op(
                "Per day and key: records per action, opt-in rate per category",
                [
                    _query("from", "first day (default: 29 days before to)", format="date"),
                    _query("to", "last day, included (default: today, UTC)", format="date"),
                    KEY,
                ],
            )
        },
        "/consents/{consent_id}": {
            "get": _op(
                "Proof of one visitor's consent: every choice, oldest first", [_path("consent_id")]
            )
        },
        "/rights-requests": {
            "get": _op("List rights requests, newest first", RIGHTS_FILTERS + PAGING)
        },
        "/rights-requests/{reference}": {
            "get": _op("One rights request and its history", [_path("reference")]),
            "patch": change,
        },
        "/rights-requests/{reference}/authorization": {
            "get": _op(
                "The signed authorisation an authorised agent sent with the request, as an "
                "attachment (its type read from its content)",
                [_path("reference")],
            )
        },
        **_casework(),
        "/retention": _retention(),
    }
    for path, methods in paths.items():
        openapi.describe(API_PREFIX + path, methods)
