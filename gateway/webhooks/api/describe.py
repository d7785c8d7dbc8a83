"""The webhooks API in the OpenAPI document (``GET /openapi.json``)."""

from __future__ import annotations

from typing import Any

from gateway.oauth.api_auth import API_PREFIX
from gateway.web import openapi
from gateway.webhooks.api.fields import MAX_DESCRIPTION
from gateway.webhooks.model import DELIVERY_STATUSES, EVENT_TYPES

SECURITY: list[dict[str, list[str]]] = [{"bearerToken": []}, {"privateKey": []}]
ERRORS = (401, 403, 404, 422, 429, 503)
BODY_ERRORS = (400, 413, 415)


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _schema(required: tuple[str, ...]) -> dict[str, Any]:
    return {
        **openapi.CLOSED_OBJECT,
        "required": list(required),
        "properties": {
            "url": {"type": "string", "format": "uri", "maxLength": 2000},
            "events": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "enum": list(EVENT_TYPES)},
            },
            "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
            "enabled": {"type": "boolean"},
        },
    }


def _op(
    summary: str,
    ok: str,
    params: list[Any],
    errors: tuple[int, ...] = ERRORS,
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    op = openapi.operation(
        summary,
        ok,
        params=params,
        errors=(*errors, *(BODY_ERRORS if body else ())),
        tags=("webhooks",),
        security=SECURITY,
    )
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if ok == "204":
        op["responses"]["204"] = {"description": "Deleted"}
    return op


def register() -> None:
    one = [_path("endpoint_id")]
    delivery = [*one, _path("delivery_id")]
    listing_params = [
        *one,
        {
            "name": "status",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": list(DELIVERY_STATUSES)},
        },
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        },
        {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
    ]
    paths = {
        "/webhooks": {
            "get": _op("List the account's webhook endpoints", "200", []),
            "post": _op(
                "Register a webhook endpoint (its signing secret is in this answer only)",
                "201",
                [],
                (*ERRORS, 409),
                _schema(("url", "events")),
            ),
        },
        "/webhooks/{endpoint_id}": {
            "get": _op("One webhook endpoint", "200", one),
            "patch": _op("Change a webhook endpoint", "200", one, ERRORS, _schema(())),
            "delete": _op("Delete a webhook endpoint and its deliveries", "204", one),
        },
        "/webhooks/{endpoint_id}/rotate-secret": {
            "post": _op("A new signing secret (the old one signs too for a while)", "200", one)
        },
        "/webhooks/{endpoint_id}/test": {
            "post": _op("Send a webhook.test event to this endpoint", "202", one, (*ERRORS, 409))
        },
        "/webhooks/{endpoint_id}/deliveries": {
            "get": _op(
                "The endpoint's deliveries, newest first, with attempts", "200", listing_params
            )
        },
        "/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay": {
            "post": _op("Queue a finished delivery again", "202", delivery, (*ERRORS, 409))
        },
    }
    for path, methods in paths.items():
        openapi.describe(API_PREFIX + path, methods)
