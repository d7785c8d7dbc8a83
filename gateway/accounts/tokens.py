"""Random tokens and ids, and the digests that are stored instead of tokens.

Tokens (session ids, invitation and reset links) carry 256 random bits, so one SHA-256 digest is
enough to store them: nothing can be guessed from it and no slow hash is needed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_id(prefix: str) -> str:
    """``acct_…``, ``per_…``, ``inv_…``: 100 random bits in lower-case base32."""
    body = base64.b32encode(secrets.token_bytes(15)).decode().rstrip("=").lower()[:20]
    return f"{prefix}_{body}"
