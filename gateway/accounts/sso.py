"""Single sign-on through an operator's OpenID Connect provider (authorization code with PKCE).

The protocol parts are authlib's (the authorization request, PKCE S256, the token request) and
joserfc's (the ID token: signature against the provider's JWKS, then ``iss``, ``aud``, ``exp``,
``iat`` and ``nonce``). What comes out is one thing: the e-mail address the provider says it has
verified. Who may then sign in is the caller's decision (:mod:`gateway.console.sso`).

Discovery (``<issuer>/.well-known/openid-configuration``) and the JWKS are fetched on first use
and kept for :data:`CACHE_SECONDS`; an ID token signed with a key id the cached set lacks makes
one fresh fetch (the provider rotated its keys). Every failure leaves as a typed
:class:`~gateway.accounts.errors.SsoFailed`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from gateway.accounts.addresses import AddressInvalid, normalise_address
from gateway.accounts.errors import SsoStateInvalid, SsoTokenInvalid, SsoUnavailable
from gateway.settings import Settings

CACHE_SECONDS = 600.0
LEEWAY = 60  # seconds of clock difference tolerated with the provider
ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
TIMEOUT = 10.0


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class Pending:
    """What the browser keeps (signed) between leaving for the provider and coming back."""

    state: str
    nonce: str
    verifier: str

    def dump(self) -> dict[str, str]:
        return {"s": self.state, "n": self.nonce, "v": self.verifier}

    @classmethod
    def load(cls, data: Any) -> Pending:
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "snv"):
            raise SsoStateInvalid("this sign-in was not started in this browser; start again")
        return cls(data["s"], data["n"], data["v"])


class OidcClient:
    def __init__(self, settings: Settings, redirect_uri: str) -> None:
        assert settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self._secret = str(settings.oidc_client_secret)
        self.scope = settings.oidc_scopes
        self.name = settings.oidc_provider_name
        self.redirect_uri = redirect_uri
        self._provider: tuple[float, Provider] | None = None
        self._jwks: tuple[float, KeySet] | None = None

    async def _get(self, url: str) -> Any:
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoUnavailable("the sign-in provider could not be reached; try again") from exc

    async def provider(self, now: float) -> Provider:
        if self._provider is not None and now - self._provider[0] < CACHE_SECONDS:
            return self._provider[1]
        doc = await self._get(self.issuer + "/.well-known/openid-configuration")
        try:
            found = Provider(
                issuer=str(doc["issuer"]).rstrip("/"),
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
            )
        except (KeyError, TypeError) as exc:
            raise SsoUnavailable("the sign-in provider's discovery document is incomplete") from exc
        if found.issuer != self.issuer:  # OpenID Connect Discovery §4.3
            raise SsoUnavailable("the sign-in provider names another issuer than configured")
        self._provider = (now, found)
        return found

    async def _keys(self, provider: Provider, now: float, fresh: bool) -> KeySet:
        if not fresh and self._jwks is not None and now - self._jwks[0] < CACHE_SECONDS:
            return self._jwks[1]
        try:
            keys = KeySet.import_key_set(await self._get(provider.jwks_uri))
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise SsoUnavailable("the sign-in provider's keys could not be read") from exc
        self._jwks = (now, keys)
        return keys

    async def start(self, now: float) -> tuple[str, Pending]:
        """The provider's authorization URL to send the browser to, and what to keep."""
        provider = await self.provider(now)
        pending = Pending(generate_token(32), generate_token(32), generate_token(64))
        url = prepare_grant_uri(
            provider.authorization_endpoint,
            client_id=self.client_id,
            response_type="code",
            redirect_uri=self.redirect_uri,
            scope=self.scope,
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.verifier),
            code_challenge_method="S256",
        )
        return url, pending

    async def finish(self, pending: Pending, state: str, code: str, now: float) -> str:
        """The verified e-mail address of the person the provider signed in."""
        if not hmac.compare_digest(pending.state.encode(), state.encode()) or not code:
            raise SsoStateInvalid("this answer does not belong to the sign-in you started")
        provider = await self.provider(now)
        body = prepare_token_request(
            "authorization_code",
            code=code,
            redirect_uri=self.redirect_uri,
            code_verifier=pending.verifier,
        )
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                response = await client.post(
                    provider.token_endpoint,
                    content=body,
                    auth=(self.client_id, self._secret),
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json",
                    },
                )
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoUnavailable("the sign-in provider could not be reached; try again") from exc
        if response.status_code != 200 or not isinstance(answer.get("id_token"), str):
            raise SsoTokenInvalid("the sign-in provider did not accept this sign-in; start again")
        claims = await self._verified(provider, answer["id_token"], pending.nonce, now)
        return _verified_email(claims)

    async def _verified(
        self, provider: Provider, id_token: str, nonce: str, now: float
    ) -> dict[str, Any]:
        for fresh in (False, True):
            keys = await self._keys(provider, now, fresh)
            try:
                token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
                break
            except (JoseError, ValueError) as exc:
                if fresh:
                    raise SsoTokenInvalid("the sign-in provider's token is not valid") from exc
        registry = jwt.JWTClaimsRegistry(
            now=int(now),
            leeway=LEEWAY,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(token.claims)
        except JoseError as exc:
            raise SsoTokenInvalid(
                f"the sign-in provider's token is not valid ({exc.error})"
            ) from exc
        return dict(token.claims)


def _verified_email(claims: dict[str, Any]) -> str:
    if claims.get("email_verified") is not True or not isinstance(claims.get("email"), str):
        raise SsoTokenInvalid("the sign-in provider did not vouch for an e-mail address")
    try:
        return normalise_address(claims["email"])
    except AddressInvalid as exc:
        raise SsoTokenInvalid("the sign-in provider's e-mail address is not valid") from exc
