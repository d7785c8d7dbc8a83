"""The console's members and security in headless Chromium, with single sign-on through a real
OpenID Connect provider on loopback: roles changed and a member removed (never the last owner),
two-factor required of every member, and a member signing in with the provider, refused once,
then sent to set up two-factor sign-in before anything else."""

from __future__ import annotations

import email
import re
import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect
from starlette.datastructures import Secret

from tests.browser.conftest import Gateway, make_gateway
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.wait import poll

pytestmark = pytest.mark.browser

TOKEN = secrets.token_urlsafe(32)
OWNER = "alice@shop.example"
MEMBER = "ada@shop.example"
PASSWORD = "correct horse battery staple"
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture
def sso_gateway(tmp_path: Path) -> Iterator[tuple[Gateway, OidcProvider]]:
    gw = make_gateway(tmp_path / "gw", (), admin_token=Secret(TOKEN))
    provider = OidcProvider(redirect_uri=gw.url + "/console/sso/callback").start()
    gw.settings = replace(
        gw.settings,
        public_url=gw.url,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=Secret(CLIENT_SECRET),
        oidc_provider_name="Example ID",
    )
    gw.start()
    yield gw, provider
    gw.stop()
    provider.stop()


def mailed_link(gw: Gateway, to: str) -> str:
    def link() -> str | None:
        for path in sorted((gw.data_dir / "mail").glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to in str(message["To"]):
                body = message.get_body(("plain",))
                found = re.search(r"\S+#invitation=\S+", body.get_content() if body else "")
                if found:
                    return found.group(0)
        return None

    return poll(link, within=10)


def new_page(browser: Browser) -> Page:
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors  # type: ignore[attr-defined]
    return page


def accept(page: Page, link: str) -> None:
    page.goto(link)
    page.fill("#inv-password", PASSWORD)
    page.click("#invitation-form button[type=submit]")
    expect(page.locator("#app")).to_be_visible()


def turn_on_two_factor(page: Page) -> None:
    page.click("#tf-enrol")
    expect(page.locator("#tf-secret")).not_to_be_empty()
    secret = page.locator("#tf-secret").inner_text()
    page.fill("#tf-code", pyotp.TOTP(secret).now())
    page.click("#tf-form button[type=submit]")
    expect(page.locator("#tf-state")).to_have_text("Two-factor sign-in is on.")


def test_owner_manages_members_and_a_member_signs_in_with_the_provider(
    browser: Browser, sso_gateway: tuple[Gateway, OidcProvider]
) -> None:
    gw, provider = sso_gateway
    made = httpx.post(
        gw.url + "/admin/v1/accounts",
        json={"name": "Shop", "owner": OWNER},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert made.status_code == 201, made.text
    owner = new_page(browser)
    accept(owner, made.json()["invitation_url"])
    me = owner.locator("#members li", has_text=OWNER)
    # The last owner can neither be demoted nor removed.
    me.get_by_label(f"Role of {OWNER}", exact=True).select_option("admin")
    me.get_by_role("button", name=f"Change role of {OWNER}").click()
    expect(owner.locator("#members-errors")).to_contain_text("no owner left")
    me.get_by_role("button", name=f"Remove {OWNER} from this account").click()
    me.get_by_role("button", name=f"Remove now: {OWNER}").click()
    expect(owner.locator("#members-errors")).to_contain_text("no owner left")
    expect(owner.locator("#members li", has_text=OWNER)).to_contain_text("owner")

    owner.fill("#iv-email", MEMBER)
    owner.select_option("#iv-role", "viewer")
    owner.click("#invite-form button[type=submit]")
    expect(owner.locator("#status")).to_contain_text("Invitation sent")
    token = mailed_link(gw, MEMBER).split("#invitation=", 1)[1]
    joined = httpx.post(
        gw.url + "/console/api/invitations/accept", json={"token": token, "password": PASSWORD}
    )
    assert joined.status_code == 201, joined.text

    owner.reload()
    ada = owner.locator("#members li", has_text=MEMBER)
    ada.get_by_label(f"Role of {MEMBER}", exact=True).select_option("admin")
    ada.get_by_role("button", name=f"Change role of {MEMBER}").click()
    expect(owner.locator("#status")).to_contain_text(f"{MEMBER} is now admin")
    expect(owner.locator("#members li", has_text=MEMBER)).to_contain_text("· admin")

    # Requiring two-factor sign-in: the owner turns it on for themselves first.
    owner.click("#require-2fa")  # refused, and unchecked again
    expect(owner.locator("#members-errors")).to_contain_text("before requiring it")
    expect(owner.locator("#require-2fa")).not_to_be_checked()
    turn_on_two_factor(owner)
    owner.check("#require-2fa")
    expect(owner.locator("#status")).to_contain_text("required of every member")
    IMG.mkdir(parents=True, exist_ok=True)
    owner.locator("#members-section").screenshot(path=str(IMG / "console-members.png"))

    # The member, in a fresh browser, signs in with the provider instead of a password.
    sso = new_page(browser)
    sso.goto(gw.url + "/console/")
    link = sso.get_by_role("link", name="Sign in with Example ID")
    expect(link).to_be_visible()
    provider.person = {"sub": "ada-1", "email": MEMBER}
    provider.tamper = {"nonce": "not the one sent"}
    link.click()
    expect(sso.locator("#sso-error")).to_contain_text("could not be verified")
    assert "#" not in sso.url
    expect(sso.locator("#signin")).to_be_visible()
    provider.tamper = {}
    sso.get_by_role("link", name="Sign in with Example ID").click()
    # Signed in, but sent to set up two-factor sign-in before anything else.
    expect(sso.locator("#tf-required")).to_be_visible()
    expect(sso.locator("#security-section")).to_be_visible()
    expect(sso.locator("#keys-section")).to_be_hidden()
    expect(sso.locator("#members-section")).to_be_hidden()
    turn_on_two_factor(sso)
    expect(sso.locator("#keys-section")).to_be_visible()
    expect(sso.locator("#tf-required")).to_be_hidden()
    expect(sso.locator("#role")).to_have_text("admin")
    expect(sso.locator("#require-2fa-box")).to_be_hidden()  # the owners' setting and buttons
    expect(sso.locator("#members li", has_text=OWNER)).to_be_visible()
    expect(sso.locator("#members").get_by_role("button")).to_have_count(0)

    # The owner removes the member; the member's page loses the account.
    owner.reload()
    ada = owner.locator("#members li", has_text=MEMBER)
    ada.get_by_role("button", name=f"Remove {MEMBER} from this account").click()
    ada.get_by_role("button", name=f"Keep {MEMBER}").click()
    expect(owner.locator("#members li", has_text=MEMBER)).to_have_count(1)
    ada.get_by_role("button", name=f"Remove {MEMBER} from this account").click()
    ada.get_by_role("button", name=f"Remove now: {MEMBER}").click()
    expect(owner.locator("#status")).to_contain_text("was removed")
    expect(owner.locator("#members li", has_text=MEMBER)).to_have_count(0)
    sso.reload()
    expect(sso.locator("#status")).to_contain_text("not a member of any account")
    assert owner.errors == sso.errors == []  # type: ignore[attr-defined]
