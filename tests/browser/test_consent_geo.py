"""Geo variants of the consent banner in headless Chromium, and its right-to-left layout.

The gateway trusts the loopback proxy range, so the location headers a CloudFront-style edge
would add (added here to every request for the gateway, as the edge adds them) are believed.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import Gateway, Site, make_gateway
from tests.support.wait import poll

pytestmark = pytest.mark.browser

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
COUNTRY, REGION = "CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Region"
DO_NOT_SELL = "Do Not Sell or Share My Personal Information"
GPC_SCRIPT = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
SERVICES = [
    {
        "id": "analytics",
        "services": [{"id": "stats", "name": "Site statistics", "cookies": ["_stats", "_stats_*"]}],
    },
    {"id": "marketing", "services": [{"id": "ads", "name": "Ad network", "cookies": ["_ads"]}]},
]
CONFIG = {
    "categories": [{"id": "necessary"}, {"id": "functional"}, *SERVICES],
    "variants": [
        {"id": "gdpr", "regions": ["EEA", "UK", "CH"], "mode": "opt_in"},
        {"id": "us-states", "regions": ["US-PRIVACY"], "mode": "opt_out"},
        {"id": "elsewhere", "regions": ["*"], "mode": "none"},
    ],
}
BLOCKED = (
    '<script type="text/plain" data-category="analytics">'
    "window.stats = 1; document.cookie = '_stats=1;path=/'; "
    "document.cookie = '_stats_x=2;path=/'</script>"
    '<script type="text/plain" data-category="marketing">window.ads = 1</script>'
)


@pytest.fixture
def geo_gateway(tmp_path: Path, site: Site) -> Iterator[Gateway]:
    gw = make_gateway(
        tmp_path / "gateway-data",
        (site.origin,),
        trusted_proxies=(ipaddress.ip_network("127.0.0.0/8"),),
        geo_country_header=COUNTRY,
        geo_region_header=REGION,
    )
    gw.put_key(replace(gw.key.key, consent_config=CONFIG))
    yield gw.start()
    gw.stop()


def visit(
    open_page: Callable[..., Page],
    site: Site,
    gw: Gateway,
    where: dict[str, str],
    gpc: bool = False,
    lang: str = "en",
    **context: Any,
) -> Page:
    page = open_page(**context)

    def edge(route: Route) -> None:
        headers = {**route.request.headers, **where}
        if gpc:
            headers["Sec-GPC"] = "1"
        route.continue_(headers=headers)

    page.route(f"{gw.url}/**", edge)
    if gpc:
        page.add_init_script(GPC_SCRIPT)
    html = (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>Shop</title>"
        f"{gw.snippet('consent')}</head><body><h1>Shop</h1>{BLOCKED}"
        "<footer><a href='#' data-wg-consent-open>Your privacy choices</a></footer></body></html>"
    )
    page.goto(site.add("/", html))
    return page


def records(gw: Gateway) -> list[dict[str, Any]]:
    path = gw.data_dir / "consent.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def cookie_names(page: Page) -> set[str]:
    return {c["name"] for c in page.context.cookies()}


def test_a_california_visitor_sees_the_opt_out_notice_and_can_opt_out(
    open_page: Callable[..., Page], fresh_site: Site, geo_gateway: Gateway
) -> None:
    page = visit(open_page, fresh_site, geo_gateway, {COUNTRY: "US", REGION: "CA"})
    notice = page.get_by_role("dialog", name="We value your privacy")
    expect(notice).to_be_visible()
    do_not_sell = notice.get_by_role("button", name=DO_NOT_SELL)
    expect(do_not_sell).to_be_visible()
    expect(notice.get_by_role("button", name="Accept all")).to_have_count(0)
    # Opt-out: everything runs until the visitor says otherwise; nothing is recorded yet.
    page.wait_for_function("window.stats === 1 && window.ads === 1")
    assert {"_stats", "_stats_x"} <= cookie_names(page)
    assert records(geo_gateway) == []
    # The link and the dismissal carry the same weight: same size, same colours.
    close = notice.get_by_role("button", name="Close")
    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).fontWeight]"
    assert do_not_sell.evaluate(style) == close.evaluate(style)
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "consent-opt-out-notice.png"))

    do_not_sell.click()
    preferences = page.get_by_role("dialog", name="Privacy preferences")
    expect(preferences).to_be_visible()
    expect(preferences.get_by_role("switch", name="Analytics")).to_be_checked()
    preferences.get_by_role("button", name="Reject all").click()
    [record] = poll(lambda: records(geo_gateway), within=10.0)
    assert (record["action"], record["variant"]) == ("reject_all", "us-states")
    assert record["categories"]["analytics"] is False and record["categories"]["marketing"] is False
    # Withdrawn: the cookies the refused service declares are gone, the consent cookie stays.
    names = cookie_names(page)
    assert "_stats" not in names and "_stats_x" not in names and "wg_consent" in names
    # The site's own "Do Not Sell" link reopens the choice later.
    page.reload()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_text("Your privacy choices").click()
    expect(page.get_by_role("dialog", name="Privacy preferences")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]


def test_gpc_counts_as_the_california_visitors_opt_out(
    open_page: Callable[..., Page], fresh_site: Site, geo_gateway: Gateway
) -> None:
    page = visit(open_page, fresh_site, geo_gateway, {COUNTRY: "US", REGION: "CA"}, gpc=True)
    notice = page.get_by_role("dialog", name="We value your privacy")
    expect(notice).to_be_visible()
    expect(notice.get_by_text("Global Privacy Control")).to_be_visible()
    expect(notice.get_by_role("button", name=DO_NOT_SELL)).to_be_visible()
    # Recorded as the visitor's opt-out of sale and sharing, without a click.
    [record] = poll(lambda: records(geo_gateway), within=10.0)
    assert record["variant"] == "us-states" and record["gpc"] is True
    assert record["categories"]["marketing"] is False and record["categories"]["analytics"] is True
    page.wait_for_function("window.stats === 1")
    assert page.evaluate("window.ads") is None
    consent = dict(
        p.split("=", 1)
        for c in page.context.cookies()
        if c["name"] == "wg_consent"
        for p in c["value"].split("&")
    )
    assert consent["gpc"] == "1" and "marketing" not in consent["c"]
    # Closing the notice keeps it closed on the next page; the choice is not recorded twice.
    notice.get_by_role("button", name="Close").click()
    page.reload()
    page.wait_for_function("window.stats === 1")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert len(records(geo_gateway)) == 1


def test_a_visitor_from_a_country_without_a_variant_sees_no_banner(
    open_page: Callable[..., Page], fresh_site: Site, geo_gateway: Gateway
) -> None:
    page = visit(open_page, fresh_site, geo_gateway, {COUNTRY: "JP"})
    # "none": the page runs as if accepted, and nothing of the widget shows.
    page.wait_for_function("window.stats === 1 && window.ads === 1")
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.locator("#wg-consent").evaluate("e => e.shadowRoot.textContent") == ""
    assert records(geo_gateway) == []


def test_an_eu_visitor_sees_the_opt_in_banner(
    open_page: Callable[..., Page], fresh_site: Site, geo_gateway: Gateway
) -> None:
    page = visit(open_page, fresh_site, geo_gateway, {COUNTRY: "DE", REGION: "BE"})
    banner = page.get_by_role("dialog", name="We value your privacy")
    expect(banner.get_by_role("button", name="Accept all")).to_be_visible()
    expect(banner.get_by_role("button", name="Reject all")).to_be_visible()
    assert page.evaluate("[window.stats, window.ads]") == [None, None]
    banner.get_by_role("button", name="Accept all").click()
    [record] = poll(lambda: records(geo_gateway), within=10.0)
    assert (record["action"], record["variant"]) == ("accept_all", "gdpr")


def test_an_arabic_visitor_sees_a_fully_mirrored_banner(
    open_page: Callable[..., Page], fresh_site: Site, geo_gateway: Gateway
) -> None:
    page = visit(
        open_page,
        fresh_site,
        geo_gateway,
        {COUNTRY: "FR"},
        lang="ar",
        viewport={"width": 1000, "height": 700},
    )
    banner = page.get_by_role("dialog", name="نحن نحترم خصوصيتك")
    expect(banner).to_be_visible()
    assert banner.evaluate("e => getComputedStyle(e).direction") == "rtl"
    accept, reject, customise = (
        banner.locator(f"button[data-action={a}]").bounding_box()
        for a in ("accept-all", "reject-all", "preferences")
    )
    assert accept and reject and customise
    # The first choice stands at the right, the others follow leftwards.
    assert accept["x"] > reject["x"] > customise["x"]
    # The heading's text starts at the right edge, like the text under it.
    box = banner.bounding_box()
    assert box
    heading_right = banner.locator("h2").evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e); "
        "return r.getBoundingClientRect().right }"
    )
    assert box["x"] + box["width"] - heading_right < 40
    page.screenshot(path=str(IMG / "consent-banner-rtl.png"))

    banner.locator("button[data-action=preferences]").click()
    preferences = page.get_by_role("dialog", name="تفضيلات الخصوصية")
    expect(preferences).to_be_visible()
    title = preferences.locator("h2").bounding_box()
    close = preferences.locator("button.close").bounding_box()
    assert title and close and close["x"] < title["x"]  # the close button at the left
    # A switch: its label at the right, the switch at the left, its knob moving leftwards
    # (the first row, a required category, shows "Always on" instead of a switch).
    row = preferences.locator("label").nth(1)
    name_box = row.locator("span").bounding_box()
    switch = row.locator("input")
    switch_box = switch.bounding_box()
    assert name_box and switch_box and switch_box["x"] < name_box["x"]
    knob = "e => [getComputedStyle(e, '::before').left, getComputedStyle(e, '::before').right]"
    left, right = switch.evaluate(knob)
    assert float(right.removesuffix("px")) < float(left.removesuffix("px"))
    checked = preferences.locator("input[data-category=analytics]")
    checked.check()
    # The knob slides (a short transition): wait until it has moved leftwards.
    page.wait_for_function(
        "e => new DOMMatrix(getComputedStyle(e, '::before').transform).m41 < 0",
        arg=checked.element_handle(),
        timeout=5_000,
    )
    preferences.locator("button[data-action=save]").click()
    # The floating reopen button sits in the right-hand corner.
    reopen = page.locator("#wg-consent").locator("button.reopen").bounding_box()
    assert reopen and reopen["x"] > 500
    assert page.errors == []  # type: ignore[attr-defined]
