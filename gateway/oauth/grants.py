"""The gateway's keys as authlib clients, and authlib's grants bound to the gateway's stores.

Every method here is one of authlib's hooks (RFC 6749, 7636, 7009, 7662); each reads what the
endpoint loaded into the :class:`~gateway.oauth.context.OAuthContext` and writes its decisions
there. The protocol itself — parameter checks, client authentication, PKCE comparison, error
codes — is authlib's.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    InvalidScopeError,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from gateway.keys.model import API_SCOPES, OFFLINE_ACCESS, SCOPES, ApiKey, hash_private_key
from gateway.oauth.context import OAuthContext, Owner, Presented, current
from gateway.oauth.store import CodeGrant, RefreshGrant, digest
from gateway.oauth.tokens import PUBLIC_KV

SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
CODE_GRANT_METHODS = [*SECRET_METHODS, "none"]
GRANT_TYPES = ("authorization_code", "client_credentials", "refresh_token")


class KeyClient(ClientMixin):  # type: ignore[misc]
    """A key seen as an OAuth2 client: ``client_id`` = public key, secret = private key."""

    def __init__(self, key: ApiKey, ctx: OAuthContext) -> None:
        self.key = key
        self.ctx = ctx

    def get_client_id(self) -> str:
        return self.key.public_key

    def get_default_redirect_uri(self) -> None:
        return None  # redirect_uri is always required, and compared exactly

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.key.redirect_uris

    def get_allowed_scope(self, scope: str | None) -> str:
        requested = (scope or "").split()
        return " ".join(requested) if requested else default_scope(self.key)

    def check_client_secret(self, client_secret: str) -> bool:
        if not self.key.accepts_private_key(client_secret, now=self.ctx.now):
            return False
        self.ctx.authenticated_digest = hash_private_key(client_secret)
        return True

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # Which methods a grant or endpoint takes is set on it; a key can use any of them.
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and bool(self.key.redirect_uris)

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "authorization_code":
            return bool(self.key.redirect_uris)
        return grant_type in GRANT_TYPES


def default_scope(key: ApiKey) -> str:
    """Every API scope the key allows: what a client gets when it names none."""
    return " ".join(s for s in API_SCOPES if s in key.scopes)


def check_scope(key: ApiKey, scope: str | None, *, offline: bool) -> None:
    for item in (scope or "").split():
        if item not in SCOPES or item not in key.scopes or (item == OFFLINE_ACCESS and not offline):
            raise InvalidScopeError("A requested scope is unknown or not allowed for this key.")


class CodeModel(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, grant: CodeGrant) -> None:
        self.grant = grant
        self.code_challenge = grant.code_challenge
        self.code_challenge_method = "S256"

    def get_redirect_uri(self) -> str:
        return self.grant.redirect_uri

    def get_scope(self) -> str:
        return self.grant.scope


class RefreshModel(TokenMixin):  # type: ignore[misc]
    def __init__(self, grant: RefreshGrant) -> None:
        self.grant = grant

    def check_client(self, client: KeyClient) -> bool:
        return self.grant.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.grant.scope


class PresentedModel(TokenMixin):  # type: ignore[misc]
    """A token sent to revocation or introspection."""

    def __init__(self, token: Presented) -> None:
        self.token = token

    def check_client(self, client: KeyClient) -> bool:
        return self.token.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return str(self.token.claims.get("scope", ""))

    def is_expired(self) -> bool:
        return not self.token.active

    def is_revoked(self) -> bool:
        return not self.token.active


class S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE with ``S256`` on every authorization request; ``plain`` and no challenge are refused.
    ``state`` is required too, so every client has its CSRF protection."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("state"):
            raise InvalidRequestError("Missing 'state': it is required.")
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_METHODS

    def validate_requested_scope(self) -> None:
        check_scope(self.request.client.key, self.request.payload.scope, offline=False)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CODE_GRANT_METHODS

    def validate_requested_scope(self) -> None:
        check_scope(self.request.client.key, self.request.payload.scope, offline=True)

    def save_authorization_code(self, code: str, request: Any) -> None:
        ctx = current()
        ctx.new_code = CodeGrant(
            code_hash=digest(code),
            client_id=request.client.get_client_id(),
            account=request.client.key.account,
            subject=request.user.subject,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            code_challenge=request.payload.data["code_challenge"],
            family=secrets.token_urlsafe(16),
            expires_at=ctx.now + CODE_TTL,
        )

    def query_authorization_code(self, code: str, client: KeyClient) -> CodeModel | None:
        ctx = current()
        if ctx.code_replayed_family is not None:
            # A code redeemed twice: what the first redemption issued is revoked (RFC 6749 §4.1.2).
            ctx.revoke_families.append(ctx.code_replayed_family)
            return None
        grant = ctx.code
        if (
            grant is None
            or grant.client_id != client.get_client_id()
            or ctx.now >= grant.expires_at
        ):
            return None
        return CodeModel(grant)

    def delete_authorization_code(self, authorization_code: CodeModel) -> None:
        pass  # taken from the store when it was loaded: a code is never redeemed twice

    def authenticate_user(self, authorization_code: CodeModel) -> Owner:
        return Owner(authorization_code.grant.subject)


CODE_TTL = 60.0


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CODE_GRANT_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: every refresh gives a new refresh token

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshModel | None:
        ctx = current()
        grant = ctx.refresh
        if grant is None or ctx.refresh_family_revoked or ctx.now >= grant.expires_at:
            return None
        if ctx.refresh_used:
            # Used before: either the client or a thief has the newer one; end them all.
            ctx.revoke_families.append(grant.family)
            return None
        if grant.kv != PUBLIC_KV and self.request.auth_method == "none":
            return None  # issued to an authenticated client: it must authenticate again
        return RefreshModel(grant)

    def authenticate_user(self, refresh_token: RefreshModel) -> Owner:
        return Owner(refresh_token.grant.subject)

    def revoke_old_credential(self, refresh_token: RefreshModel) -> None:
        current().claim_refresh = refresh_token.grant.token_hash


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = CODE_GRANT_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> PresentedModel | None:
        found = current().presented
        return None if found is None else PresentedModel(found)

    def revoke_token(self, token: PresentedModel, request: Any) -> None:
        current().revoke_families.append(token.token.family)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = SECRET_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> PresentedModel | None:
        found = current().presented
        return None if found is None else PresentedModel(found)

    def check_permission(self, token: PresentedModel, client: KeyClient, request: Any) -> bool:
        # A key pair of the same account: the account's services may look at its tokens.
        return token.token.account == client.key.account

    def introspect_token(self, token: PresentedModel) -> dict[str, object]:
        presented = token.token
        body = {k: v for k, v in presented.claims.items() if k not in ("kv", "sid")}
        body["token_type"] = "Bearer" if presented.kind == "access_token" else "refresh_token"
        return body
