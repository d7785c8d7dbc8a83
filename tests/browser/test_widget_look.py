"""How the two widgets look, in Chromium: the screenshots of the docs' "Look and feel" sections.

One flow per widget and layout (desktop and a 320 x 640 phone, left to right and Arabic right to
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


def style(element: Locator, prop: str) -> str:
    return element.evaluate(f"e => getComputedStyle(e).getPropertyValue('{prop}')")  # type: ignore[no-any-return]


def expect_style(element: Locator, prop: str, value: str) -> None:
    element.evaluate(
        "(e, [prop, value]) => new Promise((done, fail) => { const until = Date.now() + 5000;"
        " const check = () => getComputedStyle(e).getPropertyValue(prop) === value ? done() :"
        " Date.now() > until ? fail(new Error(prop + ' never became ' + value)) :"
        " requestAnimationFrame(check); check() })",
        [prop, value],
    )


def look_of(button: Locator) -> dict[str, str]:
    """What makes a button look heavier or lighter than another."""
    return button.evaluate(  # type: ignore[no-any-return]
        "e => { const s = getComputedStyle(e); return {background: s.backgroundColor,"
        " color: s.color, border: s.borderTopColor, weight: s.fontWeight, size: s.fontSize,"
        " height: String(Math.round(e.getBoundingClientRect().height))} }"
    )


def width(element: Locator) -> float:
    box = element.bounding_box()
    assert box
    return box["width"]


def x_of(element: Locator) -> float:
    box = element.bounding_box()
    assert box
    return box["x"]


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
    if viewport is PHONE:
        assert share < 0.5, f"the banner covers {share:.0%} of a 320 x 640 phone"

    accept, reject, customise = (
        banner.locator(f"button[data-action={action}]")
        for action in ("accept-all", "reject-all", "preferences")
    )
    # Accept all and Reject all: the same weight; Customise outlined, as tall, never hidden.
    assert look_of(accept) == look_of(reject)
    assert abs(width(accept) - width(reject)) < 2
    assert look_of(customise)["background"] == "rgba(0, 0, 0, 0)"
    assert look_of(customise)["border"] == look_of(accept)["background"]
    assert look_of(customise)["height"] == look_of(accept)["height"]
    expect(customise).to_be_visible()
    # Accept all comes first in the reading direction: at the right in Arabic.
    assert (x_of(accept) > x_of(reject)) is (lang == "ar")

    # Hover and pressed states; a keyboard focus ring.
    assert style(reject, "filter") == "none"
    reject.hover()
    expect_style(reject, "filter", "brightness(1.15)")
    page.mouse.down()
    expect_style(reject, "filter", "brightness(0.85)")
    page.mouse.move(0, 0)
    page.mouse.up()
    banner.focus()
    page.keyboard.press("Tab")
    expect(accept).to_be_focused()
    assert style(accept, "outline-style") == "solid"

    customise.click()
    preferences = page.locator("#wg-consent").locator(".preferences")
    expect(preferences).to_be_visible()
    # "Always on": a label where the switch would be, not a control; the switch stays checked.
    always = preferences.locator(".always")
    expect(always).to_be_visible()
    assert always.evaluate("e => e.tagName") == "SPAN"
    expect(preferences.locator("input[data-category=necessary]")).to_be_checked()
    title = preferences.locator("li").first.locator("label > span").first
    assert (x_of(always) > x_of(title)) is (lang != "ar")

    # The services' disclosure: a button that says whether it is open, its chevron turning.
    disclose = preferences.locator("li", has=page.locator("[data-category=analytics]")).locator(
        "button.disclose"
    )
    expect(preferences.locator("details, summary")).to_have_count(0)
    expect(disclose).to_have_attribute("aria-expanded", "false")
    hotjar = preferences.locator("label", has_text="Hotjar")
    expect(hotjar).to_be_hidden()
    closed = disclose.evaluate("e => getComputedStyle(e, '::after').transform")
    disclose.click()
    expect(disclose).to_have_attribute("aria-expanded", "true")
    expect(hotjar).to_be_visible()
    settled(page)
    assert disclose.evaluate("e => getComputedStyle(e, '::after').transform") != closed
    page.screenshot(path=str(IMG / f"banner-preferences-{layout}.png"))
    disclose.click()
    expect(hotjar).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_banner_in_dark_mode(open_page: Callable[..., Page], site: Site, look: Gateway) -> None:
    page = open_page(viewport=PHONE, color_scheme="dark", reduced_motion="reduce")
    page.goto(shop_page(site, "/banner-dark", "en", look.snippet("consent")))
    banner = page.locator("#wg-consent").locator(".banner")
    expect(banner).to_be_visible()
    settled(page)
    assert style(banner, "background-color") == "rgb(31, 33, 37)"
    page.screenshot(path=str(IMG / "banner-phone-dark.png"))


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
    email = form.locator("[name=email]")
    expect(email).to_have_attribute("aria-invalid", "true")
    # Three groups: your request, about you, more about it; each field in its group.
    legends = form.locator("fieldset.group > legend")
    expect(legends).to_have_count(3)
    if lang == "en":
        expect(legends).to_have_text(["Your request", "About you", "More about your request"])
    groups = form.locator("fieldset.group")
    expect(groups.nth(0).locator("[name=type]")).to_have_count(1)
    expect(groups.nth(1).locator("[name=email]")).to_have_count(1)
    expect(groups.nth(2).locator("[name=message]")).to_have_count(1)
    # The required marker beside the label, the error right under its field.
    field = groups.nth(1).locator(".field", has=page.locator("[name=email]"))
    expect(field.locator("label .required")).to_be_visible()
    error = field.locator(".error")
    expect(error).to_be_visible()
    input_box, error_box = email.bounding_box(), error.bounding_box()
    assert input_box and error_box
    assert 0 <= error_box["y"] - (input_box["y"] + input_box["height"]) < 12
    assert style(error, "color") == style(email, "border-top-color")
    # Styled controls: as tall as a finger, with the accent's ring on focus.
    assert input_box["height"] >= 44
    focused = form.locator("[name=given_name]")
    focused.focus()
    expect_style(
        focused, "border-top-color", style(form.locator("button[type=submit]"), "background-color")
    )
    given, family = focused.bounding_box(), form.locator("[name=family_name]").bounding_box()
    assert given and family
    # Side by side on a wide screen; one under the other on a phone, never wider than it.
    assert (given["y"] == family["y"]) is (viewport is DESKTOP)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    box = page.locator("[data-wg-rights] .box")
    box.screenshot(path=str(IMG / f"rights-form-{name(viewport, lang)}.png"))
    assert page.errors == []  # type: ignore[attr-defined]
