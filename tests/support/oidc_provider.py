"""A small OpenID Connect provider for tests, built on authlib's authorization server.

It serves discovery, a JWKS (one ES256 key), ``/authorize`` (authorization code with PKCE S256;
it signs in :attr:`OidcProvider.person` at once, as a provider whose user is already signed in
would) and ``/token`` (client_secret_basic), whose answer carries an ID token made with joserfc.
:attr:`OidcProvider.tamper` bends one claim of the next ID tokens (another issuer, audience,
nonce, an expiry in the past) and :attr:`OidcProvider.forge` signs them with a key the JWKS does
not hold, so tests see the gateway refuse each.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, OAuth2Error, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.oauth.server import FormRequest
from tests.support.servers import ServerThread

CLIENT_ID = "widget-gateway"
CLIENT_SECRET = secrets.token_urlsafe(24)


class Client(ClientMixin):  # type: ignore[misc]
    def __init__(self, redirect_uri: str) -> None:
        self.redirect_uri = redirect_uri

    def get_client_id(self) -> str:
        return CLIENT_ID

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or "openid"

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, CLIENT_SECRET)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    nonce: str
    person: dict[str, Any]

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = ["client_secret_basic"]
    codes: dict[str, Code]

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        self.codes[code] = Code(
            request.payload.redirect_uri,
            request.scope,
            data["code_challenge"],
            data.get("code_challenge_method", "S256"),
            data.get("nonce", ""),
            request.user,
        )

    def query_authorization_code(self, code: str, client: Client) -> Code | None:
        return self.codes.get(code)

    def delete_authorization_code(self, authorization_code: Code) -> None:
        for key, value in list(self.codes.items()):
            if value is authorization_code:
                del self.codes[key]

    def authenticate_user(self, authorization_code: Code) -> dict[str, Any]:
        return authorization_code.person


@dataclass
class OidcProvider:
    """The provider; :attr:`person` is who its ``/authorize`` signs in."""

    redirect_uri: str = ""
    clock: Callable[[], float] = time.time
    person: dict[str, Any] = field(default_factory=dict)
    tamper: dict[str, Any] = field(default_factory=dict)
    forge: bool = False
    thread: ServerThread | None = None
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256", {"kid": "k1"}))

    @property
    def issuer(self) -> str:
        assert self.thread is not None
        return self.thread.url

    def start(self) -> OidcProvider:
        self.thread = ServerThread(self.app()).start()
        return self

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.stop()

    def id_token(self, code: Code) -> str:
        now = int(self.clock())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": code.person["sub"],
            "email": code.person["email"],
            "email_verified": code.person.get("email_verified", True),
            "nonce": code.nonce,
            "iat": now,
            "exp": now + 300,
        }
        if "exp" in self.tamper:
            claims["exp"] = now + self.tamper["exp"]
        claims.update({k: v for k, v in self.tamper.items() if k != "exp"})
        key = ECKey.generate_key("P-256", {"kid": "k1"}) if self.forge else self.key
        return jwt.encode({"alg": "ES256", "kid": "k1"}, claims, key)

    def app(self) -> Starlette:
        provider = self
        codes: dict[str, Code] = {}

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> Client | None:
                return Client(provider.redirect_uri) if client_id == CLIENT_ID else None

            def save_token(self, token: dict[str, Any], request: Any) -> None:
                token["id_token"] = provider.id_token(request.authorization_code)

            def create_oauth2_request(self, request: Any) -> Any:
                return request

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

            def handle_response(self, status: int, body: Any, headers: Any) -> Response:
                if isinstance(body, dict):
                    return JSONResponse(body, status, headers=dict(headers))
                return Response(body or b"", status, headers=dict(headers))

        grant = type("Grant", (CodeGrant,), {"codes": codes})
        server = Server()
        server.register_grant(grant, [CodeChallenge(required=True)])
        server.register_token_generator(
            "default",
            lambda **kw: {"token_type": "Bearer", "access_token": secrets.token_urlsafe(16)},
        )

        async def discovery(request: Request) -> Response:
            base = provider.issuer
            return JSONResponse(
                {
                    "issuer": base,
                    "authorization_endpoint": base + "/authorize",
                    "token_endpoint": base + "/token",
                    "jwks_uri": base + "/jwks",
                    "response_types_supported": ["code"],
                    "id_token_signing_alg_values_supported": ["ES256"],
                    "code_challenge_methods_supported": ["S256"],
                }
            )

        async def jwks(request: Request) -> Response:
            return JSONResponse(KeySet([provider.key]).as_dict(private=False))

        async def authorize(request: Request) -> Response:
            query = list(request.query_params.multi_items())
            form = FormRequest("GET", str(request.url), request.headers, query)
            try:
                grant = server.get_consent_grant(request=form, end_user=provider.person)
            except OAuth2Error as exc:
                return JSONResponse(dict(exc.get_body()), exc.status_code)
            response: Response = server.create_authorization_response(
                request=form, grant_user=provider.person, grant=grant
            )
            return response

        async def token(request: Request) -> Response:
            pairs = parse_qsl((await request.body()).decode(), keep_blank_values=True)
            form = FormRequest("POST", str(request.url), request.headers, [], pairs)
            response: Response = server.create_token_response(form)
            return response

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/jwks", jwks),
                Route("/authorize", authorize),
                Route("/token", token, methods=["POST"]),
            ]
        )
