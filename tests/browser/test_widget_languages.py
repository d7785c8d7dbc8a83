"""Which language the widgets speak in a real browser, and right-to-left rendering."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Gateway, Site

pytestmark = pytest.mark.browser


def page_with(site: Site, gw: Gateway, name: str, lang: str, body: str) -> str:
    html_lang = f' lang="{lang}"' if lang else ""
    return site.add(
        f"/{name}",
        f'<!doctype html><html{html_lang}><head><meta charset="utf-8"><title>Shop</title></head>'
        f"<body><h1>Shop</h1>{body}</body></html>",
    )


@pytest.mark.parametrize(
    ("page_lang", "browser_locale", "title", "accept", "expected_dir"),
    [
        ("ar", "de-DE", "نحن نحترم خصوصيتك", "قبول الكل", "rtl"),
        ("", "he-IL", "הפרטיות שלך חשובה לנו", "אישור הכול", "rtl"),
        ("sw", "pt-BR", "Valorizamos sua privacidade", "Aceitar todos", "ltr"),
        ("", "sw-KE", "We value your privacy", "Accept all", "ltr"),
    ],
    ids=[
        "page-lang-before-browser",
        "browser-language",
        "unknown-page-lang-then-browser",
        "keys-default",
    ],
)
def test_consent_banner_language_order_and_direction(
    open_page: Callable[..., Page],
    fresh_site: Site,
    gateway: Gateway,
    page_lang: str,
    browser_locale: str,
    title: str,
    accept: str,
    expected_dir: str,
) -> None:
    page = open_page(locale=browser_locale)
    page.goto(page_with(fresh_site, gateway, "consent", page_lang, gateway.snippet("consent")))
    banner = page.get_by_role("dialog", name=title)
    expect(banner).to_be_visible()
    expect(banner.get_by_role("button", name=accept)).to_be_visible()
    assert banner.evaluate("e => getComputedStyle(e).direction") == expected_dir
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("page_lang", "browser_locale", "submit", "expected_dir"),
    [
        ("he", "fr-FR", "שליחת הבקשה", "rtl"),
        ("", "ar-EG", "إرسال الطلب", "rtl"),
        ("", "ja-JP", "リクエストを送信", "ltr"),
    ],
    ids=["page-lang-before-browser", "browser-language", "browser-language-ltr"],
)
def test_rights_form_language_order_and_direction(
    open_page: Callable[..., Page],
    fresh_site: Site,
    gateway: Gateway,
    page_lang: str,
    browser_locale: str,
    submit: str,
    expected_dir: str,
) -> None:
    page = open_page(locale=browser_locale)
    body = "<div data-wg-rights></div>" + gateway.snippet("rights")
    page.goto(page_with(fresh_site, gateway, "rights", page_lang, body))
    button = page.locator("[data-wg-rights] button[type=submit]")
    expect(button).to_have_text(submit)
    assert button.evaluate("e => getComputedStyle(e).direction") == expected_dir
    assert page.errors == []  # type: ignore[attr-defined]
