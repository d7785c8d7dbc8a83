"""Access tokens: JWTs per RFC 9068, signed with the keyring's current ES256 key.

Header ``{"typ": "at+jwt", "alg": "ES256", "kid": …}``; claims ``iss``, ``aud`` (the API, issuer
+ ``/api/v1``), ``sub`` (the public key for client credentials, the member for an authorization
code), ``client_id`` (the public key), ``account``, ``scope``, ``jti``, ``iat``, ``exp``, ``sid``
(the grant family, see :mod:`gateway.oauth.store`) and ``kv``, the key version: which private key
the client authenticated with (a short digest of its stored hash), or ``public`` for a public
client. A token is good while its key is active and, for ``kv`` other than ``public``, while that
private key is valid — so a roll's grace period ends the old private key's tokens with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from gateway.keys.model import ApiKey
from gateway.oauth.signing_keys import ALGORITHM, Keyring

TOKEN_TYPE = "at+jwt"
PUBLIC_KV = "public"
LEEWAY = 5  # seconds of clock difference between instances forgiven on iat


def key_version(private_key_digest: str) -> str:
    return hashlib.sha256(("kv:" + private_key_digest).encode()).hexdigest()[:16]


def kv_valid(key: ApiKey, kv: str, now: float) -> bool:
    if kv == PUBLIC_KV:
        return True
    return any(key_version(p.digest) == kv and p.valid_at(now) for p in key.private_keys)


def audience(issuer: str) -> str:
    return issuer.rstrip("/") + "/api/v1"


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says."""

    issuer: str
    subject: str
    client_id: str
    account: str
    scopes: frozenset[str]
    jti: str
    sid: str
    kv: str
    issued_at: int
    expires_at: int


def issue(
    kid: str,
    signing_key: ECKey,
    *,
    issuer: str,
    key: ApiKey,
    subject: str,
    scope: str,
    sid: str,
    kv: str,
    now: float,
    ttl: int,
) -> str:
    at = int(now)
    claims = {
        "iss": issuer,
        "aud": audience(issuer),
        "sub": subject,
        "client_id": key.public_key,
        "account": key.account,
        "scope": scope,
        "jti": secrets.token_urlsafe(16),
        "iat": at,
        "exp": at + ttl,
        "sid": sid,
        "kv": kv,
    }
    header = {"typ": TOKEN_TYPE, "alg": ALGORITHM, "kid": kid}
    return jwt.encode(header, claims, signing_key, algorithms=[ALGORITHM])


class TokenInvalid(Exception):
    """The token is not one this gateway issued, or no longer valid; the message says why.

    ``client_id`` is set once the signature verified: the token is genuine, only too old or
    too young.
    """

    def __init__(self, reason: str, client_id: str | None = None) -> None:
        super().__init__(reason)
        self.client_id = client_id


def kid_of(token: str) -> str | None:
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError):
        return None
    kid = header.get("kid")
    return kid if isinstance(kid, str) else None


def verify(token: str, keyring: Keyring, issuer: str, now: float) -> AccessClaims:
    """Signature, type, issuer, audience and lifetime of ``token``; not its key or family."""
    try:
        decoded = jwt.decode(token, keyring.keyset(), algorithms=[ALGORITHM])
    except (JoseError, ValueError, UnicodeError) as exc:
        raise TokenInvalid("the token's signature does not verify") from exc
    if decoded.header.get("typ") != TOKEN_TYPE:
        raise TokenInvalid("not an access token")
    c = decoded.claims
    try:
        exp, iat = int(c["exp"]), int(c["iat"])
        if c["iss"] != issuer or c["aud"] != audience(issuer):
            raise TokenInvalid("the token was issued for another server")
        result = AccessClaims(
            issuer=str(c["iss"]),
            subject=str(c["sub"]),
            client_id=str(c["client_id"]),
            account=str(c["account"]),
            scopes=frozenset(str(c["scope"]).split()),
            jti=str(c["jti"]),
            sid=str(c["sid"]),
            kv=str(c["kv"]),
            issued_at=iat,
            expires_at=exp,
        )
    except (KeyError, TypeError, ValueError):
        raise TokenInvalid("the token lacks a claim") from None
    check_lifetime(result, now)
    return result


def check_lifetime(claims: AccessClaims, now: float) -> None:
    """Refuse a genuine token that has expired or was issued in the future."""
    if now >= claims.expires_at:
        raise TokenInvalid("the token has expired", claims.client_id)
    if claims.issued_at > now + LEEWAY:
        raise TokenInvalid("the token was issued in the future", claims.client_id)
