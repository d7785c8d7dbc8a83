"""The signed gateway assertion a record carries to the consent and rights services.

Every HTTP delivery (and every API call forwarded to a service) carries ``X-Gateway-Assertion``:
a JWS (compact JWT, ``typ`` ``wg-assertion+jwt``) signed ES256 with the gateway's assertion keys,
whose public halves the gateway publishes as a JWKS. It says which service it is for (``aud``:
the URL the operator configured for that service), which key, account and origin the record came
through, when the gateway received it, its id, and a SHA-256 digest of the exact body posted. The
digest ties the assertion to that body and the audience to that service, so a valid assertion
cannot be replayed with another record or to another service; and a service holds only public
keys, so it can verify assertions but never make one.

A Python service verifies it with :func:`verify_jws_assertion` and the JWKS; any other language
with a stock JWT library (see ``docs/delivery.md``).

The earlier form, an ``itsdangerous`` timed token signed with the gateway's shared secrets
(:func:`sign_claims`, :func:`verify_assertion`), is sent only while an operator keeps
``GATEWAY_ASSERTION_LEGACY_HMAC`` on, in ``X-Gateway-Assertion-Legacy``, for services not yet
moved over.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from gateway.clock import Clock, system_clock
from gateway.delivery.envelope import Envelope
from gateway.errors import AssertionExpired, AssertionRefused
from gateway.signing import Signing

HEADER = "X-Gateway-Assertion"
LEGACY_HEADER = "X-Gateway-Assertion-Legacy"
JWS_TYPE = "wg-assertion+jwt"
ALGORITHM = "ES256"
# The current assertion key: its ``kid`` and the key (see gateway/oauth/signing_keys.py).
KeySource = Callable[[], Awaitable[tuple[str, ECKey]]]
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
    # The service the assertion is for (JWS assertions only).
    audience: str = ""


class AssertionSigner:
    """Signs assertions for one gateway: the JWS with the current assertion key, and the legacy
    HMAC token too when ``legacy`` (a serializer of the shared secrets) is given."""

    def __init__(
        self,
        keys: KeySource,
        legacy: URLSafeTimedSerializer | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.keys = keys
        self.legacy = legacy
        self.clock = clock

    async def for_record(self, record: Envelope, body: bytes, audience: str) -> dict[str, str]:
        """The assertion headers for delivering ``record`` as ``body`` to ``audience``."""
        return await self.headers(
            audience,
            key=record.public_key,
            account=record.account,
            origin=record.origin,
            rid=record.id,
            received_at=record.received_at,
            body=body,
        )

    async def headers(
        self,
        audience: str,
        *,
        key: str,
        account: str,
        origin: str,
        rid: str,
        received_at: str,
        body: bytes,
        subject: str = "",
        scope: str = "",
    ) -> dict[str, str]:
        """The assertion headers for ``body`` sent to the service at ``audience``."""
        record = record_claims(
            key=key,
            account=account,
            origin=origin,
            rid=rid,
            received_at=received_at,
            body=body,
            subject=subject,
            scope=scope,
        )
        claims: dict[str, object] = {"aud": audience, "iat": int(self.clock()), **record}
        kid, signing_key = await self.keys()
        header = {"typ": JWS_TYPE, "alg": ALGORITHM, "kid": kid}
        out = {HEADER: jwt.encode(header, claims, signing_key, algorithms=[ALGORITHM])}
        if self.legacy is not None:
            out[LEGACY_HEADER] = _dumps(self.legacy, record)
        return out


def verify_jws_assertion(
    header: str | None,
    keys: KeySet,
    audience: str,
    max_age: float,
    *,
    body: bytes | None = None,
    now: float | None = None,
) -> Assertion:
    """Check an ``X-Gateway-Assertion`` JWS with the gateway's public keys and return it.

    ``keys`` is the gateway's published assertion JWKS (``KeySet.import_key_set(jwks)``);
    ``audience`` this service's URL as the gateway's operator configured it — an assertion
    for any other service is refused. ``max_age``, ``body`` and ``now`` as for
    :func:`verify_assertion`. Raises :class:`~gateway.errors.AssertionExpired` or
    :class:`~gateway.errors.AssertionRefused`.
    """
    if not header:
        raise AssertionRefused("missing gateway assertion")
    try:
        decoded = jwt.decode(header, keys, algorithms=[ALGORITHM])
    except (JoseError, ValueError, TypeError, KeyError, UnicodeError):
        raise AssertionRefused("assertion signature does not verify") from None
    if decoded.header.get("typ") != JWS_TYPE:
        raise AssertionRefused("not a gateway assertion")
    c = decoded.claims
    if c.get("aud") != audience:
        raise AssertionRefused("assertion is for another service")
    try:
        signed_at = float(c["iat"])
        assertion = Assertion(
            key=str(c["key"]),
            account=str(c["account"]),
            origin=str(c["origin"]),
            record_id=str(c["rid"]),
            received_at=str(c["received_at"]),
            digest=str(c["digest"]),
            signed_at=signed_at,
            subject=str(c.get("subject", "")),
            scope=str(c.get("scope", "")),
            audience=audience,
        )
    except (KeyError, TypeError, ValueError):
        raise AssertionRefused("assertion lacks a claim") from None
    _check_age(signed_at, max_age, now)
    if body is not None and not hmac.compare_digest(assertion.digest, body_digest(body)):
        raise AssertionRefused("body does not match the assertion")
    return assertion


def _check_age(signed_at: float, max_age: float, now: float | None) -> None:
    current = system_clock() if now is None else now
    if current - signed_at > max_age:
        raise AssertionExpired(f"assertion older than {max_age:g} seconds")
    if signed_at - current > CLOCK_SKEW:
        raise AssertionRefused("assertion signed in the future")


def serializer(secrets: Sequence[str]) -> URLSafeTimedSerializer:
    """The assertion serializer for ``secrets``, newest first (the order of the settings).

    The same as the gateway's ``services.signing.serializer("assertion")``: salt
    ``widget-gateway.assertion``, signed with the first secret, verified with any.
    """
    return Signing(secrets).serializer(PURPOSE)


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def sign_assertion(signer: URLSafeTimedSerializer, record: Envelope, body: bytes) -> str:
    """The legacy (HMAC) assertion header value for ``record`` posted as ``body``."""
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
    claims = record_claims(
        key=key,
        account=account,
        origin=origin,
        rid=rid,
        received_at=received_at,
        body=body,
        subject=subject,
        scope=scope,
    )
    return _dumps(signer, claims)


def record_claims(
    *,
    key: str,
    account: str,
    origin: str,
    rid: str,
    received_at: str,
    body: bytes,
    subject: str = "",
    scope: str = "",
) -> dict[str, str]:
    """What both assertion forms say about a record: whose, from where, which, and its digest.
    ``subject`` and ``scope`` appear only for an API caller's forwarded call."""
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
    return claims


def _dumps(signer: URLSafeTimedSerializer, claims: dict[str, str]) -> str:
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
    """Check a legacy (HMAC) assertion value and return what it asserts.

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
    _check_age(signed_at, max_age, now)
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
