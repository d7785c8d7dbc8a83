"""A site that pinned an earlier release's banner (hashed URL + SRI) keeps a working banner."""

from __future__ import annotations

import json
import logging
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


def test_a_revalidated_widget_keeps_its_cors_answer(
    page: Page, fresh_site: Site, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    # The widget's 304 carries only ETag, Cache-Control and Vary: the browser applies the
    # stored 200's CORS field, so a CORS-mode load after revalidation still reads the script.
    page.goto(fresh_site.add("/", "<!doctype html><html lang='en'><title>Shop</title></html>"))
    fetch = (
        "async (url) => { const r = await fetch(url, {mode: 'cors', cache: 'no-cache'});"
        " return [r.status, (await r.text()).length]; }"
    )
    url = f"{gateway.url}/widgets/consent.js"
    with caplog.at_level(logging.INFO, logger="gateway.access"):
        first = page.evaluate(fetch, url)
        again = page.evaluate(fetch, url)
    answered = [r.status for r in caplog.records if getattr(r, "route", "").startswith("/widgets/")]
    assert answered == [200, 304]  # the second load was revalidated by the gateway
    assert first[0] == 200 and first[1] > 1000
    assert again == first  # and read through CORS from the cache the 304 refreshed
