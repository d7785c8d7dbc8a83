"""Per-key CORS headers for the widget API under ``/v1/``.

The origin has already been matched against the key's allow list when these functions are called;
they only say what to answer. The exact origin is echoed (never ``*``) with ``Vary: Origin``, so a
cache never hands one site's answer to another, and credentials are never allowed: widgets send
no cookies to the gateway, and a private key must never travel from a browser.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gateway.errors import PreflightRefused
from gateway.web.routing import encode_headers

# Response headers a widget must be able to read besides the CORS-safelisted ones
# (Cache-Control, Content-Language, Content-Length, Content-Type, Expires, Last-Modified, Pragma).
EXPOSED_HEADERS: tuple[str, ...] = (
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "ETag",
    "Location",
)

# GET and POST are all the widget API has; HEAD rides along with GET.
ALLOWED_METHODS: tuple[str, ...] = ("GET", "HEAD", "POST")

# Request headers a widget may send beyond the safelisted ones. Content-Type appears because a
# preflight names it when the value is application/json. The tracing headers are there because a
# host page's monitoring (OpenTelemetry, Sentry) wraps fetch and adds them to every request, the
# widgets' included: refusing them would leave that page without a banner. They carry no
# credential. Authorization is deliberately absent: the API takes no credentials from browsers.
ALLOWED_REQUEST_HEADERS: tuple[str, ...] = (
    "Accept",
    "Accept-Language",
    "Content-Language",
    "Content-Type",
    "If-None-Match",
    "Idempotency-Key",
    "traceparent",
    "tracestate",
    "baggage",
    "sentry-trace",
)

# Browsers cap this (Chromium at 2 hours, Firefox at 24); the higher value lets each keep its
# own maximum. A preflight cached after an origin is removed does no harm: the actual answer no
# longer carries Access-Control-Allow-Origin, so the browser still refuses it.
MAX_AGE_SECONDS = 86400

# A real preflight lists a handful of names; anything far longer is refused unread.
MAX_REQUEST_HEADERS_LENGTH = 1024

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_ALLOWED_METHODS = frozenset(ALLOWED_METHODS)
_ALLOWED_HEADER_NAMES = frozenset(h.lower() for h in ALLOWED_REQUEST_HEADERS)

_EXPOSE = ", ".join(EXPOSED_HEADERS)
_PREFLIGHT_CONSTANT = {
    "Access-Control-Allow-Methods": ", ".join(ALLOWED_METHODS),
    "Access-Control-Allow-Headers": ", ".join(ALLOWED_REQUEST_HEADERS),
    "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
    "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
}


def response_headers(origin: str) -> dict[str, str]:
    """Headers for an answer (success or error) to an allowed ``origin``, as the browser sent it."""
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": _EXPOSE,
        "Vary": "Origin",
    }


# Allowed origins are few (each key's allow list); a made-up one never reaches these caches,
# since the origin is checked against the key before any answer is built.
@lru_cache(maxsize=1024)
def _response_raw(origin: str) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(encode_headers(response_headers(origin)))


def response_raw(origin: str) -> list[tuple[bytes, bytes]]:
    """:func:`response_headers` as encoded header lines, built once per origin."""
    return list(_response_raw(origin))


@lru_cache(maxsize=1024)
def _preflight_raw(origin: str) -> tuple[tuple[bytes, bytes], ...]:
    headers = {"Access-Control-Allow-Origin": origin, **_PREFLIGHT_CONSTANT}
    return tuple(encode_headers(headers))


@lru_cache(maxsize=256)
def _checked(request_method: str, request_headers: str | None) -> None:
    preflight_headers("", request_method, request_headers)


def preflight_raw(
    origin: str, request_method: str | None, request_headers: str | None
) -> tuple[tuple[bytes, bytes], ...]:
    """:func:`preflight_headers` as encoded header lines, built once per origin; the requested
    method and headers are checked as there (each distinct pair of values once: a refusal is
    never cached, it raises again every time)."""
    if request_method is None or (request_headers and len(request_headers) > 256):
        preflight_headers(origin, request_method, request_headers)  # raises or checks in full
    else:
        _checked(request_method, request_headers)
    return _preflight_raw(origin)


def preflight_headers(
    origin: str, request_method: str | None, request_headers: str | None
) -> dict[str, str]:
    """Headers for a successful preflight from an allowed ``origin``.

    ``request_method`` and ``request_headers`` are the raw ``Access-Control-Request-Method`` and
    ``Access-Control-Request-Headers`` values. Raises :class:`PreflightRefused` when the preflight
    asks for something the API does not accept, so the browser never sends the actual request.
    """
    if request_method is None:
        raise PreflightRefused("Access-Control-Request-Method is missing: not a CORS preflight")
    # Browsers upper-case the standard methods before asking; other methods are case-sensitive
    # and none of them is accepted, so comparing the upper-cased value is safe.
    if request_method.strip().upper() not in _ALLOWED_METHODS:
        raise PreflightRefused(
            "method not accepted; allowed: " + _PREFLIGHT_CONSTANT["Access-Control-Allow-Methods"]
        )
    if request_headers:
        _check_request_headers(request_headers)
    return {"Access-Control-Allow-Origin": origin, **_PREFLIGHT_CONSTANT}


def _check_request_headers(value: str) -> None:
    if len(value) > MAX_REQUEST_HEADERS_LENGTH:
        raise PreflightRefused("Access-Control-Request-Headers is too long")
    for name in value.split(","):
        name = name.strip()
        if not name:
            continue
        if not _TOKEN.fullmatch(name):
            raise PreflightRefused("Access-Control-Request-Headers holds an invalid header name")
        if name.lower() not in _ALLOWED_HEADER_NAMES:
            # Only names from our own fixed list are echoed; an arbitrary name is not repeated.
            raise PreflightRefused(
                "request header not accepted; allowed: "
                + _PREFLIGHT_CONSTANT["Access-Control-Allow-Headers"]
            )


def merge_vary(existing: str | None, *names: str) -> str:
    """Add ``names`` to a ``Vary`` value without duplicating one already there."""
    present = [v.strip() for v in existing.split(",") if v.strip()] if existing else []
    if "*" in present:
        return "*"
    lowered = {v.lower() for v in present}
    for name in names:
        if name.lower() not in lowered:
            present.append(name)
            lowered.add(name.lower())
    return ", ".join(present)
