"""The consent cookie across subdomains, and a withdrawn service's cookies deleted, in Chromium.

Subdomains need host names: this browser resolves every ``*.shop.test`` to 127.0.0.1, so the
test site answers as ``www.shop.test`` and ``help.shop.test`` — two hosts under one domain.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, Gateway, Site, make_gateway
from tests.support.wait import poll

pytestmark = pytest.mark.browser

CONFIG = {
    "cookie_domain": "shop.test",
    "categories": [
        {"id": "necessary"},
        {
            "id": "analytics",
            "services": [
                {"id": "stats", "name": "Statistics", "cookies": [{"name": "_stats", "path": "/"}]}
            ],
        },
    ],
}
# What an analytics script does: a cookie on the registrable domain, one on its own host.
BLOCKED = (
    '<script type="text/plain" data-category="analytics" data-service="stats">'
    "document.cookie = '_stats=1;path=/;domain=shop.test';"
    "document.cookie = '_stats=2;path=/'; window.stats = 1</script>"
)


@pytest.fixture(scope="module")
def subdomain_browser(browser: Browser) -> Iterator[Browser]:
    # Another Chromium from the session's Playwright (one per thread), with the resolver rule.
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP *.shop.test 127.0.0.1"]
    launched = browser.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
    yield launched
    launched.close()


@pytest.fixture
def shop(tmp_path: Path, fresh_site: Site) -> Iterator[Gateway]:
    hosts = [f"http://{h}.shop.test:{fresh_site.port}" for h in ("www", "help")]
    gw = make_gateway(tmp_path / "gateway-data", tuple(hosts))
    gw.put_key(replace(gw.key.key, consent_config=CONFIG))
    yield gw.start()
    gw.stop()


def add_page(site: Site, gw: Gateway) -> None:
    site.add(
        "/",
        "<!doctype html><html lang='en'><head><title>Shop</title>"
        f"{gw.snippet('consent')}</head><body><h1>Shop</h1>{BLOCKED}"
        "<a href='#' data-wg-consent-open>Privacy choices</a></body></html>",
    )


def records(gw: Gateway) -> list[dict[str, Any]]:
    path = gw.data_dir / "consent.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def cookies(page: Page) -> list[tuple[str, str]]:
    return sorted((c["name"], c["domain"]) for c in page.context.cookies())


def test_one_choice_holds_on_every_subdomain_and_withdrawal_deletes_the_services_cookies(
    subdomain_browser: Browser, fresh_site: Site, shop: Gateway
) -> None:
    add_page(fresh_site, shop)
    context = subdomain_browser.new_context()
    page = context.new_page()
    page.goto(f"http://www.shop.test:{fresh_site.port}/")
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_function("window.stats === 1")
    # The consent cookie is the domain's, not the host's.
    assert ("wg_consent", ".shop.test") in cookies(page)
    assert ("wg_consent", "www.shop.test") not in cookies(page)

    page.goto(f"http://help.shop.test:{fresh_site.port}/")
    page.wait_for_function("window.stats === 1")  # the choice made on www applies here
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert {("_stats", ".shop.test"), ("_stats", "help.shop.test")} <= set(cookies(page))

    page.get_by_text("Privacy choices").click()
    page.get_by_role("dialog", name="Privacy preferences").get_by_role(
        "button", name="Reject all"
    ).click()
    poll(lambda: len(records(shop)) == 2, within=10.0)
    assert records(shop)[1]["action"] == "withdraw"
    # Both copies of the withdrawn service's cookie this page can reach are gone, on its host and
    # on the domain (www's own host-only copy is out of this page's reach).
    assert ("_stats", ".shop.test") not in cookies(page)
    assert ("_stats", "help.shop.test") not in cookies(page)
    assert ("wg_consent", ".shop.test") in cookies(page)
    # The withdrawal holds on www too: its blocked script no longer runs there.
    page.goto(f"http://www.shop.test:{fresh_site.port}/")
    expect(page.get_by_role("button", name="Privacy settings")).to_be_visible()
    assert page.evaluate("window.stats") is None
    context.close()
