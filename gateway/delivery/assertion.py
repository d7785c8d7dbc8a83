"""The signed gateway assertion a record carries to the consent and rights services.

Every HTTP delivery carries ``X-Gateway-Assertion``: an ``itsdangerous`` timed token (salt
``"assertion"``, the gateway's signing secrets) that says which key, account and origin the record
came through, when the gateway received it, its id, and a SHA-256 digest of the exact body
posted. The digest ties the assertion to that body, so a valid assertion cannot be replayed with
another record.

A Python service verifies it with :func:`verify_assertion`; any other language can do the same
with an itsdangerous-compatible implementation (see ``docs/delivery.md``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from gateway.clock import system_clock
from gateway.delivery.envelope import Envelope
from gateway.errors import AssertionExpired, AssertionRefused
from gateway.signing import Signing

HEADER = "X-Gateway-Assertion"
# The itsdangerous salt is "widget-gateway." + PURPOSE.
PURPOSE = "assertion"
# A receiving service's clock may run a little behind the gateway's.
CLOCK_SKEW = 30.0


@dataclass(frozen=True)
class Assertion:
    """What the gateway vouches for about one delivered record."""

    key: str
    account: str
    origin: str
    record_id: str
    received_at: str
    digest: str
    signed_at: float
    # On API calls forwarded to a service (not on deliveries): who called, with which scopes.
    subject: str = ""
    scope: str = ""


def serializer(secrets: Sequence[str]) -> URLSafeTimedSerializer:
    """The assertion serializer for ``secrets``, newest first (the order of the settings).

    The same as the gateway's ``services.signing.serializer("assertion")``: salt
    ``widget-gateway.assertion``, signed with the first secret, verified with any.
    """
    return Signing(secrets).serializer(PURPOSE)


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def sign_assertion(signer: URLSafeTimedSerializer, record: Envelope, body: bytes) -> str:
    """The assertion header value for ``record`` posted as ``body``."""
    return sign_claims(
        signer,
        key=record.public_key,
        account=record.account,
        origin=record.origin,
        rid=record.id,
        received_at=record.received_at,
        body=body,
    )


def sign_claims(
    signer: URLSafeTimedSerializer,
    *,
    key: str,
    account: str,
    origin: str,
    rid: str,
    received_at: str,
    body: bytes,
    subject: str = "",
    scope: str = "",
) -> str:
    """An assertion for ``body``; ``subject`` and ``scope`` name an API caller (forwarded calls)."""
    claims = {
        "key": key,
        "account": account,
        "origin": origin,
        "rid": rid,
        "received_at": received_at,
        "digest": body_digest(body),
    }
    if subject:
        claims["subject"] = subject
    if scope:
        claims["scope"] = scope
    token = signer.dumps(claims)
    return token if isinstance(token, str) else token.decode()


def verify_assertion(
    header: str | None,
    secrets: Sequence[str],
    max_age: float,
    *,
    body: bytes | None = None,
    now: float | None = None,
) -> Assertion:
    """Check an ``X-Gateway-Assertion`` value and return what it asserts.

    ``secrets`` are the gateway's signing secrets (any order works for verifying); ``max_age`` is
    how many seconds after signing the service still accepts it (deliveries are retried, so allow
    for the gateway's retry window, not just network delay). Pass the raw request ``body`` to
    check it is the body the gateway signed. ``now`` (epoch seconds) is injectable for tests.

    Raises :class:`~gateway.errors.AssertionExpired` for a genuine but old assertion and
    :class:`~gateway.errors.AssertionRefused` for anything else wrong.
    """
    if not header:
        raise AssertionRefused("missing gateway assertion")
    try:
        claims, signed = serializer(secrets).loads(header, max_age=None, return_timestamp=True)
    except SignatureExpired:  # pragma: no cover - max_age=None never expires here
        raise AssertionExpired() from None
    except BadData:
        raise AssertionRefused("assertion signature does not verify") from None
    if not isinstance(claims, dict):
        raise AssertionRefused("assertion has an unexpected shape")
    signed_at = signed.timestamp()
    current = system_clock() if now is None else now
    if current - signed_at > max_age:
        raise AssertionExpired(f"assertion older than {max_age:g} seconds")
    if signed_at - current > CLOCK_SKEW:
        raise AssertionRefused("assertion signed in the future")
    try:
        assertion = Assertion(
            key=str(claims["key"]),
            account=str(claims["account"]),
            origin=str(claims["origin"]),
            record_id=str(claims["rid"]),
            received_at=str(claims["received_at"]),
            digest=str(claims["digest"]),
            signed_at=signed_at,
            subject=str(claims.get("subject", "")),
            scope=str(claims.get("scope", "")),
        )
    except KeyError:
        raise AssertionRefused("assertion lacks a claim") from None
    if body is not None and not hmac.compare_digest(assertion.digest, body_digest(body)):
        raise AssertionRefused("body does not match the assertion")
    return assertion
