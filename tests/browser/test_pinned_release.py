"""A site that pinned an earlier release's banner (hashed URL + SRI) keeps a working banner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Gateway, Site
from tests.browser.test_consent_widget import records
from tests.support.wait import poll

pytestmark = pytest.mark.browser

RELEASES = Path(__file__).resolve().parents[2] / "static" / "releases"


def test_the_oldest_kept_banner_still_shows_and_records(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    oldest = json.loads((RELEASES / "manifest.json").read_text(encoding="utf-8"))["releases"][-1]
    pinned = oldest["widgets"]["consent"]
    snippet = (
        f'<script src="{gateway.url}/widgets/consent.{pinned["sha256"][:12]}.js" '
        f'integrity="{pinned["integrity"]}" crossorigin="anonymous" '
        f'data-key="{gateway.key.key.public_key}" async></script>'
    )
    page.goto(
        fresh_site.add(
            "/",
            f"<!doctype html><html lang='en'><head><title>Shop</title>{snippet}</head>"
            "<body><h1>Shop</h1></body></html>",
        )
    )
    banner = page.get_by_role("dialog", name="We value your privacy")
    expect(banner).to_be_visible()
    page.get_by_role("button", name="Accept all").click()
    expect(banner).to_be_hidden()
    [record] = poll(lambda: records(gateway), within=10.0)
    assert record["action"] == "accept_all"
    assert page.errors == []  # type: ignore[attr-defined]
