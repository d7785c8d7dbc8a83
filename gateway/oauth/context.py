"""What one OAuth2 request knows and decides, between the async gateway and authlib.

authlib's grants and endpoints are synchronous; the gateway's stores are not. So each request is
done in three steps: everything authlib will ask for is loaded first (the client's key, the code
or refresh token presented, the signing key) into an :class:`OAuthContext`; authlib then runs
synchronously and, through the hooks in :mod:`gateway.oauth.grants`, reads from the context and
writes what it decided into it (a code to store, a refresh token to claim, families to revoke);
finally the endpoint carries those decisions out before answering. Nothing is sent that was not
stored.

The context travels in a :class:`contextvars.ContextVar` for the synchronous call only, so hooks
that authlib calls without the request (``query_client``, the token generator) find it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from joserfc.jwk import ECKey

from gateway.keys.model import ApiKey
from gateway.oauth.store import CodeGrant, RefreshGrant


@dataclass(frozen=True)
class Owner:
    """The resource owner authlib passes around: whom a token is about (``sub``)."""

    subject: str

    def get_user_id(self) -> str:
        return self.subject


@dataclass
class Presented:
    """A token presented to revocation or introspection, as far as the gateway knows it."""

    kind: str  # "access_token" or "refresh_token"
    client_id: str
    account: str
    family: str
    claims: dict[str, object]
    active: bool


@dataclass
class OAuthContext:
    """Loaded before authlib runs (first group), decided while it runs (second group)."""

    now: float
    issuer: str
    access_ttl: int
    refresh_ttl: float
    key: ApiKey | None = None
    signing: tuple[str, ECKey] | None = None
    code: CodeGrant | None = None
    code_replayed_family: str | None = None
    refresh: RefreshGrant | None = None
    refresh_used: bool = False
    refresh_family_revoked: bool = False
    presented: Presented | None = None

    authenticated_digest: str | None = None
    new_code: CodeGrant | None = None
    issued_refresh: RefreshGrant | None = None
    claim_refresh: str | None = None
    revoke_families: list[str] = field(default_factory=list)
    error: str | None = None


_current: contextvars.ContextVar[OAuthContext] = contextvars.ContextVar("oauth_context")


@contextmanager
def active(ctx: OAuthContext) -> Iterator[OAuthContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current() -> OAuthContext:
    return _current.get()
