"""authlib's :class:`AuthorizationServer` for Starlette requests, with the gateway's grants.

:class:`FormRequest` presents a Starlette request (its query and an already-read form body) to
authlib; :class:`GatewayAuthorizationServer` registers the grants (client credentials,
authorization code with PKCE S256, refresh token with rotation), revocation and introspection,
issues RFC 9068 access tokens, and renders authlib's answers and RFC 6749 §5.2 errors as
Starlette responses. ``invalid_client`` is always a 401 with ``WWW-Authenticate: Basic``.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import InvalidClientError, OAuth2Error, OAuth2Payload, OAuth2Request
from starlette.datastructures import Headers
from starlette.responses import Response

from gateway.keys.model import OFFLINE_ACCESS
from gateway.oauth import tokens
from gateway.oauth.context import OAuthContext, Owner, current
from gateway.oauth.grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    Introspection,
    KeyClient,
    RefreshTokenGrant,
    Revocation,
    S256Only,
    default_scope,
)
from gateway.oauth.store import RefreshGrant, digest
from gateway.oauth.tokens import PUBLIC_KV, key_version

REFRESH_PREFIX = "rt_"


class FormPayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._data: dict[str, str] = {}
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            self._data.setdefault(name, value)
            self._datalist[name].append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """A Starlette request as authlib sees it: method, URL, headers and parameters.

    authlib's own constructor refuses plain-http URLs; TLS ends at the gateway's proxy, and the
    issuer URL in the settings says what clients use, so that check is not repeated here.
    """

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Headers,
        query: Sequence[tuple[str, str]],
        form: Sequence[tuple[str, str]] = (),
    ) -> None:
        self.method = method
        self.uri = uri
        self.headers = headers
        self._body = None
        self._query = dict(query)
        self._form = dict(form)
        self.payload = FormPayload(list(form) if method == "POST" else list(query))
        self.client = None
        self.auth_method = None
        self.user = None
        self.authorization_code = None
        self.refresh_token = None
        self.credential = None
        self._scope = None

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


class GatewayAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__(scopes_supported=None)  # checked per key, see grants.check_scope
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [S256Only(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)
        self.register_token_generator("default", self.generate_access_token)

    def query_client(self, client_id: str) -> KeyClient | None:
        ctx = current()
        key = ctx.key
        if key is None or key.public_key != client_id or not key.active:
            return None
        return KeyClient(key, ctx)

    def save_token(self, token: Mapping[str, Any], request: OAuth2Request) -> None:
        pass  # access tokens are self-contained; a refresh token is stored by the endpoint

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        assert isinstance(request, OAuth2Request), "endpoints pass a FormRequest"
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError  # no JSON endpoint

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def handle_response(
        self, status: int, body: Any, headers: Sequence[tuple[str, str]]
    ) -> Response:
        content = json.dumps(body, separators=(",", ":")) if isinstance(body, dict) else body
        response = Response(content or b"", status_code=status, headers=dict(headers))
        if isinstance(body, dict):
            response.headers["Content-Type"] = "application/json"
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        if isinstance(error, InvalidClientError):
            # RFC 6749 §5.2 allows 401 for any failed client authentication; one answer for
            # all keeps a wrong secret and an unknown client indistinguishable.
            error.status_code = 401
            error.description = "Client authentication failed."
        current().error = error.error
        response: Response = super().handle_error_response(request, error)
        return response

    def generate_access_token(
        self,
        grant_type: str,
        client: KeyClient,
        user: Owner | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        ctx = client.ctx
        assert ctx.signing is not None, "the endpoint loads the signing key first"
        key = client.key
        wanted = (scope or "").split() or default_scope(key).split()
        granted = " ".join(s for s in wanted if s in key.scopes)
        kv = key_version(ctx.authenticated_digest) if ctx.authenticated_digest else PUBLIC_KV
        family = self._family(grant_type, ctx)
        kid, signing_key = ctx.signing
        subject = user.subject if user is not None else key.public_key
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": tokens.issue(
                kid,
                signing_key,
                issuer=ctx.issuer,
                key=key,
                subject=subject,
                scope=granted,
                sid=family,
                kv=kv,
                now=ctx.now,
                ttl=ctx.access_ttl,
            ),
            "expires_in": ctx.access_ttl,
            "scope": granted,
        }
        offline = OFFLINE_ACCESS in granted.split()
        if include_refresh_token and grant_type != "client_credentials" and offline:
            raw = REFRESH_PREFIX + secrets.token_urlsafe(32)
            ctx.issued_refresh = RefreshGrant(
                token_hash=digest(raw),
                family=family,
                client_id=key.public_key,
                account=key.account,
                subject=subject,
                scope=granted,
                kv=kv,
                issued_at=ctx.now,
                expires_at=ctx.now + ctx.refresh_ttl,
            )
            token["refresh_token"] = raw
        return token

    @staticmethod
    def _family(grant_type: str, ctx: OAuthContext) -> str:
        if grant_type == "authorization_code" and ctx.code is not None:
            return ctx.code.family
        if grant_type == "refresh_token" and ctx.refresh is not None:
            return ctx.refresh.family
        return secrets.token_urlsafe(16)
