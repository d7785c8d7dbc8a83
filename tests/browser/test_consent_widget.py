"""The consent widget in headless Chromium, on a site whose origin differs from the gateway's."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Gateway, Site, make_gateway
from tests.support.wait import poll

pytestmark = pytest.mark.browser

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
BLOCKED = (
    '<script type="text/plain" data-category="analytics">'
    "window.ran = (window.ran || 0) + 1</script>"
    '<script type="text/plain" data-category="analytics" '
    'data-src="data:text/javascript,window.ext=(window.ext||0)+1"></script>'
    '<iframe data-category="marketing" data-src="/frame" title="ad"></iframe>'
)


def html(gw: Gateway, body: str = "", head: str = "") -> str:
    return (
        f"<!doctype html><html lang='en'><head><title>Shop</title>{head}"
        f"{gw.snippet('consent')}</head><body><h1>Shop</h1>"
        f"<button id='before'>Search</button>{body}</body></html>"
    )


def open_page(page: Page, site: Site, gw: Gateway, body: str = BLOCKED, head: str = "") -> None:
    site.add("/frame", "<p>ad frame</p>")
    page.goto(site.add("/", html(gw, body, head)))


def records(gw: Gateway) -> list[dict[str, Any]]:
    path = gw.data_dir / "consent.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def consent_calls(page: Page) -> list[list[Any]]:
    return page.evaluate(  # type: ignore[no-any-return]
        "(window.dataLayer || []).map(a => Array.from(a)).filter(a => a[0] === 'consent')"
    )


def cookie(page: Page) -> dict[str, str]:
    for c in page.context.cookies():
        if c["name"] == "wg_consent":
            return dict(p.split("=", 1) for p in c["value"].split("&"))
    return {}


def test_accept_all_runs_blocked_content_once_records_and_verifies(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    open_page(page, fresh_site, gateway)
    banner = page.get_by_role("dialog", name="We value your privacy")
    expect(banner).to_be_visible()
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "consent-banner.png"))
    assert page.evaluate("[window.ran, window.ext]") == [None, None]
    assert page.locator("iframe").get_attribute("src") is None
    default = consent_calls(page)[0]
    assert default[1] == "default" and default[2]["analytics_storage"] == "denied"
    assert default[2]["ad_storage"] == "denied"

    page.get_by_role("button", name="Accept all").click()
    expect(banner).to_be_hidden()
    page.wait_for_function("window.ext === 1")
    assert page.evaluate("window.ran") == 1
    assert page.locator("iframe").get_attribute("src") == "/frame"
    update = consent_calls(page)[-1]
    assert update[1] == "update"
    assert update[2]["analytics_storage"] == update[2]["ad_storage"] == "granted"
    assert cookie(page)["c"] == "necessary.functional.analytics.marketing"

    receipt = page.wait_for_function("WidgetGateway.consent.get().receipt").json_value()
    [record] = records(gateway)
    assert record["action"] == "accept_all"
    assert record["page_url"] == fresh_site.origin + "/"
    assert record["client_ip"] == "127.0.0.0"
    verified = httpx.post(
        gateway.url + "/v1/receipts/verify",
        json={"receipt": receipt},
        headers={"X-API-Key": gateway.key.private_key},
    ).json()
    assert verified["valid"] is True
    assert verified["record"]["record_id"] == record["record_id"]

    # Another choice on the same page never runs anything twice.
    page.evaluate("WidgetGateway.consent.accept('all')")
    assert page.evaluate("[window.ran, window.ext]") == [1, 1]

    # A later load: no banner, blocked content runs at once, preferences reopen from the button.
    page.reload()
    page.wait_for_function("window.ext === 1")
    assert page.evaluate("window.ran") == 1
    reopen = page.get_by_role("button", name="Privacy settings")
    expect(reopen).to_be_visible()
    expect(banner).to_have_count(0)
    reopen.click()
    prefs = page.get_by_role("dialog", name="Privacy preferences")
    expect(prefs).to_be_visible()
    expect(page.get_by_role("switch", name="Marketing")).to_be_checked()
    page.screenshot(path=str(IMG / "consent-preferences.png"))


def test_reject_all_keeps_everything_blocked(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    open_page(page, fresh_site, gateway)
    page.get_by_role("button", name="Reject all").click()
    poll(lambda: records(gateway), within=10.0)
    assert records(gateway)[0]["action"] == "reject_all"
    assert records(gateway)[0]["categories"]["analytics"] is False
    assert page.evaluate("[window.ran, window.ext]") == [None, None]
    update = consent_calls(page)[-1][2]
    assert update["analytics_storage"] == update["ad_user_data"] == "denied"
    assert update["security_storage"] == "granted"
    assert cookie(page)["c"] == "necessary"


def test_keyboard_only_customise_path(page: Page, fresh_site: Site, gateway: Gateway) -> None:
    open_page(page, fresh_site, gateway)
    expect(page.get_by_role("dialog", name="We value your privacy")).to_be_focused()

    def tab_to(name: str) -> None:
        for _ in range(12):
            page.keyboard.press("Tab")
            if page.evaluate(
                "(d => { while (d.shadowRoot && d.shadowRoot.activeElement)"
                " d = d.shadowRoot.activeElement; return d.getAttribute('aria-label')"
                " || d.closest('label')?.textContent || d.textContent })"
                "(document.activeElement)"
            ).startswith(name):
                return
        raise AssertionError(f"{name} not reachable by Tab")

    tab_to("Customise")
    page.keyboard.press("Enter")
    prefs = page.get_by_role("dialog", name="Privacy preferences")
    expect(prefs).to_be_focused()
    # Nothing but the required category is ticked before the visitor chooses.
    expect(page.get_by_role("switch", name="Strictly necessary")).to_be_checked()
    for name in ("Functional", "Analytics", "Marketing"):
        expect(page.get_by_role("switch", name=name)).not_to_be_checked()
    tab_to("Analytics")
    page.keyboard.press("Space")
    tab_to("Save choices")
    page.keyboard.press("Enter")
    expect(prefs).to_have_count(0)
    page.wait_for_function("window.ran === 1")
    assert page.locator("iframe").get_attribute("src") is None  # marketing stays off
    assert cookie(page)["c"] == "necessary.analytics"
    poll(lambda: records(gateway), within=10.0)
    assert records(gateway)[0]["action"] == "custom"


def test_gpc_keeps_sale_and_sharing_off_and_is_recorded(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    page.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})"
    )
    open_page(page, fresh_site, gateway)
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_function("window.ran === 1")
    assert page.locator("iframe").get_attribute("src") is None
    update = consent_calls(page)[-1][2]
    assert update["analytics_storage"] == "granted" and update["ad_storage"] == "denied"
    record = poll(lambda: records(gateway), within=10.0)[0]
    assert record["gpc"] is True and record["categories"]["marketing"] is False
    page.get_by_role("button", name="Privacy settings").click()
    expect(page.get_by_text("Global Privacy Control")).to_be_visible()


def test_policy_version_bump_asks_again(page: Page, fresh_site: Site, gateway: Gateway) -> None:
    open_page(page, fresh_site, gateway)
    page.get_by_role("button", name="Reject all").click()
    gateway.put_key(
        replace(gateway.key.key, consent_config={"policy_version": "2"}, updated_at=time.time())
    )
    config_url = f"{gateway.url}/v1/{gateway.key.key.public_key}/consent/config"
    poll(
        lambda: (
            httpx.get(config_url, headers={"Origin": fresh_site.origin}).json()["version"] == "2"
        ),
        within=10.0,
    )
    page.reload()
    expect(page.get_by_role("dialog", name="We value your privacy")).to_be_visible()
    page.get_by_role("button", name="Accept all").click()
    assert cookie(page)["pv"] == "2"
    poll(lambda: len(records(gateway)) == 2, within=10.0)
    assert records(gateway)[1]["policy_version"] == "2"


def test_host_page_css_cannot_break_the_banner(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    hostile = (
        "<style>body *{display:none!important}div{opacity:0!important}"
        "button{background:red!important;color:red!important;font-size:40px!important}"
        "h2{color:red!important}</style>"
    )
    open_page(page, fresh_site, gateway, head=hostile)
    accept = page.get_by_role("button", name="Accept all")
    expect(accept).to_be_visible()
    style = accept.evaluate(
        "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color,"
        " getComputedStyle(b).fontSize]"
    )
    assert style == ["rgb(29, 78, 216)", "rgb(255, 255, 255)", "15px"]
    accept.click()
    page.wait_for_function("window.ran === 1")


def test_choice_survives_a_gateway_outage_and_is_delivered_later(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    open_page(page, fresh_site, gateway)
    expect(page.get_by_role("button", name="Accept all")).to_be_visible()
    gateway.stop()
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_function("window.ran === 1")  # applied at once, gateway or not
    page.wait_for_function(
        "JSON.parse(localStorage.getItem('wg:queue:' +"
        " document.querySelector('script[data-key]').dataset.key))[0].n >= 1"
    )
    assert records(gateway) == []
    gateway.start()
    page.reload()
    [record] = poll(lambda: records(gateway), within=10.0)
    assert record["action"] == "accept_all"
    page.wait_for_function("WidgetGateway.consent.get().receipt")
    assert page.errors == []  # type: ignore[attr-defined]


def test_origin_not_allowed_stays_silent_with_one_warning(
    page: Page, fresh_site: Site, tmp_path: Path
) -> None:
    other = make_gateway(tmp_path / "other", ("https://elsewhere.example",)).start()
    try:
        with page.expect_console_message(lambda m: m.type == "warning"):
            open_page(page, fresh_site, other)
        page.wait_for_load_state("networkidle")
        warnings = page.console.texts("warning")  # type: ignore[attr-defined]
        assert len(warnings) == 1 and "Widget Gateway consent" in warnings[0]
        assert page.locator("#wg-consent").count() == 0
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        other.stop()


def strict_csp(gw: Gateway) -> dict[str, str]:
    """A site's policy without 'unsafe-inline': its own scripts carry a nonce."""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'nonce-abc' {gw.url}; connect-src {gw.url}; "
            "style-src 'self'; img-src 'self'; frame-src 'self'"
        )
    }


