"""CORS header functions, checked the way a browser checks them (Fetch standard, CORS check)."""

from __future__ import annotations

import json

import pytest

from gateway.errors import PreflightRefused, RateLimited, problem_response
from gateway.web.cors import (
    ALLOWED_REQUEST_HEADERS,
    EXPOSED_HEADERS,
    merge_vary,
    preflight_headers,
    response_headers,
)

ORIGIN = "https://shop.example"
CORS_SAFELISTED_METHODS = {"GET", "HEAD", "POST"}


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def browser_reads(headers: dict[str, str], origin: str, header: str) -> bool:
    """Whether script on ``origin`` may read response ``header`` from a non-credentialed fetch."""
    headers = {k.lower(): v for k, v in headers.items()}
    if headers.get("access-control-allow-origin") not in (origin, "*"):
        return False
    safelisted = {"cache-control", "content-language", "content-length", "content-type"}
    exposed = {h.lower() for h in _list(headers.get("access-control-expose-headers", ""))}
    return header.lower() in safelisted | exposed


def browser_passes_preflight(
    headers: dict[str, str], origin: str, method: str, request_headers: list[str]
) -> bool:
    """The Fetch standard's checks on a preflight answer, for a request without credentials."""
    if headers.get("Access-Control-Allow-Origin") not in (origin, "*"):
        return False
    methods = set(_list(headers.get("Access-Control-Allow-Methods", "")))
    if method not in methods | CORS_SAFELISTED_METHODS and "*" not in methods:
        return False
    allowed = {h.lower() for h in _list(headers.get("Access-Control-Allow-Headers", ""))}
    return all(h.lower() in allowed or "*" in allowed for h in request_headers)


# --- actual answers ------------------------------------------------------------------------------


def test_answer_echoes_the_exact_origin_and_varies_on_it() -> None:
    headers = response_headers(ORIGIN)
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in _list(headers["Vary"])
    assert "Access-Control-Allow-Credentials" not in headers
    assert response_headers("http://localhost:3000")["Access-Control-Allow-Origin"] == (
        "http://localhost:3000"
    )


@pytest.mark.parametrize("header", ["RateLimit", "RateLimit-Policy", "Retry-After", "ETag"])
def test_widget_can_read_limit_and_cache_headers(header: str) -> None:
    assert header in EXPOSED_HEADERS
    assert browser_reads(response_headers(ORIGIN), ORIGIN, header)
    assert not browser_reads(response_headers(ORIGIN), "https://evil.example", header)


def test_error_answer_carries_cors_headers_the_widget_can_read() -> None:
    error = RateLimited("slow down", headers={"Retry-After": "30", "RateLimit": "limit=10"})
    response = problem_response(error, headers=response_headers(ORIGIN))
    headers = dict(response.headers.items())
    assert response.status_code == 429
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert browser_reads(headers, ORIGIN, "Retry-After")
    assert browser_reads(headers, ORIGIN, "RateLimit")
    assert json.loads(bytes(response.body))["code"] == "rate_limited"


# --- preflights ----------------------------------------------------------------------------------

ACCEPTED = {
    "get": ("GET", None, []),
    "post-json": ("POST", "content-type", ["content-type"]),
    "post-mixed-case": (
        "POST",
        "Content-Type, Idempotency-Key",
        ["Content-Type", "Idempotency-Key"],
    ),
    "lower-case-method": ("post", "content-type", ["content-type"]),
    "sloppy-list": ("POST", " content-type ,, if-none-match ", ["content-type", "if-none-match"]),
    "empty-headers": ("GET", "", []),
    "head": ("HEAD", "accept-language", ["accept-language"]),
    # A host page's monitoring (OpenTelemetry, Sentry) adds these to every fetch, the widgets' too.
    "tracing": (
        "GET",
        "baggage,sentry-trace,traceparent,tracestate",
        ["baggage", "sentry-trace", "traceparent", "tracestate"],
    ),
}


@pytest.mark.parametrize(
    ("method", "requested", "sent"), list(ACCEPTED.values()), ids=list(ACCEPTED)
)
def test_preflight_accepted_by_the_browser(
    method: str, requested: str | None, sent: list[str]
) -> None:
    headers = preflight_headers(ORIGIN, method, requested)
    assert browser_passes_preflight(headers, ORIGIN, method.upper(), sent)
    assert int(headers["Access-Control-Max-Age"]) >= 600
    assert "Access-Control-Allow-Credentials" not in headers
    assert set(_list(headers["Vary"])) >= {
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
    }


REFUSED = {
    "no-method": (None, None, "missing"),
    "put": ("PUT", None, "method"),
    "delete": ("DELETE", None, "method"),
    "patch": ("PATCH", "content-type", "method"),
    "authorization": ("POST", "content-type, authorization", "request header"),
    "cookie": ("GET", "cookie", "request header"),
    "custom": ("POST", "x-sk-live-secret", "request header"),
    "invalid-name": ("POST", "content type", "invalid"),
    "too-long": ("POST", "content-type," * 200, "too long"),
}


@pytest.mark.parametrize(
    ("method", "requested", "reason"), list(REFUSED.values()), ids=list(REFUSED)
)
def test_preflight_refused_with_stable_code(
    method: str | None, requested: str | None, reason: str
) -> None:
    with pytest.raises(PreflightRefused) as caught:
        preflight_headers(ORIGIN, method, requested)
    problem = caught.value.to_problem()
    assert problem["code"] == "preflight_refused"
    assert problem["status"] == 403
    assert reason in problem["detail"]
    # Only names from the API's own list appear in the answer, never what was asked for.
    assert "x-sk-live-secret" not in problem["detail"]
    assert "cookie" not in problem["detail"].lower()


def test_authorization_is_never_allowed() -> None:
    assert "authorization" not in {h.lower() for h in ALLOWED_REQUEST_HEADERS}


# --- Vary ----------------------------------------------------------------------------------------

VARY = {
    "none": (None, ("Origin",), "Origin"),
    "empty": ("", ("Origin",), "Origin"),
    "append": ("Accept-Encoding", ("Origin",), "Accept-Encoding, Origin"),
    "already": ("origin, Accept-Language", ("Origin",), "origin, Accept-Language"),
    "star": ("*", ("Origin",), "*"),
    "several": (
        "Accept-Encoding",
        ("Origin", "Accept-Encoding", "Accept-Language"),
        "Accept-Encoding, Origin, Accept-Language",
    ),
}


@pytest.mark.parametrize(("existing", "names", "merged"), list(VARY.values()), ids=list(VARY))
def test_merge_vary_keeps_every_name_once(
    existing: str | None, names: tuple[str, ...], merged: str
) -> None:
    assert merge_vary(existing, *names) == merged
