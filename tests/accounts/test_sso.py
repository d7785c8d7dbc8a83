"""Single sign-on through a real OpenID Connect provider on loopback (tests/support/oidc_provider),
driven over HTTP: the console in-process, the provider over the network."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from starlette.datastructures import Secret

from tests.accounts.helpers import BASE, Browser, Console, console_settings, open_console
from tests.accounts.test_two_factor import enrol
from tests.support.aio import LOOPS
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider

ALICE = {"sub": "u-1", "email": "Alice@Shop.example"}


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    found = OidcProvider(redirect_uri=BASE + "/console/sso/callback").start()
    yield found
    found.stop()


@pytest.fixture
def sso(provider: OidcProvider, data_dir: Path) -> Iterator[Console]:
    settings = console_settings(
        data_dir,
        public_url=BASE,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=Secret(CLIENT_SECRET),
        oidc_provider_name="Example ID",
    )
    with open_console(settings) as console:
        provider.clock = console.clock
        yield console


def via_provider(browser: Browser, **callback_query: str) -> httpx.Response:
    """Start at the console, pass the provider (whose person is signed in there), come back."""
    start = browser.get("/console/sso/start", follow_redirects=False)
    assert start.status_code == 302, start.text
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == BASE + "/console/sso/callback"
    query = {k: v[0] for k, v in parse_qs(back.query).items()} | callback_query
    return browser.get("/console/sso/callback", params=query, follow_redirects=False)


def refused_with(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/console/#sso-error="), location
    return location.split("=", 1)[1]


@pytest.mark.parametrize("loop_kind", LOOPS, indirect=True)
def test_a_member_signs_in_with_the_provider_into_a_fresh_session(
    sso: Console, provider: OidcProvider, loop_kind: str
) -> None:
    sso.owner_of("Shop", "alice@shop.example")
    info = sso.browser().get("/console/api/sso").json()
    assert info == {"enabled": True, "provider_name": "Example ID"}
    provider.person = ALICE  # the provider's address differs in case only
    browser = sso.browser()
    browser.sign_in("alice@shop.example")
    before = browser.cookie("__Host-wg_session")
    back = via_provider(browser)
    assert back.status_code == 303 and back.headers["location"] == "/console/"
    assert back.headers["cache-control"] == "no-store"
    after = browser.cookie("__Host-wg_session")
    assert after and after != before  # the same cookie as a password sign-in, a new id
    me = browser.get("/console/api/me")
    assert me.status_code == 200 and me.json()["email"] == "alice@shop.example"
    stale = sso.browser()
    stale.jar.set("__Host-wg_session", before or "", domain="gw.example")
    assert stale.get("/console/api/me").status_code == 401
    assert "alice" not in back.headers["location"].lower()


def test_two_factor_still_asks_for_a_code_after_the_provider(
    sso: Console, provider: OidcProvider
) -> None:
    _, owner = sso.owner_of("Shop", "alice@shop.example")
    totp, _ = enrol(sso, owner)
    provider.person = ALICE
    browser = sso.browser()
    back = via_provider(browser)
    assert back.headers["location"] == "/console/#sso=code"
    assert browser.get("/console/api/me").status_code == 401
    sso.clock.advance(60)
    wrong = browser.post("/console/api/sso/code", json={"code": "000000"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "second_factor_required"
    ok = browser.post("/console/api/sso/code", json={"code": totp.at(sso.clock())})
    assert ok.status_code == 200, ok.text
    assert browser.get("/console/api/me").json()["two_factor"] is True
    # The pending mark is spent: a second code does not start another session.
    again = browser.post("/console/api/sso/code", json={"code": pyotp.TOTP("A" * 32).now()})
    assert again.status_code == 401 and again.json()["code"] == "sso_failed"


CASES: list[tuple[str, dict[str, Any], str]] = [
    ("issuer", {"tamper": {"iss": "https://evil.example"}}, "sso_token_invalid"),
    ("audience", {"tamper": {"aud": "another-client"}}, "sso_token_invalid"),
    ("nonce", {"tamper": {"nonce": "replayed"}}, "sso_token_invalid"),
    ("expired", {"tamper": {"exp": -600}}, "sso_token_invalid"),
    ("forged signature", {"forge": True}, "sso_token_invalid"),
    ("unverified e-mail", {"person": ALICE | {"email_verified": False}}, "sso_token_invalid"),
    (
        "not a member",
        {"person": {"sub": "u-2", "email": "mallory@else.example"}},
        "sso_not_a_member",
    ),
]


def test_bad_answers_are_refused_with_a_clear_code_never_a_session(
    sso: Console, provider: OidcProvider
) -> None:
    sso.owner_of("Shop", "alice@shop.example")
    for name, bend, code in CASES:
        for attr, value in {"person": ALICE, "tamper": {}, "forge": False, **bend}.items():
            setattr(provider, attr, value)
        browser = sso.browser()
        assert refused_with(via_provider(browser)) == code, name
        assert browser.get("/console/api/me").status_code == 401, name
    provider.person, provider.tamper, provider.forge = ALICE, {}, False
    # A state that is not this browser's, and an answer arriving in another browser.
    assert refused_with(via_provider(sso.browser(), state="x" * 43)) == "sso_state_invalid"
    start = sso.browser().get("/console/sso/start", follow_redirects=False)
    landed = httpx.get(start.headers["location"], follow_redirects=False).headers["location"]
    other = sso.browser().get(landed.removeprefix(BASE), follow_redirects=False)
    assert refused_with(other) == "sso_state_invalid"
    denied = via_provider(sso.browser(), error="access_denied")
    assert refused_with(denied) == "sso_failed"


def test_without_a_provider_there_is_no_single_sign_on(console: Console) -> None:
    browser = console.browser()
    assert browser.get("/console/api/sso").json() == {"enabled": False, "provider_name": None}
    assert refused_with(browser.get("/console/sso/start", follow_redirects=False)) == (
        "sso_disabled"
    )


def test_an_unreachable_provider_is_a_clear_refusal(data_dir: Path) -> None:
    settings = replace(
        console_settings(data_dir),
        oidc_issuer="http://127.0.0.1:9",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=Secret(CLIENT_SECRET),
    )
    with open_console(settings) as console:
        start = console.browser().get("/console/sso/start", follow_redirects=False)
        assert refused_with(start) == "sso_unavailable"


def test_an_invited_address_joins_through_the_provider_and_the_link_is_spent(
    sso: Console, provider: OidcProvider
) -> None:
    account_id, _ = sso.owner_of("Shop", "alice@shop.example")
    token = sso.invite(account_id, "bob@shop.example", "viewer")
    provider.person = {"sub": "u-3", "email": "bob@shop.example"}
    browser = sso.browser()
    assert via_provider(browser).headers["location"] == "/console/"
    me = browser.get("/console/api/me").json()
    assert [(a["id"], a["role"]) for a in me["accounts"]] == [(account_id, "viewer")]
    spent = sso.browser().post("/console/api/invitations/show", json={"token": token})
    assert spent.status_code == 400 and spent.json()["code"] == "link_invalid"
    # No password was chosen: a password sign-in for the address fails like any wrong one.
    assert sso.browser().sign_in("bob@shop.example").json()["code"] == "sign_in_failed"
