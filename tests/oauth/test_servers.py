"""Real servers: a token verified by PyJWT against the JWKS fetched over HTTP; a key revoked on
one instance refuses its tokens on another within a second (two gateways, one Redis)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import jwt
from starlette.datastructures import Secret

from gateway.app import create_app
from tests.gwclient import settings_for, stored_key
from tests.support.servers import ServerThread
from tests.support.wait import poll


def _token(base: str, pk: str, sk: str) -> str:
    answer = httpx.post(
        base + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(pk, sk)
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def test_a_token_verifies_with_pyjwt_against_the_jwks_over_http(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    with ServerThread(create_app(settings)) as server:
        new = stored_key(settings)
        token = _token(server.url, new.key.public_key, new.private_key)
        meta = httpx.get(server.url + "/.well-known/oauth-authorization-server").json()
        assert meta["issuer"] == server.url
        signing_key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            signing_key.key,
            algorithms=["ES256"],
            audience=server.url + "/api/v1",
            issuer=server.url,
            options={"require": ["exp", "iat", "sub", "jti", "client_id"]},
        )
        assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
        assert claims["sub"] == new.key.public_key == claims["client_id"]
        assert claims["account"] == "acct-1"
        assert claims["exp"] - claims["iat"] == 3600
        assert {"scope", "jti", "kv", "sid"} <= set(claims)
        # The JWKS holds public parts only.
        for key in httpx.get(meta["jwks_uri"]).json()["keys"]:
            assert "d" not in key and key["alg"] == "ES256" and key["use"] == "sig"


def test_revoked_key_refuses_its_tokens_on_another_instance_within_a_second(
    data_dir: Path, redis_url: str
) -> None:
    # Two instances behind one issuer, sharing one private redis-server; the key is revoked
    # through the first one's admin API while the second holds the key in its cache (30 s TTL).
    issuer = "https://gw.example"
    admin = "admin-token-" + "r" * 30
    settings = settings_for(data_dir, redis_url, oauth_issuer=issuer, admin_token=Secret(admin))
    assert settings.key_cache_ttl >= 30
    one = ServerThread(create_app(settings)).start()
    two = ServerThread(create_app(settings)).start()
    try:
        new = stored_key(settings)
        token = _token(one.url, new.key.public_key, new.private_key)
        headers = {"Authorization": f"Bearer {token}"}
        assert httpx.get(two.url + "/api/v1/key", headers=headers).status_code == 200

        revoked = httpx.post(
            f"{one.url}/admin/v1/keys/{new.key.public_key}/revoke",
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert revoked.status_code == 200, revoked.text
        revoked_at = time.monotonic()
        poll(lambda: httpx.get(two.url + "/api/v1/key", headers=headers).status_code == 401)
        assert time.monotonic() - revoked_at < 1.0
        refused = httpx.get(two.url + "/api/v1/key", headers=headers)
        assert refused.json()["code"] == "invalid_token"
        assert refused.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        # And the second instance gives that key no new token.
        again = httpx.post(
            two.url + "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(new.key.public_key, new.private_key),
        )
        assert (again.status_code, again.json()["error"]) == (401, "invalid_client")
    finally:
        one.stop()
        two.stop()
