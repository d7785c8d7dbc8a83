"""The owner console in headless Chromium: an invitation, a key with its snippet, a viewer, the
keyboard, and the authorization page signing a member in through the console."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from base64 import urlsafe_b64encode
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from starlette.datastructures import Secret

from tests.browser.conftest import Gateway, Site, make_gateway
from tests.support.smtp import SmtpServer
from tests.support.wait import poll

pytestmark = pytest.mark.browser

TOKEN = secrets.token_urlsafe(32)
OWNER = "alice@shop.example"
VIEWER = "victor@shop.example"
PASSWORD = "correct horse battery staple"
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@dataclass
class Console:
    gw: Gateway
    smtp: SmtpServer
    browser: Browser
    contexts: list[BrowserContext]

    def page(self) -> Page:
        context = self.browser.new_context(
            permissions=["clipboard-read", "clipboard-write"],
            viewport={"width": 1200, "height": 900},
        )
        self.contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        return page

    def create_account(self) -> str:
        """What an operator does: the account, and the invitation link for its first owner."""
        answer = httpx.post(
            self.gw.url + "/admin/v1/accounts",
            json={"name": "Shop", "owner": OWNER},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert answer.status_code == 201, answer.text
        link: str = answer.json()["invitation_url"]
        return link

    def mailed_link(self, to: str) -> str:
        def link() -> str | None:
            for received in self.smtp.handler.received:
                if to in received.rcpt_tos:
                    body = received.message().get_body(("plain",))
                    assert body is not None
                    found = re.search(r"\S+#invitation=\S+", body.get_content())
                    if found:
                        return found.group(0)
            return None

        return poll(link, within=10)


@pytest.fixture
def console(browser: Browser, tmp_path: Path) -> Iterator[Console]:
    smtp = SmtpServer()
    smtp.start()
    gw = make_gateway(tmp_path / "gw", (), admin_token=Secret(TOKEN))
    gw.settings = replace(
        gw.settings,
        public_url=gw.url,
        smtp_url=Secret(smtp.url()),
        mail_from="gateway@gw.example",
    )
    gw.start()
    opened = Console(gw, smtp, browser, [])
    yield opened
    for context in opened.contexts:
        context.close()
    gw.stop()
    smtp.stop()


def accept(page: Page, link: str, password: str = PASSWORD) -> None:
    page.goto(link)
    expect(page.locator("#invitation")).to_be_visible()
    expect(page.locator("#inv-about")).to_contain_text("Shop")
    assert "#invitation" not in page.url  # the token left the address bar
    page.fill("#inv-password", password)
    page.click("#invitation-form button[type=submit]")
    expect(page.locator("#app")).to_be_visible()


def create_key(page: Page, name: str, origin: str, redirect: str = "") -> str:
    page.click("#create-box summary")
    page.fill("#c-name", name)
    page.fill("#c-origins", origin)
    page.fill("#c-redirects", redirect)
    page.click("#create-key")
    expect(page.locator("#secret")).to_be_visible()
    return page.locator("#d-pk").inner_text()


def owner_with_key(console: Console, origin: str, name: str = "Shop") -> tuple[Page, str]:
    """A new account's owner, signed in, with a key for ``origin`` whose private key was shown
    and put away: the start of every flow that needs a site with a key."""
    owner = console.page()
    accept(owner, console.create_account())
    public_key = create_key(owner, name, origin)
    owner.click("#secret-done")
    return owner, public_key


def test_owner_accepts_creates_a_key_sees_it_once_and_a_viewer_cannot_change_it(
    console: Console, fresh_site: Site
) -> None:
    owner = console.page()
    accept(owner, console.create_account())
    expect(owner.locator("#role")).to_have_text("owner")
    expect(owner.locator("#no-keys")).to_be_visible()

    owner.click("#create-box summary")
    owner.fill("#c-name", "Shop")
    owner.fill("#c-origins", "https://shop.example/path")
    owner.click("#create-key")
    expect(owner.locator("#create-errors li")).to_contain_text("origins[0]")
    owner.fill("#c-origins", fresh_site.origin)
    owner.click("#create-key")

    expect(owner.locator("#secret")).to_be_visible()
    expect(owner.locator("#secret .warning")).to_contain_text("shown only once")
    private_key = owner.locator("#secret-value").inner_text()
    assert private_key.startswith("sk_")
    public_key = owner.locator("#d-pk").inner_text()
    assert public_key.startswith("pk_")
    expect(owner.locator("#keys tbody tr", has_text="Shop")).to_contain_text(public_key)
    consent = owner.locator("#snippet-consent").inner_text()
    assert consent == (
        f'<script src="{console.gw.url}/widgets/consent.js" data-key="{public_key}" async></script>'
    )
    expect(owner.locator("#snippet-rights")).to_contain_text(f'data-key="{public_key}"')
    IMG.mkdir(parents=True, exist_ok=True)
    owner.screenshot(path=str(IMG / "console-keys.png"), full_page=True)

    owner.click("#copy-secret")
    assert owner.evaluate("navigator.clipboard.readText()") == private_key
    owner.click("#copy-consent")
    snippet = owner.evaluate("navigator.clipboard.readText()")
    visitor = console.page()
    visitor.goto(fresh_site.add("/", f"<!doctype html><head>{snippet}</head><h1>Shop</h1>"))
    expect(visitor.locator("#wg-consent")).to_be_attached(timeout=10_000)

    # Shown once: after a reload the key is listed, the private key is nowhere on the page.
    owner.reload()
    expect(owner.locator("#keys tbody tr", has_text="Shop")).to_have_count(1)
    expect(owner.locator("#secret")).to_be_hidden()
    assert private_key not in owner.content()

    owner.fill("#iv-email", VIEWER)
    owner.select_option("#iv-role", "viewer")
    owner.click("#invite-form button[type=submit]")
    expect(owner.locator("#status")).to_contain_text("Invitation sent")
    expect(owner.locator("#members")).to_contain_text(VIEWER)

    viewer = console.page()
    accept(viewer, console.mailed_link(VIEWER), "another long passphrase here")
    expect(viewer.locator("#role")).to_have_text("viewer")
    expect(viewer.locator("#keys tbody tr", has_text="Shop")).to_contain_text(public_key)
    expect(viewer.locator("#create-box")).to_be_hidden()
    viewer.get_by_role("button", name="Show key Shop").click()
    expect(viewer.locator("#snippet-consent")).to_contain_text(public_key)
    expect(viewer.locator("#revoke")).to_be_hidden()
    expect(viewer.locator("#roll")).to_be_hidden()
    refused = viewer.evaluate(
        """async () => {
            const me = await (await fetch('/console/api/me')).json();
            const account = me.accounts[0].id;
            const r = await fetch('/console/api/accounts/' + account + '/keys', {
                method: 'POST', headers: {'Content-Type': 'application/json',
                'X-CSRF-Token': me.csrf_token}, body: JSON.stringify({name: 'x', origins: []})});
            return [r.status, (await r.json()).code];
        }"""
    )
    assert refused == [403, "role_too_low"]

    # The owner revokes, confirming with the key's name.
    owner.get_by_role("button", name="Show key Shop").click()
    owner.click("#revoke")
    owner.fill("#revoke-name", "Shop")
    owner.click("#revoke-yes")
    expect(owner.locator("#status")).to_contain_text("revoked")
    expect(owner.locator("#keys tbody tr", has_text="Shop")).to_have_class("revoked")
    assert owner.errors == viewer.errors == []  # type: ignore[attr-defined]


def test_sign_out_then_sign_in_with_the_keyboard_only(console: Console) -> None:
    page = console.page()
    accept(page, console.create_account())
    page.click("#sign-out")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#signin-title")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#si-email")).to_be_focused()
    page.keyboard.type(OWNER)
    page.keyboard.press("Tab")
    expect(page.locator("#si-password")).to_be_focused()
    page.keyboard.type("not the password at all")
    page.keyboard.press("Enter")
    expect(page.locator("#signin-errors")).to_contain_text("not right")
    page.fill("#si-password", "")
    page.focus("#si-password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#keys-title")).to_be_focused()
    expect(page.locator("#status")).to_contain_text(OWNER)


def test_the_authorization_page_signs_a_member_in_through_the_console(
    console: Console, fresh_site: Site
) -> None:
    owner = console.page()
    accept(owner, console.create_account())
    callback = fresh_site.origin + "/callback"
    public_key = create_key(owner, "Reports app", fresh_site.origin, callback)

    verifier = secrets.token_urlsafe(48)
    challenge = urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    query = {
        "response_type": "code",
        "client_id": public_key,
        "redirect_uri": callback,
        "state": "st-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": "consents:read",
    }
    member = console.page()  # another browser: not signed in
    member.goto(console.gw.url + "/oauth/authorize?" + urlencode(query))
    expect(member.locator("#signin")).to_be_visible()
    assert urlsplit(member.url).path == "/console/"
    member.fill("#si-email", OWNER)
    member.fill("#si-password", PASSWORD)
    member.click("#signin-form button[type=submit]")
    member.wait_for_url(re.compile(r"/oauth/authorize\?"))
    expect(member.locator("body")).to_contain_text("Reports app")
    with member.expect_request(lambda r: r.url.startswith(callback)) as sent:
        member.get_by_role("button", name=re.compile("Allow", re.I)).click()
    answer = parse_qs(urlsplit(sent.value.url).query)
    assert answer["state"] == ["st-1"] and answer["code"][0]
    token = httpx.post(
        console.gw.url + "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"][0],
            "redirect_uri": callback,
            "client_id": public_key,
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200, token.text


def test_two_factor_enrolment_then_sign_in_asks_for_the_code(console: Console) -> None:
    page = console.page()
    accept(page, console.create_account())
    page.click("#tf-enrol")
    expect(page.locator("#tf-code")).to_be_focused()
    uri = page.locator("#tf-uri").inner_text()
    secret = page.locator("#tf-secret").inner_text()
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    totp = pyotp.TOTP(secret)
    confirmed_at = time.time()
    page.fill("#tf-code", totp.at(confirmed_at))
    page.click("#tf-form button[type=submit]")
    expect(page.locator("#tf-codes")).to_be_visible()
    assert len(page.locator("#tf-codes-list").inner_text().split()) >= 8
    expect(page.locator("#tf-state")).to_have_text("Two-factor sign-in is on.")

    page.click("#sign-out")
    page.fill("#si-email", OWNER)
    page.fill("#si-password", PASSWORD)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#si-code")).to_be_focused()
    expect(page.locator("#signin-errors")).to_contain_text("authenticator")
    expect(page.locator("#app")).to_be_hidden()
    # The next step's code: the one used to confirm cannot be used twice.
    page.fill("#si-code", totp.at(confirmed_at + 30))
    page.keyboard.press("Enter")
    expect(page.locator("#app")).to_be_visible()


def test_ending_another_session_sends_that_browser_back_to_sign_in(console: Console) -> None:
    here = console.page()
    accept(here, console.create_account())
    there = console.page()
    there.goto(console.gw.url + "/console/")
    there.fill("#si-email", OWNER)
    there.fill("#si-password", PASSWORD)
    there.click("#signin-form button[type=submit]")
    expect(there.locator("#app")).to_be_visible()

    here.reload()
    expect(here.locator("#sessions li")).to_have_count(2)
    expect(here.locator("#sessions li", has_text="This browser")).to_have_count(1)
    here.get_by_role("button", name="End this session").click()
    expect(here.locator("#status")).to_contain_text("Session ended")
    expect(here.locator("#sessions li")).to_have_count(1)

    there.fill("#iv-email", VIEWER)
    there.click("#invite-form button[type=submit]")
    expect(there.locator("#signin")).to_be_visible()
    expect(there.locator("#status")).to_contain_text("sign in again")
    assert all(VIEWER not in m.rcpt_tos for m in console.smtp.handler.received)
