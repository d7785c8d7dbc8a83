"""Client credentials at POST /oauth/token: HTTP Basic and the body, RFC 6749 §5.2 errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.oauth.helpers import api_key, basic, client_credentials, gateway, services_of, who_am_i


def test_basic_and_post_both_give_a_token_that_the_api_accepts(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        by_basic = client_credentials(gw, new)
        by_post = gw.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": new.key.public_key,
                "client_secret": new.private_key,
            },
        )
        for answer in (by_basic, by_post):
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert body["token_type"] == "Bearer"
            assert body["expires_in"] == 3600
            assert "refresh_token" not in body
            assert answer.headers["cache-control"] == "no-store"
            me = who_am_i(gw, body["access_token"])
            assert me.status_code == 200, me.text
            assert me.json()["account"] == "acct-1"
            assert me.json()["key"] == {"public_key": new.key.public_key, "name": "Shop"}
            assert me.json()["subject"] == new.key.public_key
            assert me.json()["scopes"] == [
                "consents:read",
                "rights:read",
                "rights:write",
                "webhooks:manage",
            ]


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "unknown client", "no credentials", "revoked key"],
)
def test_failed_client_authentication_is_invalid_client_401(data_dir: Path, how: str) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        other = api_key(gw)
        headers = basic(new, other.private_key)
        if how == "unknown client":
            from dataclasses import replace

            from gateway.keys.model import NewKey, new_key_string

            unknown = replace(new.key, public_key=new_key_string("pk_"))
            headers = basic(NewKey(unknown, new.private_key))
        if how == "no credentials":
            headers = {}
        if how == "revoked key":
            from gateway.keys.model import revoke_key
            from tests.support.aio import run

            headers = basic(new)
            run(services_of(gw).store.put(revoke_key(new.key)))
        answer = gw.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"] == "invalid_client"
        assert answer.headers["www-authenticate"].startswith("Basic ")
        assert "access_token" not in answer.json()


def test_unsupported_grant_and_bad_scopes(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw, scopes=("consents:read",))
        password = gw.post(
            "/oauth/token",
            data={"grant_type": "password", "username": "a", "password": "b"},
            headers=basic(new),
        )
        assert password.status_code == 400
        assert password.json()["error"] == "unsupported_grant_type"
        for scope in ("rights:write", "admin", "offline_access"):
            answer = client_credentials(gw, new, scope=scope)
            assert answer.status_code == 400, scope
            assert answer.json()["error"] == "invalid_scope"
        narrowed = client_credentials(gw, new)
        assert narrowed.json()["scope"] == "consents:read"
        empty = gw.post("/oauth/token", headers=basic(new))
        assert (empty.status_code, empty.json()["error"]) == (400, "invalid_request")
        not_a_form = gw.post("/oauth/token", json={"grant_type": "client_credentials"})
        assert not_a_form.status_code == 400
        assert not_a_form.json()["error"] == "invalid_request"


def test_roll_grace_period_old_private_key_until_it_ends(data_dir: Path) -> None:
    from gateway.keys.model import roll_key
    from tests.support.aio import run

    with gateway(data_dir) as gw:
        services = services_of(gw)
        old = api_key(gw)
        now = services.clock()
        rolled = roll_key(old.key, grace_seconds=600, now=now)
        run(services.store.put(rolled.key))
        services.keys.drop()
        old_token = client_credentials(gw, old)
        assert old_token.status_code == 200
        new_token = client_credentials(gw, rolled)
        assert new_token.status_code == 200
        assert who_am_i(gw, old_token.json()["access_token"]).status_code == 200
        services.clock = lambda: now + 601
        assert client_credentials(gw, old).status_code == 401
        # Tokens issued against the old private key end with it; the new one's stay good.
        assert who_am_i(gw, old_token.json()["access_token"]).status_code == 401
        assert who_am_i(gw, new_token.json()["access_token"]).status_code == 200


def test_private_key_from_a_browser_is_refused_and_flagged(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        answer = gw.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={**basic(new), "Origin": "https://app.example"},
        )
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_client"
        listed = gw.app.state.services  # type: ignore[attr-defined]
        from tests.support.aio import run

        assert run(listed.store.get(new.key.public_key)).exposed_at is not None


def test_a_page_can_read_that_its_genuine_token_ended_but_not_a_forged_ones_answer(
    data_dir: Path,
) -> None:
    with gateway(data_dir) as gw:
        services = services_of(gw)
        new = api_key(gw, origins=("https://app.example",))
        token = client_credentials(gw, new).json()["access_token"]
        now = services.clock()
        services.clock = lambda: now + 3601

        def answer(presented: str, origin: str) -> Any:
            return gw.get(
                "/api/v1/key", headers={"Authorization": f"Bearer {presented}", "Origin": origin}
            )

        ended = answer(token, "https://app.example")
        assert (ended.status_code, ended.json()["code"]) == (401, "invalid_token")
        assert ended.headers["access-control-allow-origin"] == "https://app.example"
        assert "WWW-Authenticate" in ended.headers["access-control-expose-headers"]
        elsewhere = answer(token, "https://elsewhere.example")
        assert elsewhere.status_code == 401
        assert "access-control-allow-origin" not in elsewhere.headers
        head, claims, signature = token.split(".")
        forged = answer(f"{head}.{claims}.{signature[::-1]}", "https://app.example")
        assert forged.status_code == 401
        assert "access-control-allow-origin" not in forged.headers
