"""The key-manager page in headless Chromium: create a key, paste its snippet, revoke it."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from starlette.datastructures import Secret

from tests.browser.conftest import Site, make_gateway

pytestmark = pytest.mark.browser

TOKEN = secrets.token_urlsafe(32)
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def test_create_copy_snippet_see_widget_then_revoke(
    browser: Browser, fresh_site: Site, tmp_path: Path
) -> None:
    gw = make_gateway(tmp_path / "gw", (), admin_token=Secret(TOKEN)).start()
    admin = browser.new_context(
        permissions=["clipboard-read", "clipboard-write"], viewport={"width": 1200, "height": 900}
    )
    try:
        page = admin.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(gw.url + "/admin/")
        page.fill("#token", TOKEN)
        page.click("#token-form button")
        expect(page.locator("#manager")).to_be_visible()
        assert page.evaluate("sessionStorage.getItem('wg-admin-token')") == TOKEN
        assert page.evaluate("localStorage.length") == 0

        page.click("#create-box summary")
        page.fill("#c-account", "acct-shop")
        page.fill("#c-name", "Shop")
        page.fill("#c-origins", fresh_site.origin + "\nhttps://shop.example/path")
        page.click("#create-form button[type=submit]")
        expect(page.locator("#create-errors li")).to_contain_text("origins[1]")
        page.fill("#c-origins", fresh_site.origin)
        page.click("#create-form button[type=submit]")

        expect(page.locator("#secret")).to_be_visible()
        expect(page.locator("#secret-value")).to_contain_text("sk_")
        expect(page.locator("#secret .warning")).to_contain_text("shown only once")
        expect(page.locator("#keys tbody tr", has_text="acct-shop")).to_have_count(1)
        page.locator("#secret").scroll_into_view_if_needed()
        IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMG / "key-manager.png"), full_page=True)

        page.click("#copy-consent")
        snippet = page.evaluate("navigator.clipboard.readText()")
        assert snippet.startswith(f'<script src="{gw.url}/widgets/consent.js" data-key="pk_')
        page.click("#copy-secret")
        assert page.evaluate("navigator.clipboard.readText()").startswith("sk_")

        visitor = browser.new_context()
        site_page = visitor.new_page()
        url = fresh_site.add("/", f"<!doctype html><title>Shop</title>{snippet}<h1>Shop</h1>")
        site_page.goto(url)
        expect(site_page.locator("#wg-consent")).to_be_attached(timeout=10_000)
        visitor.close()

        page.click("#revoke")
        page.fill("#revoke-name", "Shop")
        page.click("#revoke-yes")
        expect(page.locator("#status")).to_contain_text("revoked")
        expect(page.locator("#keys tbody tr", has_text="acct-shop")).to_have_class("revoked")
        assert errors == []

        visitor = browser.new_context()
        site_page = visitor.new_page()
        warnings: list[str] = []
        site_page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        with site_page.expect_response(lambda r: "/consent/config" in r.url) as answer:
            site_page.goto(url)
        assert answer.value.status == 403
        site_page.wait_for_load_state("networkidle")
        assert site_page.locator("#wg-consent").count() == 0
        visitor.close()
    finally:
        admin.close()
        gw.stop()
