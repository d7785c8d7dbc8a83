"""The authorization-code flow with PKCE S256: the authorization page, codes, refresh rotation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oauth.helpers import (
    APP_ORIGIN,
    REDIRECT,
    api_key,
    authorize_params,
    consent_fields,
    exchange,
    gateway,
    get_code,
    pkce,
    post_form,
    redirect_query,
    services_of,
    sign_in,
    who_am_i,
)


def test_code_exchange_refresh_rotation_and_replay_kills_the_family(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        verifier, challenge = pkce()
        code = get_code(gw, new, challenge)
        tokens = exchange(
            gw,
            new,
            code,
            verifier,
        )
        assert tokens.status_code == 200, tokens.text
        first = tokens.json()
        assert first["scope"] == "consents:read offline_access"
        me = who_am_i(gw, first["access_token"]).json()
        assert me["subject"] == "person-1"
        assert me["scopes"] == ["consents:read"]

        def refresh(token: str):  # type: ignore[no-untyped-def]
            return gw.post(
                "/oauth/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": token,
                    "client_id": new.key.public_key,
                },
            )

        second = refresh(first["refresh_token"])
        assert second.status_code == 200, second.text
        assert second.json()["refresh_token"] != first["refresh_token"]
        assert who_am_i(gw, second.json()["access_token"]).status_code == 200
        # The first refresh token again: a replay. It fails, and so does everything of its family.
        replay = refresh(first["refresh_token"])
        assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
        assert refresh(second.json()["refresh_token"]).json()["error"] == "invalid_grant"
        assert who_am_i(gw, second.json()["access_token"]).status_code == 401
        assert who_am_i(gw, first["access_token"]).status_code == 401


def test_a_code_is_redeemed_once_and_a_replay_revokes_what_it_gave(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        verifier, challenge = pkce()
        code = get_code(gw, new, challenge)
        first = exchange(gw, new, code, verifier)
        assert first.status_code == 200
        again = exchange(gw, new, code, verifier)
        assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
        assert who_am_i(gw, first.json()["access_token"]).status_code == 401


def test_a_code_expires_after_60_seconds(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        services = services_of(gw)
        new = api_key(gw)
        verifier, challenge = pkce()
        start = services.clock()
        services.clock = lambda: start
        code = get_code(gw, new, challenge)
        services.clock = lambda: start + 60
        late = exchange(gw, new, code, verifier)
        assert (late.status_code, late.json()["error"]) == (400, "invalid_grant")
        services.clock = lambda: start + 59
        code = get_code(gw, new, challenge)
        assert exchange(gw, new, code, verifier).status_code == 200


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"code_challenge": "", "code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"state": ""}, "invalid_request"),
        ({"scope": "admin"}, "invalid_scope"),
    ],
    ids=["no-challenge", "plain", "no-method", "no-state", "bad-scope"],
)
def test_authorization_requests_refused_back_to_the_app(
    data_dir: Path, change: dict[str, str], error: str
) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        sign_in(gw, new)
        _, challenge = pkce()
        params = authorize_params(new, challenge, **change)
        answer = gw.get("/oauth/authorize", params=params, follow_redirects=False)
        assert answer.status_code == 302, answer.text
        query = redirect_query(answer.headers["location"])
        assert query["error"] == error
        assert "code" not in query


@pytest.mark.parametrize(
    "uri",
    [REDIRECT + "/", REDIRECT + "?x=1", "https://APP.example/callback", "https://evil.example/cb"],
)
def test_redirect_uri_must_match_exactly_and_is_never_followed_otherwise(
    data_dir: Path, uri: str
) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        sign_in(gw, new)
        _, challenge = pkce()
        answer = gw.get(
            "/oauth/authorize",
            params=authorize_params(new, challenge, redirect_uri=uri),
            follow_redirects=False,
        )
        assert answer.status_code == 400
        assert "location" not in answer.headers
        assert "cannot be authorized" in answer.text


@pytest.mark.parametrize(
    ("verifier_of", "error"),
    [("missing", "invalid_request"), ("wrong", "invalid_grant"), ("right", None)],
)
def test_pkce_verifier_at_the_token_endpoint(
    data_dir: Path, verifier_of: str, error: str | None
) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        verifier, challenge = pkce()
        code = get_code(gw, new, challenge)
        sent = {"missing": "", "wrong": pkce()[0], "right": verifier}[verifier_of]
        answer = exchange(gw, new, code, sent)
        if error is None:
            assert answer.status_code == 200
        else:
            assert (answer.status_code, answer.json()["error"]) == (400, error)


def test_the_consent_page_signs_in_first_and_has_a_strict_csp(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        _, challenge = pkce()
        params = authorize_params(new, challenge)
        nobody = gw.get("/oauth/authorize", params=params, follow_redirects=False)
        assert nobody.status_code == 303
        assert nobody.headers["location"].startswith("/console/sign-in?next=%2Foauth%2Fauthorize")
        sign_in(gw, new)
        page = gw.get("/oauth/authorize", params=params)
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src" not in csp and "unsafe-inline" not in csp
        assert f"form-action 'self' {APP_ORIGIN}" in csp
        assert "Read consent records" in page.text
        denied = post_form(
            gw, "/oauth/authorize", [*consent_fields(page.text), ("decision", "deny")]
        )
        assert redirect_query(denied.headers["location"])["error"] == "access_denied"
        fields = [(n, v) for n, v in consent_fields(page.text) if n != "consent_token"]
        forged = post_form(gw, "/oauth/authorize", [*fields, ("decision", "allow")])
        assert forged.status_code == 403


def test_a_member_of_another_account_cannot_authorize(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        other = api_key(gw)
        from dataclasses import replace

        from gateway.keys.model import NewKey

        sign_in(gw, NewKey(replace(other.key, account="someone-else"), other.private_key))
        _, challenge = pkce()
        answer = gw.get("/oauth/authorize", params=authorize_params(new, challenge))
        assert answer.status_code == 403
        assert "Not your account" in answer.text


def test_cors_on_the_token_endpoint_only_for_the_keys_origins(data_dir: Path) -> None:
    with gateway(data_dir) as gw:
        new = api_key(gw)
        verifier, challenge = pkce()
        code = get_code(gw, new, challenge)
        allowed = gw.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "client_id": new.key.public_key,
                "code_verifier": verifier,
            },
            headers={"Origin": APP_ORIGIN},
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == APP_ORIGIN
        refused = gw.post(
            "/oauth/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": "rt_x",
                "client_id": new.key.public_key,
            },
            headers={"Origin": "https://evil.example"},
        )
        assert "access-control-allow-origin" not in refused.headers
        assert refused.json()["error"] == "invalid_grant"
