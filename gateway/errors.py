"""The gateway's one error tree.

Every failure that reaches a client is a :class:`GatewayError`. Each subclass carries a stable
machine ``code`` and an HTTP ``status``; :func:`problem_response` turns any of them into an
``application/problem+json`` answer (RFC 9457). Foreign exceptions (redis, httpx, limits) are
translated into this tree where they enter the gateway, never rendered as they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from starlette.responses import Response

PROBLEM_TYPE_BASE = "https://widget-gateway.dev/problems/"


class GatewayError(Exception):
    """Base of every error the gateway answers with."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.title
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(self.detail)

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        body.update(self.extra)
        return body


# --- keys ---------------------------------------------------------------------------------------


class AccountSuspended(GatewayError):
    """The key's account is suspended by an operator: its keys are refused everywhere."""

    status = 403
    code = "account_suspended"
    title = "Account suspended"


class KeyMalformed(GatewayError):
    status = 401
    code = "key_malformed"
    title = "Malformed key"


class KeyUnknown(GatewayError):
    status = 401
    code = "key_unknown"
    title = "Unknown key"


class KeyRevoked(GatewayError):
    status = 403
    code = "key_revoked"
    title = "Key revoked"


class WidgetDisabled(GatewayError):
    status = 403
    code = "widget_disabled"
    title = "Widget not enabled for this key"


class PrivateKeyExposed(GatewayError):
    status = 403
    code = "private_key_exposed"
    title = "Private key used from a browser"


