"""The authorization-code + PKCE flow run by a page's own JavaScript in Chromium.

The page is ``examples/pkce.html`` (the one ``docs/api-clients.md`` shows), served on the test
site's origin — an allowed origin of the key, with ``/callback`` among its redirect URLs. A member
signs in on the gateway's sign-in page, allows, and lands back on the page, which exchanges the
code (``crypto.subtle`` S256 verifier, CORS ``fetch``), calls the API with the token and
refreshes. Replaying the first refresh token then revokes the family: the newer refresh token and
its access token are refused too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page, Response, expect
from starlette.datastructures import Secret

from tests.browser.conftest import Gateway, Site, make_gateway

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "pkce.html"
SETTINGS_LINE = 'const GW = "https://gw.example", CLIENT = "pk_…";'
TOKEN = "admin-token-" + "p" * 30
OWNER = "olga@reports.example"
PASSWORD = "a long and private passphrase"


def example_page(gateway_url: str, client_id: str) -> str:
    """The example page with this gateway and key filled in, as a site owner would."""
    html = EXAMPLE.read_text()
    assert SETTINGS_LINE in html  # the page still has the shape the docs describe
    return html.replace(SETTINGS_LINE, f'const GW = "{gateway_url}", CLIENT = "{client_id}";')


def admin(gw: Gateway, path: str, body: dict[str, Any]) -> Any:
    answer = httpx.post(gw.url + path, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def member_and_key(gw: Gateway, site: Site) -> tuple[str, str]:
    """An account whose owner has set a password, and its key for the page: (account, pk)."""
    account = admin(gw, "/admin/v1/accounts", {"name": "Reports", "owner": OWNER})
    invitation = account["invitation_url"].split("#invitation=", 1)[1]
    accepted = httpx.post(
        gw.url + "/console/api/invitations/accept",
        json={"token": invitation, "password": PASSWORD},
    )
    assert accepted.status_code == 201, accepted.text
    key = admin(
        gw,
        "/admin/v1/keys",
        {
            "account": account["id"],
            "name": "Reports app",
            "origins": [site.origin],
            "redirect_uris": [site.origin + "/callback"],
        },
    )
    return account["id"], key["public_key"]


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[Gateway]:
    gateway = make_gateway(tmp_path / "gw", (), admin_token=Secret(TOKEN))
    gateway.settings = replace(gateway.settings, public_url=gateway.url)
    gateway.start()
    yield gateway
    gateway.stop()


def token_answers(page: Page) -> list[Response]:
    """Every answer of ``POST /oauth/token`` the page receives, in order."""
    seen: list[Response] = []
    page.on(
        "response",
        lambda r: seen.append(r) if r.url.endswith("/oauth/token") and r.ok else None,
    )
    return seen


def post_token(page: Page, gateway_url: str, form: dict[str, str]) -> Any:
    """A token request from the page's own JavaScript: [status, error] or a TypeError's name."""
    return page.evaluate(
        """async ([url, form]) => {
            try {
                const r = await fetch(url + "/oauth/token",
                    { method: "POST", body: new URLSearchParams(form) });
                return [r.status, (await r.json()).error];
            } catch (e) { return e.name; }
        }""",
        [gateway_url, form],
    )


def call_api(page: Page, gateway_url: str, access_token: str) -> Any:
    return page.evaluate(
        """async ([url, token]) => {
            const r = await fetch(url + "/api/v1/key",
                { headers: { Authorization: "Bearer " + token } });
            return [r.status, (await r.json()).code || null];
        }""",
        [gateway_url, access_token],
    )


def test_a_page_signs_a_member_in_with_pkce_refreshes_and_a_replay_ends_the_family(
    gw: Gateway, fresh_site: Site, other_site: Site, page: Page
) -> None:
    account, pk = member_and_key(gw, fresh_site)
    callback = fresh_site.add("/callback", example_page(gw.url, pk))
    answers = token_answers(page)

    page.goto(callback)
    page.click("#sign-in")
    # Not signed in: the gateway's sign-in page, then back to the authorization page.
    expect(page.locator("#signin")).to_be_visible()
    assert urlsplit(page.url).path == "/console/"
    page.fill("#si-email", OWNER)
    page.fill("#si-password", PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_url(re.compile(r"/oauth/authorize\?"))
    expect(page.locator("body")).to_contain_text("Reports app")
    expect(page.locator("body")).to_contain_text("Read consent records")
    expect(page.locator("body")).to_contain_text("refresh tokens")
    with page.expect_request(lambda r: r.url.startswith(callback + "?")) as landed:
        page.get_by_role("button", name=re.compile("Allow", re.I)).click()
    query = dict(p.split("=", 1) for p in urlsplit(landed.value.url).query.split("&"))
    assert query["code"] and query["state"]

    # The page exchanged the code and called the API with the access token.
    status = page.locator("#status")
    expect(status).to_have_text(f"Signed in: account {account}, scopes consents:read")
    assert page.url == callback  # the code left the address bar
    first = answers[0].json()
    assert first["token_type"] == "Bearer" and first["refresh_token"]
    # CORS: the browser read the answer because the page's origin is one the key allows.
    assert answers[0].headers["access-control-allow-origin"] == fresh_site.origin

    # Refresh: the page gets a new pair, and calls the API again with the new access token.
    with page.expect_response(
        lambda r: r.url == gw.url + "/api/v1/key" and r.request.method == "GET"
    ) as called:
        page.click("#refresh")
    assert called.value.status == 200
    expect(status).to_have_text(f"Signed in: account {account}, scopes consents:read")
    assert len(answers) == 2
    second = answers[1].json()
    assert second["refresh_token"] != first["refresh_token"]
    assert call_api(page, gw.url, second["access_token"]) == [200, None]

    # The first refresh token ended when it was used: replaying it revokes its whole family.
    replayed = post_token(
        page,
        gw.url,
        {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": pk},
    )
    assert replayed == [400, "invalid_grant"]
    assert call_api(page, gw.url, second["access_token"]) == [401, "invalid_token"]
    page.click("#refresh")  # the page's newer refresh token is of the same family
    expect(status).to_have_text("Refresh refused: invalid_grant")

    # A page on an origin the key does not allow cannot read the token endpoint's answers.
    elsewhere = page.context.new_page()
    elsewhere.goto(other_site.add("/", "<!doctype html><title>elsewhere</title>"))
    form = {"grant_type": "refresh_token", "refresh_token": "x", "client_id": pk}
    assert post_token(elsewhere, gw.url, form) == "TypeError"
    for origin, allowed in ((fresh_site.origin, True), (other_site.origin, False)):
        answer = httpx.post(gw.url + "/oauth/token", data=form, headers={"Origin": origin})
        assert answer.json()["error"] == "invalid_grant"
        assert answer.headers.get("access-control-allow-origin") == (origin if allowed else None)
    assert page.errors == []  # type: ignore[attr-defined]
