"""``GET /openapi.json``: the API's schema, written by hand next to the code it describes.

A test checks that every route the app serves is described here, so the two cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.problems import FIELD_CODES

PK = {
    "name": "public_key",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^pk_[a-z2-7]{38}$"},
}
PROBLEM = {"$ref": "#/components/schemas/Problem"}
JSON_OBJECT = {"type": "object", "additionalProperties": True}
# What the HTTP server answers for any request before the app sees it (see gateway.web.server):
# a request it cannot read, a head or body too slow, a head too large.
WIRE_ERRORS = (400, 408, 431)
# What any operation that reads a body can answer besides its own errors.
BODY_ERRORS = (400, 413, 415, 422)
_PROBLEM_RESPONSE = {
    "description": "Problem",
    "content": {"application/problem+json": {"schema": PROBLEM}},
}


# A request body's object schema that takes only the properties it names: spread it into the
# schema (``{**CLOSED_OBJECT, "required": [...], "properties": {...}}``), as every body here is.
CLOSED_OBJECT: Mapping[str, Any] = MappingProxyType(
    {"type": "object", "additionalProperties": False}
)


def problems(*statuses: int, media_type: str = "application/problem+json") -> dict[str, Any]:
    """Error responses for ``statuses`` (problem+json unless said otherwise; the wire-level ones
    always are), sorted."""
    own = {"description": "Error", "content": {media_type: {"schema": JSON_OBJECT}}}
    out = {str(s): own for s in statuses}
    out.update({str(s): _PROBLEM_RESPONSE for s in WIRE_ERRORS if str(s) not in out})
    return dict(sorted(out.items()))


def operation(
    summary: str,
    ok: str,
    *,
    params: list[Any] | None = None,
    body: bool = False,
    errors: tuple[int, ...] = (401, 403, 429),
    tags: tuple[str, ...] = ("widgets",),
    security: list[Any] | None = None,
    media_type: str = "application/json",
    request_schema: dict[str, Any] | None = None,
    error_media_type: str = "application/problem+json",
) -> dict[str, Any]:
    """One operation: its success answer (of ``media_type``), every problem it can answer, and,
    with ``body``, the bodies it accepts (``request_schema``, as JSON or as text/plain)."""
    schema = JSON_OBJECT if media_type.endswith("json") else {"type": "string"}
    success: dict[str, Any] = {"description": "Success"}
    if ok != "204":  # No Content: a 204 has no body, so no media type
        success["content"] = {media_type: {"schema": schema}}
    responses: dict[str, Any] = {ok: success}
    all_errors = (*errors, *(BODY_ERRORS if body else ()))
    if error_media_type == "application/problem+json":
        responses.update(problems(*all_errors))
    else:
        responses.update(problems(*all_errors, media_type=error_media_type))
    op: dict[str, Any] = {"summary": summary, "tags": list(tags), "responses": responses}
    if params:
        op["parameters"] = params
    if body:
        accepted = request_schema or JSON_OBJECT
        content: dict[str, Any] = {"application/json": {"schema": accepted}}
        if "admin" not in tags:  # widgets send text/plain (no CORS preflight) holding the JSON
            content["text/plain"] = {
                "schema": {"type": "string", "contentMediaType": "application/json"}
            }
        op["requestBody"] = {"required": True, "content": content}
    if security is not None:
        op["security"] = security
    return op


def _preflight() -> dict[str, Any]:
    return {
        "summary": "CORS preflight, answered from the key's allowed origins",
        "tags": ["widgets"],
        "parameters": [PK],
        "responses": {"204": {"description": "Allowed"}, **problems(401, 403, 404, 503)},
    }


PATHS: dict[str, dict[str, Any]] = {
    "/healthz": {"get": operation("Liveness", "200", errors=(), tags=("operators",))},
    "/readyz": {
        "get": operation(
            "Readiness: key store, limiter, sinks", "200", errors=(503,), tags=("operators",)
        )
    },
    "/metrics": {
        "get": operation(
            "Prometheus metrics", "200", errors=(), tags=("operators",), media_type="text/plain"
        )
    },
    "/openapi.json": {"get": operation("This schema", "200", errors=(), tags=("operators",))},
    "/v1/{public_key}/{rest}": {"options": _preflight()},
}
PATHS["/v1/{public_key}/{rest}"]["options"]["parameters"] = [
    PK,
    {"name": "rest", "in": "path", "required": True, "schema": {"type": "string"}},
]


def describe(path: str, methods: dict[str, dict[str, Any]]) -> None:
    """Add the description of ``path`` (modules that add routes call this at import)."""
    PATHS.setdefault(path, {}).update(methods)


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Widget Gateway", "version": "1"},
        "paths": PATHS,
        "components": {
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "code"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "code": {"type": "string", "description": "Stable machine code"},
                        "errors": {
                            "type": "array",
                            "description": "Every validation problem (422)",
                            "items": {"$ref": "#/components/schemas/FieldProblem"},
                        },
                    },
                },
                "FieldProblem": {
                    "type": "object",
                    "required": ["field", "code", "message"],
                    "properties": {
                        "field": {"type": "string", "description": "Dotted path in the payload"},
                        "pointer": {
                            "type": "string",
                            "description": "The same place as a JSON pointer (RFC 6901)",
                        },
                        "count": {
                            "type": "integer",
                            "description": "How many unknown names (unknown_field): never named",
                        },
                        "code": {
                            "type": "string",
                            "description": "Stable code of the rule broken: "
                            + ", ".join(FIELD_CODES)
                            + " (key settings add their own)",
                        },
                        "message": {"type": "string", "description": "The rule, in English"},
                    },
                },
            },
            "securitySchemes": {
                "adminToken": {"type": "http", "scheme": "bearer"},
                "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "privateKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }


async def openapi_json(request: Request) -> Response:
    body = json.dumps(document(), separators=(",", ":"))
    return Response(body, media_type="application/json")


def routes() -> list[Route]:
    return [Route("/openapi.json", openapi_json, methods=["GET"])]


__all__ = ["PK", "describe", "operation", "routes"]
