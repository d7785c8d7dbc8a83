"""Metadata, introspection, revocation and the limits on the OAuth2 endpoints."""

from __future__ import annotations

from pathlib import Path

from gateway.keys.model import SCOPES
from tests.oauth.helpers import (
    api_key,
    basic,
    client_credentials,
    exchange,
    gateway,
    get_code,
    pkce,
    who_am_i,
)


def test_metadata_lists_exactly_what_works(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        meta = gw.get("/.well-known/oauth-authorization-server").json()
        issuer = "http://testserver"
        assert meta["issuer"] == issuer
        assert meta["grant_types_supported"] == [
            "authorization_code",
            "client_credentials",
            "refresh_token",
        ]
        assert meta["scopes_supported"] == list(SCOPES)
        assert meta["code_challenge_methods_supported"] == ["S256"]
        assert meta["response_types_supported"] == ["code"]
        assert set(meta["token_endpoint_auth_methods_supported"]) == {
            "client_secret_basic",
            "client_secret_post",
            "none",
        }
        for name in ("token", "revocation", "introspection"):
            path = meta[f"{name}_endpoint"].removeprefix(issuer)
            assert gw.post(path, data={"x": "y"}).status_code in (400, 401), name
        assert gw.get(meta["jwks_uri"].removeprefix(issuer)).json()["keys"]
        new = api_key(gw)
        # Every grant listed works (the other tests go through them); one not listed does not.
        for grant in ("implicit", "password", "urn:ietf:params:oauth:grant-type:device_code"):
            answer = gw.post("/oauth/token", data={"grant_type": grant}, headers=basic(new))
            assert answer.json()["error"] == "unsupported_grant_type"
        token_request = gw.get(
            "/oauth/authorize",
            params={"response_type": "token", "client_id": new.key.public_key},
            follow_redirects=False,
        )
        assert token_request.status_code == 400


def test_introspection_active_then_inactive_after_revocation(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        service = api_key(gw)
        app = api_key(gw)
        token = client_credentials(gw, app).json()["access_token"]
        active = gw.post("/oauth/introspect", data={"token": token}, headers=basic(service))
        assert active.status_code == 200
        body = active.json()
        assert body["active"] is True
        assert body["client_id"] == app.key.public_key
        assert body["token_type"] == "Bearer"
        assert body["scope"]
        unauthenticated = gw.post("/oauth/introspect", data={"token": token})
        assert unauthenticated.status_code == 401
        junk = gw.post("/oauth/introspect", data={"token": "nope"}, headers=basic(service))
        assert junk.json() == {"active": False}
        # Used once before the revocation: its verified signature is kept, its family is not.
        assert who_am_i(gw, token).status_code == 200
        revoked = gw.post("/oauth/revoke", data={"token": token}, headers=basic(app))
        assert revoked.status_code == 200
        after = gw.post("/oauth/introspect", data={"token": token}, headers=basic(service))
        assert after.json() == {"active": False}
        assert who_am_i(gw, token).status_code == 401


def test_revoking_a_refresh_token_ends_its_family(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        verifier, challenge = pkce()
        tokens = exchange(gw, new, get_code(gw, new, challenge), verifier).json()
        public = {"client_id": new.key.public_key}
        answer = gw.post("/oauth/revoke", data={"token": tokens["refresh_token"], **public})
        assert answer.status_code == 200
        refresh = gw.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh_token"],
                **public,
            },
        )
        assert refresh.json()["error"] == "invalid_grant"
        assert who_am_i(gw, tokens["access_token"]).status_code == 401


def test_token_requests_are_limited_per_client_and_failures_per_ip(data_dir: Path) -> None:
    with gateway(
        data_dir, limit_oauth_token="3/minute", limit_oauth_auth_failures="2/minute"
    ) as gw:
        new = api_key(gw)
        answers = [client_credentials(gw, new) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].json()["error"] == "rate_limited"
        assert int(answers[-1].headers["retry-after"]) >= 1
        other = api_key(gw)
        wrong = [
            client_credentials(gw, other.__class__(other.key, new.private_key)) for _ in range(3)
        ]
        assert [a.status_code for a in wrong] == [401, 401, 429]
        # Refused before the secret is even looked at: the right one is refused too, for now.
        assert client_credentials(gw, other).status_code == 429


def test_api_needs_a_token_and_refuses_a_private_key_from_a_browser(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        assert gw.get("/api/v1/key").status_code == 401
        forged = gw.get("/api/v1/key", headers={"Authorization": "Bearer a.b.c"})
        assert forged.json()["code"] == "invalid_token"
        by_key = gw.get("/api/v1/key", headers={"X-API-Key": new.private_key})
        assert by_key.json()["authenticated_with"] == "private_key"
        browser = gw.get(
            "/api/v1/key", headers={"X-API-Key": new.private_key, "Origin": "https://app.example"}
        )
        assert browser.json()["code"] == "private_key_exposed"
