"""Access tokens whose signature has verified, kept briefly so each API call does not verify the
same ES256 signature again.

Only what the signature proves is kept: the token's claims, under the SHA-256 of the token (the
token itself is never held), with the issuer it verified for and the signing key's id. Every call
still checks what can change while a token lives: its expiry, the key (active, same account, the
private key it was issued against still valid) and its grant family (not revoked), so revoking a
key or a token takes effect on a cached token as on a fresh one, on every instance. An entry is
used only while the keyring still publishes its signing key, and for ``TTL`` seconds at most.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

from gateway.oauth.tokens import AccessClaims

TTL = 60.0
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    claims: AccessClaims
    issuer: str
    kid: str
    until: float


class VerifiedTokens:
    """A bounded map of token digests to verified claims."""

    def __init__(
        self,
        ttl: float = TTL,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[bytes, _Entry] = {}

    @staticmethod
    def _digest(token: str) -> bytes:
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()

    def get(self, token: str, issuer: str) -> tuple[str, AccessClaims] | None:
        """The signing key id and claims of ``token`` if it verified for ``issuer`` lately."""
        digest = self._digest(token)
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry.issuer != issuer or self.clock() >= entry.until:
            del self._entries[digest]
            return None
        return entry.kid, entry.claims

    def put(self, token: str, issuer: str, kid: str, claims: AccessClaims) -> None:
        if len(self._entries) >= self.max_entries:
            self._evict()
        self._entries[self._digest(token)] = _Entry(claims, issuer, kid, self.clock() + self.ttl)

    def forget(self, token: str) -> None:
        self._entries.pop(self._digest(token), None)

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self) -> None:
        now = self.clock()
        for digest in [d for d, e in self._entries.items() if e.until <= now]:
            del self._entries[digest]
        # Still full: drop the oldest tenth, so this scan runs once per many inserts.
        excess = len(self._entries) - self.max_entries * 9 // 10
        if excess > 0:
            for digest in list(itertools.islice(self._entries, excess)):
                del self._entries[digest]