class Unauthorized(GatewayError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"


# --- origins ------------------------------------------------------------------------------------


class OriginNotAllowed(GatewayError):
    status = 403
    code = "origin_not_allowed"
    title = "Origin not allowed"


class OriginRequired(GatewayError):
    status = 403
    code = "origin_required"
    title = "Origin header required"


class InvalidOriginRule(GatewayError):
    status = 422
    code = "invalid_origin_rule"
    title = "Invalid origin rule"


class PreflightRefused(GatewayError):
    """A CORS preflight asked for a method or request header the widget API does not accept."""

    status = 403
    code = "preflight_refused"
    title = "Preflight refused"


# --- limits -------------------------------------------------------------------------------------


class RateLimited(GatewayError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"


class LimiterUnavailable(GatewayError):
    """The limit store is down and the gateway is configured to fail closed."""

    status = 503
    code = "limiter_unavailable"
    title = "Rate limiter unavailable"


# --- request bodies -----------------------------------------------------------------------------


class PayloadTooLarge(GatewayError):
    status = 413
    code = "payload_too_large"
    title = "Payload too large"


class DocumentTooLarge(PayloadTooLarge):
    """A document (the requester's or the owner's) over the size limit (``extra``: it)."""

    code = "document_too_large"
    title = "Document too large"


class UnsupportedMediaType(GatewayError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


class InvalidJson(GatewayError):
    status = 400
    code = "invalid_json"
    title = "Malformed JSON"


class InvalidPayload(GatewayError):
    """The JSON is well formed but does not say what the endpoint accepts.

    ``errors`` lists the problems as ``{"field", "code", "message"}`` (``gateway.problems``) so a
    form can show each next to its field.
    """

    status = 422
    code = "invalid_payload"
    title = "Invalid payload"

    def __init__(self, detail: str | None = None, *, errors: Sequence[Mapping[str, str]] = ()):
        super().__init__(detail, extra={"errors": [dict(e) for e in errors]} if errors else None)
        self.errors = list(errors)


# --- rights forms -------------------------------------------------------------------------------


class FormTokenInvalid(GatewayError):
    """The form token is missing, forged, signed with a retired secret, or for another key."""

    status = 403
    code = "form_token_invalid"
    title = "Invalid form token"


class FormTokenExpired(GatewayError):
    """The form was opened too long ago; the widget fetches a fresh token and sends again."""

    status = 422
    code = "form_token_expired"
    title = "Form token expired"


class FormTokenUsed(GatewayError):
    """The form token already sent a request; the widget fetches a fresh one for another."""

    status = 422
    code = "form_token_used"
    title = "Form token already used"


class SubmittedTooFast(GatewayError):
    """The form was sent sooner after it was shown than a person could fill it in."""

    status = 422
    code = "submitted_too_fast"
    title = "Form sent too quickly"


class SpamSuspected(GatewayError):
    """The honeypot field, invisible to people, was filled in: nothing was stored."""

    status = 422
    code = "spam_suspected"
    title = "Request looks automated"


# --- the wire (answered by the HTTP server, before the app) -------------------------------------


class MalformedRequest(GatewayError):
    """The bytes on the connection are not an HTTP/1.1 request."""

    status = 400
    code = "malformed_request"
    title = "Malformed HTTP request"


class ServerBusy(GatewayError):
    """This process holds as many connections and requests as ``GATEWAY_LIMIT_CONCURRENCY``."""

    status = 503
    code = "server_busy"
    title = "Server busy"


class RequestTimeout(GatewayError):
    """The client took longer than allowed to send a request's head or body."""

    status = 408
    code = "request_timeout"
    title = "Request not received in time"


class HeadersTooLarge(GatewayError):
    """The request head is longer, or has more fields, than the server accepts."""

    status = 431
    code = "headers_too_large"
    title = "Request header fields too large"


# --- routing ------------------------------------------------------------------------------------


class NotFound(GatewayError):
    status = 404
    code = "not_found"
    title = "Not found"


class MethodNotAllowed(GatewayError):
    status = 405
    code = "method_not_allowed"
    title = "Method not allowed"


class Conflict(GatewayError):
    status = 409
    code = "conflict"
    title = "Conflict"


# --- key management (admin API, CLI) ------------------------------------------------------------


class AdminDisabled(GatewayError):
    """No admin token is configured: the admin API answers nothing else rather than stay open."""

    status = 404
    code = "admin_disabled"
    title = "Admin API disabled"


class InvalidAdminToken(GatewayError):
    status = 401
    code = "invalid_admin_token"
    title = "Invalid admin token"


class KeyNotFound(GatewayError):
    status = 404
    code = "key_not_found"
    title = "Key not found"


class KeyAlreadyRevoked(GatewayError):
    """A revoked key cannot be changed or rolled; it can only be replaced by a new key."""

    status = 409
    code = "key_already_revoked"
    title = "Key revoked"


class KeyChanged(GatewayError):
    """The key changed between reading it and writing the change made from it."""

    status = 409
    code = "key_changed"
    title = "Key changed meanwhile"


class InvalidQuery(GatewayError):
    status = 422
    code = "invalid_query"
    title = "Invalid query parameter"


# --- dependencies -------------------------------------------------------------------------------


class StoreUnavailable(GatewayError):
    """The key store (Redis or the data folder) could not be read."""

    status = 503
    code = "store_unavailable"
    title = "Store unavailable"


class SinkUnavailable(GatewayError):
    """A record could not be written durably; the client should retry."""

    status = 503
    code = "sink_unavailable"
    title = "Record could not be stored"


# --- delivery -----------------------------------------------------------------------------------


class AssertionRefused(GatewayError):
    """A gateway assertion is missing, malformed, signed with an unknown secret, or not for the
    body it came with (raised by :func:`gateway.delivery.assertion.verify_assertion`)."""

    status = 401
    code = "assertion_invalid"
    title = "Gateway assertion refused"


class AssertionExpired(AssertionRefused):
    """A genuine assertion older than the receiving service accepts."""

    code = "assertion_expired"
    title = "Gateway assertion expired"


HTTP_STATUS_ERRORS: dict[int, type[GatewayError]] = {
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


def problem_response(error: GatewayError, headers: Mapping[str, str] | None = None) -> Response:
    """Render ``error`` as an ``application/problem+json`` response."""
    body = json.dumps(error.to_problem(), separators=(",", ":")).encode()
    all_headers = {**error.headers, **(headers or {})}
    all_headers.setdefault("Cache-Control", "no-store")
    return Response(
        body,
        status_code=error.status,
        headers=all_headers,
        media_type="application/problem+json",
    )
