"""Key strings and the key record.

A key string is a prefix (``pk_`` public, ``sk_`` private), 160 random bits in lower-case base32,
and a 6-character checksum over both. The checksum lets the gateway refuse a malformed or mistyped
key without touching any store. Private keys are never stored: only their SHA-256 digest is, since
160 random bits need no slow hash to resist guessing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from gateway.clock import system_clock

PUBLIC_PREFIX = "pk_"
PRIVATE_PREFIX = "sk_"
_RANDOM_BYTES = 20
_BODY_CHARS = 32
_CHECK_CHARS = 6
_KEY_RE = re.compile(rf"^(pk|sk)_[a-z2-7]{{{_BODY_CHARS + _CHECK_CHARS}}}$")

WIDGETS = ("consent", "rights")
LIMIT_NAMES = (
    "per_ip",
    "per_key",
    "consent_per_ip",
    "rights_per_ip",
    "rights_per_email",
    "verify_per_ip",
    "verify_per_email",
    "space_messages_per_ip",
    "space_messages_per_email",
)
# What an API client may be allowed to do (OAuth2 scopes); ``offline_access`` asks for a refresh
# token in the authorization-code flow. A new key allows them all unless narrowed.
API_SCOPES = ("consents:read", "rights:read", "rights:write", "webhooks:manage")
OFFLINE_ACCESS = "offline_access"
SCOPES = (*API_SCOPES, OFFLINE_ACCESS)
Status = Literal["active", "revoked"]


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=").lower()


def _checksum(prefix: str, body: str) -> str:
    return _b32(hashlib.sha256((prefix + body).encode()).digest())[:_CHECK_CHARS]


def new_key_string(prefix: str) -> str:
    body = _b32(secrets.token_bytes(_RANDOM_BYTES))
    return prefix + body + _checksum(prefix, body)


def is_well_formed(key: str, prefix: str) -> bool:
    """Shape and checksum of a key string; no store is consulted."""
    if len(key) != len(prefix) + _BODY_CHARS + _CHECK_CHARS or not key.startswith(prefix):
        return False
    return _shape_and_checksum_ok(key, prefix)


# Memoised: the same few keys arrive on every request, and the checksum is a hash and an encode.
# Only strings of a key's length get here, so the cache stays small.
@functools.lru_cache(maxsize=4096)
def _shape_and_checksum_ok(key: str, prefix: str) -> bool:
    if _KEY_RE.match(key) is None:
        return False
    body = key[len(prefix) : len(prefix) + _BODY_CHARS]
    return hmac.compare_digest(key[len(prefix) + _BODY_CHARS :], _checksum(prefix, body))


def hash_private_key(private_key: str) -> str:
    return hashlib.sha256(private_key.encode()).hexdigest()


@dataclass(frozen=True)
class PrivateKeyHash:
    """The digest of one valid private key; ``expires_at`` is set on the old one after a roll."""

    digest: str
    created_at: float
    expires_at: float | None = None

    def valid_at(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class ApiKey:
    """One key of an account: what the store holds about it."""

    public_key: str
    account: str
    name: str
    origins: tuple[str, ...] = ()
    redirect_uris: tuple[str, ...] = ()
    widgets: tuple[str, ...] = WIDGETS
    consent_config: dict[str, Any] | None = None
    rights_config: dict[str, Any] | None = None
    limits: dict[str, str] = field(default_factory=dict)
    status: Status = "active"
    created_at: float = 0.0
    updated_at: float = 0.0
    revoked_at: float | None = None
    private_keys: tuple[PrivateKeyHash, ...] = ()
    exposed_at: float | None = None
    scopes: tuple[str, ...] = SCOPES
    # Set while the key's account is suspended by an operator: widgets and servers are refused.
    account_suspended_at: float | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def accepts_private_key(self, private_key: str, now: float | None = None) -> bool:
        """Constant-time check of ``private_key`` against every valid digest."""
        if not is_well_formed(private_key, PRIVATE_PREFIX):
            return False
        digest = hash_private_key(private_key)
        at = system_clock() if now is None else now
        found = False
        for entry in self.private_keys:
            # No early exit: the time taken does not depend on which digest matched.
            found |= hmac.compare_digest(entry.digest, digest) and entry.valid_at(at)
        return found

    def limit(self, name: str, default: str) -> str:
        """The key's override for limit ``name``, or ``default``."""
        return self.limits.get(name) or default

    def to_json(self) -> dict[str, Any]:
        return {
            "public_key": self.public_key,
            "account": self.account,
            "name": self.name,
            "origins": list(self.origins),
            "redirect_uris": list(self.redirect_uris),
            "widgets": list(self.widgets),
            "consent_config": self.consent_config,
            "rights_config": self.rights_config,
            "limits": dict(self.limits),
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "revoked_at": self.revoked_at,
            "private_keys": [
                {"digest": p.digest, "created_at": p.created_at, "expires_at": p.expires_at}
                for p in self.private_keys
            ],
            "exposed_at": self.exposed_at,
            "scopes": list(self.scopes),
            "account_suspended_at": self.account_suspended_at,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiKey:
        return cls(
            public_key=data["public_key"],
            account=data["account"],
            name=data["name"],
            origins=tuple(data.get("origins", ())),
            redirect_uris=tuple(data.get("redirect_uris", ())),
            widgets=tuple(data.get("widgets", WIDGETS)),
            consent_config=data.get("consent_config"),
            rights_config=data.get("rights_config"),
            limits=dict(data.get("limits") or {}),
            status=data.get("status", "active"),
            created_at=data.get("created_at", 0.0),
            updated_at=data.get("updated_at", 0.0),
            revoked_at=data.get("revoked_at"),
            private_keys=tuple(PrivateKeyHash(**p) for p in data.get("private_keys", ())),
            exposed_at=data.get("exposed_at"),
            scopes=tuple(data.get("scopes", SCOPES)),
            account_suspended_at=data.get("account_suspended_at"),
        )

    def public_view(self) -> dict[str, Any]:
        """What an operator may see: everything but the private-key digests."""
        data = self.to_json()
        data["private_keys"] = [
            {"created_at": p.created_at, "expires_at": p.expires_at} for p in self.private_keys
        ]
        data["exposed"] = self.exposed_at is not None
        return data


def decode_record(data: Any) -> ApiKey | None:
    """A stored record as a key, or None when it cannot be one: malformed (a hand edit, an older
    writer), or holding text that no answer could carry (a lone surrogate, NUL). The stores skip
    such a record rather than fail every listing, and log its public key only."""
    from gateway.web.text import tree_problems

    try:
        key = ApiKey.from_json(data)
        json.dumps(key.to_json(), ensure_ascii=False).encode()
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if tree_problems(key.to_json()):
        return None
    return key


@dataclass(frozen=True)
class NewKey:
    """A freshly created (or rolled) key with its private key in clear, shown once."""

    key: ApiKey
    private_key: str


def create_key(
    account: str,
    name: str,
    origins: tuple[str, ...] = (),
    redirect_uris: tuple[str, ...] = (),
    now: float | None = None,
    **settings: Any,
) -> NewKey:
    """A new key pair for ``account``; the private key is returned once and stored as a hash."""
    at = system_clock() if now is None else now
    private_key = new_key_string(PRIVATE_PREFIX)
    key = ApiKey(
        public_key=new_key_string(PUBLIC_PREFIX),
        account=account,
        name=name,
        origins=origins,
        redirect_uris=redirect_uris,
        created_at=at,
        updated_at=at,
        private_keys=(PrivateKeyHash(hash_private_key(private_key), at),),
        **settings,
    )
    return NewKey(key, private_key)


def roll_key(key: ApiKey, grace_seconds: float, now: float | None = None) -> NewKey:
    """Issue a new private key; the current ones stay valid for ``grace_seconds`` more."""
    at = system_clock() if now is None else now
    private_key = new_key_string(PRIVATE_PREFIX)
    kept = tuple(
        replace(p, expires_at=min(p.expires_at or at + grace_seconds, at + grace_seconds))
        for p in key.private_keys
        if p.valid_at(at)
    )
    fresh = PrivateKeyHash(hash_private_key(private_key), at)
    return NewKey(replace(key, private_keys=(fresh, *kept), updated_at=at), private_key)


def revoke_key(key: ApiKey, now: float | None = None) -> ApiKey:
    at = system_clock() if now is None else now
    return replace(key, status="revoked", revoked_at=at, updated_at=at)
