"""TOTP second factor (RFC 6238 through ``pyotp``) and single-use recovery codes.

A code is accepted for the current 30-second step and one step either side (clocks drift), and
only for a step later than the newest one already used: a code seen once cannot be played again,
not even within its window. The store records that step with a conditional update, so two
instances that receive the same code at once accept it only once.

Recovery codes: ten of 80 random bits each, shown once, stored as SHA-256 digests (80 random bits
need no slow hash), each usable once.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from urllib.parse import quote

import pyotp

from gateway.accounts.tokens import digest

STEP_SECONDS = 30
WINDOW = 1  # steps accepted either side of the current one
RECOVERY_CODES = 10
ISSUER = "Widget Gateway"


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (as a QR code or pasted)."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(
        name=quote(email, safe="@"), issuer_name=ISSUER
    )


def matching_step(secret: str, code: str, now: float, after_step: int | None) -> int | None:
    """The time step ``code`` belongs to, if valid at ``now`` and later than ``after_step``."""
    cleaned = code.replace(" ", "").strip()
    if not (len(cleaned) == 6 and cleaned.isascii() and cleaned.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = totp.timecode(now)
    found: int | None = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # Every candidate is compared, so the time spent does not tell which one matched.
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), cleaned) and found is None:
            found = step
    if found is None or (after_step is not None and found <= after_step):
        return None
    return found


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        body = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(body[i : i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_digest(code: str) -> str:
    return digest(code.strip().lower().replace(" ", ""))
