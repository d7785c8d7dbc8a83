"""Signed form tokens: the rights form's quiet anti-spam check.

The config endpoint hands out a token that says which key it was issued for and when. A
submission must bring one back that is genuine (signed with a current or retired secret), for
the same key, old enough that a person could have filled the form in, and young enough that it
was not harvested long ago. The issue time is in the payload, in milliseconds, rather than
itsdangerous' own whole-second timestamp: the "too young" check needs sub-second precision, and
tests inject the clock.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from gateway.errors import FormTokenExpired, FormTokenInvalid, SubmittedTooFast
from gateway.signing import is_canonical

PURPOSE = "form-token"
MAX_TOKEN_LENGTH = 512
_NONCE = re.compile(r"[0-9a-f]{24}")


@dataclass(frozen=True)
class CheckedToken:
    """A token that passed every check: its age, its nonce and when it stops being valid."""

    age: float
    nonce: str
    expires_at: float


@dataclass(frozen=True)
class FormTokens:
    """Issues and checks form tokens for one gateway (``serializer`` from ``signing``)."""

    serializer: URLSafeTimedSerializer
    min_age: float
    max_age: float

    def issue(self, public_key: str, now: float) -> str:
        """A token for a form shown at ``now`` (seconds since the epoch) for ``public_key``."""
        payload = {"k": public_key, "t": int(now * 1000), "n": secrets.token_hex(12)}
        return str(self.serializer.dumps(payload))

    def check(self, token: Any, public_key: str, now: float) -> CheckedToken:
        """Accept ``token`` for ``public_key`` at ``now``: its age, nonce and expiry.

        The nonce makes the token single-use: the API claims it (:mod:`gateway.rights.nonces`)
        before a request is stored, so a harvested token sends one request, not thousands.

        Raises :class:`FormTokenInvalid` (missing, forged, other key), :class:`SubmittedTooFast`
        or :class:`FormTokenExpired`.
        """
        if (
            not isinstance(token, str)
            or not 0 < len(token) <= MAX_TOKEN_LENGTH
            or not is_canonical(token)
        ):
            raise FormTokenInvalid("The form token is missing or malformed.")
        try:
            payload = self.serializer.loads(token)
        except BadSignature:
            raise FormTokenInvalid("The form token is not genuine.") from None
        if (
            not isinstance(payload, dict)
            or payload.get("k") != public_key
            or not isinstance(payload.get("t"), int)
            or not isinstance(payload.get("n"), str)
            or not _NONCE.fullmatch(payload["n"])
        ):
            # Same words as a forgery: the answer must not help probe which key a token is for.
            raise FormTokenInvalid("The form token is not genuine.")
        age: float = now - payload["t"] / 1000
        if age < self.min_age:
            raise SubmittedTooFast(
                "The form was sent too soon after it was shown.",
                extra={"retry_after_ms": max(1, int((self.min_age - age) * 1000))},
            )
        if age > self.max_age:
            raise FormTokenExpired("The form was opened too long ago; load a fresh token.")
        return CheckedToken(age, payload["n"], payload["t"] / 1000 + self.max_age)
