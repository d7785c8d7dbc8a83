"""The requester's codes and links: made from a CSPRNG, kept only as keyed hashes.

A 6-digit code has a million values, so a plain hash of it would be undone by trying them all;
the HMAC is keyed with the gateway's secret and bound to the request's reference, so a copy of
the database alone reveals no code. The e-mailed link carries a signed, timed token naming the
reference only (no address), checked by the signature: nothing to store, and it keeps working
across re-sent codes until the request would expire.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CODE_DIGITS = 6
LINK_PURPOSE = "requester-link"


def new_code() -> str:
    """Six decimal digits, leading zeros kept."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def normalise_code(raw: object) -> str | None:
    """The code as typed, without spaces or dashes; None when it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 20:
        return None
    digits = raw.replace(" ", "").replace("-", "")
    return digits if len(digits) == CODE_DIGITS and digits.isascii() and digits.isdigit() else None


def code_hash(secret: str, reference: str, code: str) -> str:
    message = f"rights-code:{reference}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def address_id(secret: str, email: str) -> str:
    """Who the per-address limit counts, without the address itself."""
    message = b"verify-email:" + email.strip().lower().encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def link_token(serializer: URLSafeTimedSerializer, reference: str) -> str:
    return serializer.dumps(reference)


def link_reference(serializer: URLSafeTimedSerializer, token: object, max_age: float) -> str | None:
    """The reference a link's token names, or None: forged, expired, or not a token at all."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    try:
        reference = serializer.loads(token, max_age=int(max_age))
    except (BadSignature, SignatureExpired):
        return None
    return reference if isinstance(reference, str) else None