def collect_csp_violations(page: Page) -> None:
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " violations.push(e.violatedDirective + ' ' + e.blockedURI))"
    )


def test_works_under_a_strict_csp_without_unsafe_inline(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    gateway.put_key(
        replace(
            gateway.key.key,
            consent_config={"theme": {"accent": "#0f766e"}},
            updated_at=time.time(),
        )
    )
    collect_csp_violations(page)
    fresh_site.add("/frame", "<p>ad frame</p>")
    body = (
        '<script type="text/plain" data-category="analytics" nonce="abc">'
        "window.ran = (window.ran || 0) + 1</script>"
        '<iframe data-category="marketing" data-src="/frame" title="ad"></iframe>'
    )
    page.goto(fresh_site.add("/", html(gateway, body), headers=strict_csp(gateway)))
    banner = page.get_by_role("dialog", name="We value your privacy")
    expect(banner).to_be_visible()
    # Styled by the widget's own stylesheet: a fixed card, and the key's accent on the buttons.
    look = banner.evaluate(
        "b => [getComputedStyle(b).position, getComputedStyle(b).backgroundColor]"
    )
    assert look == ["fixed", "rgb(255, 255, 255)"]
    accept = page.get_by_role("button", name="Accept all")
    assert accept.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(15, 118, 110)"

    accept.click()
    expect(banner).to_be_hidden()
    # Released by the click itself; wait_for_function would poll with eval, which the CSP bans.
    assert page.evaluate("window.ran") == 1
    assert page.locator("iframe").get_attribute("src") == "/frame"
    page.evaluate("WidgetGateway.consent.accept('all')")
    assert page.evaluate("window.ran") == 1
    assert page.evaluate("violations") == []
    console = page.console.texts()  # type: ignore[attr-defined]
    assert [t for t in console if "Content Security Policy" in t] == []
