"""How the two widgets look, in Chromium: the screenshots of the docs' "Look and feel" sections.

One flow per widget and layout (desktop and a 320 × 640 phone, left to right and Arabic right to
left) writes ``docs/img/banner-*.png`` and ``docs/img/rights-form-*.png``, and checks what a
visitor notices: the three first-layer choices, the states of the buttons, the services'
disclosure, the banner's share of a phone's screen, the mirrored layout, the grouped form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Gateway, Site, make_gateway

pytestmark = pytest.mark.browser

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}
LAYOUTS = [
    pytest.param(DESKTOP, "en", id="desktop-ltr"),
    pytest.param(PHONE, "en", id="phone-ltr"),
    pytest.param(DESKTOP, "ar", id="desktop-rtl"),
    pytest.param(PHONE, "ar", id="phone-rtl"),
]
CONSENT = {
    "categories": [
        {"id": "necessary", "required": True},
        {"id": "functional"},
        {
            "id": "analytics",
            "services": [
                {"id": "stats", "name": "Matomo"},
                {"id": "heatmap", "name": "Hotjar"},
            ],
        },
        {"id": "marketing", "gpc": True, "services": [{"id": "ads", "name": "Google Ads"}]},
    ]
}
RIGHTS = {"types": ["gdpr_access", "gdpr_erasure", "gdpr_objection", "other"]}


@pytest.fixture(scope="module")
def look(tmp_path_factory: pytest.TempPathFactory, site: Site) -> Iterator[Gateway]:
    gw = make_gateway(tmp_path_factory.mktemp("look") / "gateway-data", (site.origin,))
    gw.put_key(replace(gw.key.key, consent_config=CONSENT, rights_config=RIGHTS))
    yield gw.start()
    gw.stop()


def name(viewport: dict[str, int], lang: str) -> str:
    return f"{'phone' if viewport is PHONE else 'desktop'}-{'rtl' if lang == 'ar' else 'ltr'}"


def shop_page(site: Site, path: str, lang: str, body: str) -> str:
    return site.add(
        path,
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1"><title>Shop</title>'
        "<style>body{font:16px/1.5 sans-serif;margin:0;padding:24px;background:#f3f4f6}"
        "main{max-width:40rem}</style></head><body><main><h1>Shop</h1>"
        "<p>Handmade ceramics, shipped from our workshop.</p>"
        f"{body}</main></body></html>",
    )


def settled(page: Page) -> None:
    """Waits until the banner's fade-in has run: a screenshot shows it as a visitor sees it."""
    page.wait_for_function(
        "document.querySelector('#wg-consent').shadowRoot.getAnimations()"
        ".every(a => a.playState === 'finished')"
    )


def share_of_screen(banner: Locator, viewport: dict[str, int]) -> float:
    box = banner.bounding_box()
    assert box
    visible = min(box["y"] + box["height"], viewport["height"]) - max(box["y"], 0)
    return visible / viewport["height"]


@pytest.mark.parametrize(("viewport", "lang"), LAYOUTS)
def test_the_banner_and_its_preferences(
    open_page: Callable[..., Page],
    site: Site,
    look: Gateway,
    viewport: dict[str, int],
    lang: str,
) -> None:
    page = open_page(viewport=viewport, locale="en-GB", reduced_motion="reduce")
    page.goto(shop_page(site, f"/banner-{lang}", lang, look.snippet("consent")))
    banner = page.locator("#wg-consent").locator(".banner")
    expect(banner).to_be_visible()
    settled(page)
    layout = name(viewport, lang)
    page.screenshot(path=str(IMG / f"banner-{layout}.png"))
    share = share_of_screen(banner, viewport)
    print(f"banner {layout}: {share:.0%} of the viewport's height")

    banner.locator("button[data-action=preferences]").click()
    preferences = page.locator("#wg-consent").locator(".preferences")
    expect(preferences).to_be_visible()
    settled(page)
    page.screenshot(path=str(IMG / f"banner-preferences-{layout}.png"))
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(("viewport", "lang"), LAYOUTS)
def test_the_rights_form(
    open_page: Callable[..., Page],
    site: Site,
    look: Gateway,
    viewport: dict[str, int],
    lang: str,
) -> None:
    page = open_page(viewport=viewport, reduced_motion="reduce")
    body = "<div data-wg-rights></div>" + look.snippet("rights")
    page.goto(shop_page(site, f"/rights-{lang}", lang, body))
    form = page.locator("[data-wg-rights] form")
    expect(form).to_be_visible()
    # a submission with the e-mail missing: the errors at their fields
    form.locator("button[type=submit]").click()
    expect(form.locator("[name=email]")).to_have_attribute("aria-invalid", "true")
    box = page.locator("[data-wg-rights] .box")
    box.screenshot(path=str(IMG / f"rights-form-{name(viewport, lang)}.png"))
    assert page.errors == []  # type: ignore[attr-defined]
