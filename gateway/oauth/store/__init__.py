"""What the authorization server remembers between requests: authorization codes, refresh
tokens and revoked grants — the :class:`GrantStore` interface and its typed records.

Two stores implement it: Redis (:mod:`.redis`, shared by every instance) and a file in the data
folder (:mod:`.file`, the embedded default). Codes and tokens are stored under the SHA-256 digest
of their value, never the value itself, so a copy of the store redeems nothing.

A *family* is everything issued from one grant: one authorization (its code, every refresh token
rotated from it and their access tokens), or one client-credentials token. Revoking a family is
what revocation, a replayed refresh token and a replayed code all do; access tokens carry their
family as ``sid`` and the API checks it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any, Protocol


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class CodeGrant:
    """An authorization code, issued by the authorization endpoint and redeemed once."""

    code_hash: str
    client_id: str
    account: str
    subject: str
    redirect_uri: str
    scope: str
    code_challenge: str
    family: str
    expires_at: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> CodeGrant:
        data: dict[str, Any] = json.loads(raw)
        return cls(**data)


@dataclass(frozen=True)
class RefreshGrant:
    """A refresh token; using it once ends it (rotation), using it twice ends its family."""

    token_hash: str
    family: str
    client_id: str
    account: str
    subject: str
    scope: str
    kv: str
    issued_at: float
    expires_at: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> RefreshGrant:
        data: dict[str, Any] = json.loads(raw)
        return cls(**data)


class GrantStore(Protocol):
    async def put_code(self, grant: CodeGrant, ttl: float) -> None: ...

    async def take_code(self, code_hash: str) -> tuple[CodeGrant | None, str | None]:
        """The code's grant on its first redemption, and forgets it (atomically); on a later
        one, ``(None, family)`` so the caller can revoke what the first one issued."""

    async def put_refresh(self, grant: RefreshGrant, ttl: float) -> None: ...

    async def get_refresh(self, token_hash: str) -> tuple[RefreshGrant | None, bool]:
        """The refresh token's grant and whether it has been used already."""

    async def claim_refresh(self, token_hash: str, ttl: float) -> bool:
        """Mark the refresh token used; False when it already was (a concurrent or replayed
        use). Atomic: of two simultaneous refreshes, one wins."""

    async def revoke_family(self, family: str, ttl: float) -> None: ...

    async def family_revoked(self, family: str) -> bool: ...

    async def close(self) -> None: ...
