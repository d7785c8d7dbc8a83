"""Click-to-load placeholders, the cookie declaration and the per-key script, in Chromium.

The "video" is a page the suite's test site serves on loopback, embedded the way a YouTube
player is: an ``<iframe data-src>`` blocked until the visitor allows the service.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import Gateway, Site
from tests.browser.test_consent_widget import collect_csp_violations, records, strict_csp

pytestmark = pytest.mark.browser

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"

YOUTUBE = {
    "id": "youtube",
    "name": "YouTube",
    "cookies": [
        {
            "name": "VISITOR_INFO1_LIVE",
            "provider": "Google",
            "purpose": {"en": "Estimates your bandwidth", "fr": "Estime votre bande passante"},
            "duration": {"en": "6 months", "fr": "6 mois"},
        },
        "YSC",
    ],
}
CONFIG = {
    "categories": [
        {"id": "necessary"},
        {
            "id": "analytics",
            "services": [
                {
                    "id": "matomo",
                    "name": "Matomo",
                    "cookies": [
                        {"name": "_pk_id", "provider": "shop.example", "duration": "13 months"}
                    ],
                }
            ],
        },
        {"id": "marketing", "services": [YOUTUBE, {"id": "ads", "name": "Ad network"}]},
    ]
}
VIDEO = (
    '<iframe data-category="marketing" data-service="youtube" data-src="/embed/v1" '
    'width="560" height="315" title="Product video"></iframe>'
)


def configure(gw: Gateway) -> None:
    gw.put_key(replace(gw.key.key, consent_config=CONFIG, updated_at=time.time()))


def page_html(script: str, body: str, lang: str = "en") -> str:
    return (
        f"<!doctype html><html lang='{lang}'><head><title>Shop</title>{script}</head>"
        f"<body><h1>Our product</h1>{body}</body></html>"
    )


def open_video_page(
    page: Page, site: Site, gw: Gateway, headers: dict[str, str] | None = None
) -> None:
    configure(gw)
    site.add("/embed/v1", "<!doctype html><p id='player'>video player</p>")
    page.goto(site.add("/video", page_html(gw.snippet("consent"), VIDEO), headers=headers))


def placeholder(page: Page) -> Any:
    return page.get_by_role("region", name="YouTube")


def test_a_blocked_video_shows_a_placeholder_in_its_box_and_loads_once(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    open_video_page(page, fresh_site, gateway)
    held = placeholder(page)
    expect(held).to_contain_text("This content from YouTube is blocked until you allow it.")
    # In the iframe's box: the same size, where the iframe would be; the iframe has no URL yet.
    # (560x315 and the 2px border Chromium gives an iframe)
    box = page.locator(".wg-embed-placeholder").bounding_box()
    assert box is not None and (box["width"], box["height"]) == (564, 319)
    assert page.locator("iframe").get_attribute("src") is None
    expect(page.get_by_role("dialog", name="We value your privacy")).to_be_visible()
    IMG.mkdir(parents=True, exist_ok=True)
    page.locator(".wg-embed-placeholder").screenshot(path=str(IMG / "consent-placeholder.png"))

    held.get_by_role("button", name="Load once").click()
    expect(page.frame_locator("iframe").locator("#player")).to_have_text("video player")
    expect(held).to_have_count(0)
    assert page.locator("iframe").bounding_box() is not None
    # Once is not a consent: nothing is recorded, the banner still asks, a reload blocks again.
    assert records(gateway) == []
    expect(page.get_by_role("dialog", name="We value your privacy")).to_be_visible()
    page.reload()
    expect(placeholder(page)).to_be_visible()
    assert page.locator("iframe").get_attribute("src") is None
    assert page.errors == []  # type: ignore[attr-defined]


def test_always_allow_records_a_consent_for_the_service_which_lasts(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    open_video_page(page, fresh_site, gateway)
    placeholder(page).get_by_role("button", name="Always allow YouTube").click()
    expect(page.frame_locator("iframe").locator("#player")).to_have_text("video player")
    expect(placeholder(page)).to_have_count(0)
    page.wait_for_function("WidgetGateway.consent.get().receipt")
    [record] = records(gateway)
    assert record["action"] == "custom"
    assert record["categories"] == {"necessary": True, "analytics": False, "marketing": True}
    assert record["services"] == {"matomo": False, "youtube": True, "ads": False}

    page.reload()
    expect(page.frame_locator("iframe").locator("#player")).to_have_text("video player")
    expect(placeholder(page)).to_have_count(0)
    expect(page.get_by_role("dialog", name="We value your privacy")).to_have_count(0)
    assert len(records(gateway)) == 1


def test_placeholders_work_under_a_strict_csp(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    collect_csp_violations(page)
    open_video_page(page, fresh_site, gateway, headers=strict_csp(gateway))
    expect(placeholder(page)).to_be_visible()
    # Styled by its own stylesheet: the "Always allow" button carries the accent colour.
    always = placeholder(page).get_by_role("button", name="Always allow YouTube")
    assert always.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(29, 78, 216)"
    always.click()
    expect(placeholder(page)).to_have_count(0)
    assert page.locator("iframe").get_attribute("src") == "/embed/v1"
    assert page.evaluate("violations") == []


def test_the_cookie_table_renders_the_configured_cookies_in_the_visitors_language(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    configure(gateway)
    body = "<h2>Cookies</h2><div data-wg-cookie-table>Enable JavaScript to see the cookies.</div>"
    # The policy page's own styles: the table comes without any
    style = (
        "<style>body{font:15px system-ui}table{border-collapse:collapse}"
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:start}</style>"
    )
    script = style + gateway.snippet("consent")
    page.goto(fresh_site.add("/cookies", page_html(script, body, lang="fr")))
    marketing = page.get_by_role("table", name="Marketing")
    expect(marketing).to_be_visible()
    headers = marketing.get_by_role("columnheader").all_inner_texts()
    assert headers == ["Service concerné", "Nom du cookie", "Fournisseur", "Finalité", "Durée"]
    rows = [r.get_by_role("cell").all_inner_texts() for r in marketing.get_by_role("row").all()[1:]]
    assert rows == [
        ["VISITOR_INFO1_LIVE", "Google", "Estime votre bande passante", "6 mois"],
        ["YSC", "", "", ""],
        ["", "", "", ""],  # the ad network declares no cookie
    ]
    assert marketing.get_by_role("rowheader").all_inner_texts() == [
        "YouTube",
        "YouTube",
        "Ad network",
    ]
    analytics = page.get_by_role("table", name="Mesure d'audience")
    expect(analytics.get_by_role("cell", name="_pk_id")).to_be_visible()
    expect(analytics.get_by_role("cell", name="13 months")).to_be_visible()
    assert page.locator("[data-wg-cookie-table]").get_attribute("lang") == "fr"
    expect(page.get_by_text("Enable JavaScript")).to_have_count(0)
    page.get_by_role("button", name="Tout refuser").click()  # the banner out of the picture
    IMG.mkdir(parents=True, exist_ok=True)
    page.locator("[data-wg-cookie-table]").screenshot(path=str(IMG / "cookie-table.png"))
    # Strictly necessary cookies have a table only when declared; the category is still named.
    expect(page.locator("[data-wg-cookie-table] h3").first).to_be_visible()


def test_the_per_key_script_shows_the_banner_with_a_single_request(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    configure(gateway)
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.url.startswith(gateway.url) else None)
    src = f"{gateway.url}/v1/{gateway.key.key.public_key}/consent.js?lang=en"
    page.goto(fresh_site.add("/", page_html(f'<script src="{src}" async></script>', "<p>Hi</p>")))
    banner = page.get_by_role("dialog", name="We value your privacy")
    expect(banner).to_be_visible()
    page.get_by_role("button", name="Reject all").click()
    page.wait_for_function("WidgetGateway.consent.get().receipt")
    # The script is the only request the banner needed: no config answer was asked for. What
    # follows only reports: the banner was shown (once), then the visitor's record.
    calls = [(r.method, r.url.replace(gateway.url, "")) for r in sent]
    pk = gateway.key.key.public_key
    assert calls == [
        ("GET", src.replace(gateway.url, "")),
        ("POST", f"/v1/{pk}/consent/shown"),
        ("POST", f"/v1/{pk}/consent"),
    ]
    record = json.loads(sent[2].post_data or "{}")
    assert record["action"] == "reject_all"
    # The record names the config the visitor was shown, as the impression did.
    assert record["config_digest"] == json.loads(sent[1].post_data or "{}")["config_digest"]
    [stored] = records(gateway)
    assert stored["config_digest"] == record["config_digest"]
    # A later page with the choice made shows no banner and reports none.
    sent.clear()
    page.reload()
    expect(page.get_by_role("button", name="Privacy settings")).to_be_visible()
    # (the script itself may come from the browser's cache, unannounced)
    assert [(r.method, r.url) for r in sent if r.url != src] == []


def test_the_per_key_script_asks_for_the_pages_language_when_it_carries_another(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.url.startswith(gateway.url) else None)
    src = f"{gateway.url}/v1/{gateway.key.key.public_key}/consent.js"
    page.goto(fresh_site.add("/", page_html(f'<script src="{src}" async></script>', "", lang="de")))
    expect(page.get_by_role("dialog", name="Ihre Privatsphäre ist uns wichtig")).to_be_visible()
    assert "/consent/config?lang=de" in sent[1] and "/consent/config" not in " ".join(sent[2:])


# The page's Largest Contentful Paint candidates so far: [element id or tag, size, time].
LCP = """() => new Promise(resolve => {
  new PerformanceObserver(list => {
    resolve(list.getEntries().map(e =>
      [e.element ? e.element.id || e.element.tagName : null, e.size, Math.round(e.startTime)]));
  }).observe({type: 'largest-contentful-paint', buffered: true});
})"""


def test_the_banner_is_not_the_pages_largest_contentful_paint(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    # A plain page whose own text is smaller than the banner's: the case where it used to win.
    src = f"{gateway.url}/v1/{gateway.key.key.public_key}/consent.js?lang=en"
    body = "<p id='intro'>Welcome to the shop.</p>"
    page.goto(fresh_site.add("/plain", page_html(f'<script src="{src}"></script>', body)))
    expect(page.get_by_role("dialog", name="We value your privacy")).to_be_visible()
    page.wait_for_function(
        "getComputedStyle(document.querySelector('#wg-consent').shadowRoot"
        ".querySelector('.banner')).opacity === '1'"
    )
    # Every candidate is the page's own (the banner's text in its shadow root would be reported
    # with no element, and was, 40,383 px² against the heading's 6,228, before it faded in).
    candidates = page.evaluate(LCP)
    assert [element for element, _size, _at in candidates] == ["H1"]
