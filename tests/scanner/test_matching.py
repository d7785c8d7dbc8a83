"""Placing cookies, storage keys and hosts: the widget's own, the config's declarations, the
built-in table of well-known trackers, and what stays unknown."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.consent.config import parse_config
from gateway.scanner.crawl import page_url
from gateway.scanner.matching import match_host, match_name, rules_for, same_site

SHOP = parse_config(
    {
        "cookie_name": "shop_consent",
        "categories": [
            {
                "id": "necessary",
                "required": True,
                "services": [
                    {
                        "id": "shop",
                        "name": "The shop",
                        "cookies": ["session_id", "cart_*"],
                        "hosts": ["payments.example"],
                    }
                ],
            },
            {
                "id": "stats",
                "texts": {"en": {"title": "Statistics"}},
                "services": [
                    {"id": "ga", "name": "Google Analytics", "cookies": ["_ga", "_ga_*"]},
                    {"id": "own", "name": "Own stats", "cookies": ["cart_stats"]},
                ],
            },
            {
                "id": "marketing",
                "services": [
                    {"id": "cdn", "name": "Ad CDN", "hosts": ["example-cdn.com"]},
                    {"id": "ads", "name": "Ads", "hosts": ["ads.example-cdn.com"]},
                ],
            },
        ],
    }
)
RULES = rules_for(SHOP, widget_hosts=["gw.example"], widget_cookies=["wg_consent"])
DEFAULTS = rules_for(parse_config(None))

# (name, rules, third-party cookie domain) -> (category, vendor, source, necessary)
NAMES: list[tuple[str, Any, str | None, tuple[str | None, str | None, str, bool]]] = [
    ("_ga", DEFAULTS, None, ("analytics", "Google Analytics", "builtin", False)),
    ("_ga_Q1W2E3", DEFAULTS, None, ("analytics", "Google Analytics", "builtin", False)),
    ("_gid", DEFAULTS, None, ("analytics", "Google Analytics", "builtin", False)),
    ("_gcl_au", DEFAULTS, None, ("marketing", "Google Ads", "builtin", False)),
    ("_fbp", DEFAULTS, None, ("marketing", "Meta Pixel", "builtin", False)),
    ("fr", DEFAULTS, None, ("marketing", "Meta Pixel", "builtin", False)),
    ("IDE", DEFAULTS, None, ("marketing", "Google Ads", "builtin", False)),
    ("__hstc", DEFAULTS, None, ("analytics", "HubSpot", "builtin", False)),
    ("_hjSessionUser_123", DEFAULTS, None, ("analytics", "Hotjar", "builtin", False)),
    ("wg_consent", DEFAULTS, None, ("necessary", "Widget Gateway consent banner", "widget", True)),
    (
        "wg:queue:pk_x",
        DEFAULTS,
        None,
        ("necessary", "Widget Gateway consent banner", "widget", True),
    ),
    ("sessionid", DEFAULTS, None, (None, None, "unknown", False)),
    ("ide", DEFAULTS, None, (None, None, "unknown", False)),
    ("shop_consent", RULES, None, ("necessary", "Widget Gateway consent banner", "widget", True)),
    ("wg_consent", RULES, None, ("necessary", "Widget Gateway consent banner", "widget", True)),
    ("_ga", RULES, None, ("stats", "Google Analytics", "config", False)),
    ("_ga_Q1W2E3", RULES, None, ("stats", "Google Analytics", "config", False)),
    ("session_id", RULES, None, ("necessary", "The shop", "config", True)),
    ("cart_items", RULES, None, ("necessary", "The shop", "config", True)),
    ("cart_stats", RULES, None, ("stats", "Own stats", "config", False)),
    ("_fbp", RULES, None, ("marketing", "Meta Pixel", "builtin", False)),
    ("xyz", RULES, ".stats.doubleclick.net", ("marketing", "Google Ads", "builtin", False)),
    ("xyz", RULES, "ads.example-cdn.com", ("marketing", "Ads", "config", False)),
    ("xyz", RULES, "elsewhere.example", (None, None, "unknown", False)),
]


@pytest.mark.parametrize(
    ("name", "rules", "domain", "expected"),
    NAMES,
    ids=[
        "ga-builtin",
        "ga4-stream-pattern",
        "gid",
        "google-ads-conversion",
        "meta-pixel",
        "facebook-fr",
        "doubleclick-ide",
        "hubspot",
        "hotjar-prefix",
        "consent-cookie",
        "widget-storage",
        "unknown-first-party",
        "names-are-case-sensitive",
        "configured-consent-cookie",
        "consent-cookie-of-the-page",
        "config-declaration-beats-builtin",
        "config-pattern",
        "config-necessary",
        "config-necessary-pattern",
        "exact-beats-earlier-pattern",
        "builtin-when-config-silent",
        "third-party-by-builtin-domain",
        "third-party-by-declared-host",
        "third-party-unknown",
    ],
)
def test_names_are_placed(
    name: str, rules: Any, domain: str | None, expected: tuple[str | None, str | None, str, bool]
) -> None:
    m = match_name(name, rules, domain=domain)
    assert (m.category, m.vendor, m.source, m.necessary) == expected


HOSTS: list[tuple[str, Any, tuple[str | None, str | None, str, bool]]] = [
    ("www.google-analytics.com", DEFAULTS, ("analytics", "Google Analytics", "builtin", False)),
    ("region1.google-analytics.com", DEFAULTS, ("analytics", "Google Analytics", "builtin", False)),
    ("www.googletagmanager.com", DEFAULTS, ("analytics", "Google Tag Manager", "builtin", False)),
    ("stats.g.doubleclick.net", DEFAULTS, ("marketing", "Google Ads", "builtin", False)),
    ("connect.facebook.net", DEFAULTS, ("marketing", "Meta Pixel", "builtin", False)),
    ("www.youtube-nocookie.com", DEFAULTS, ("marketing", "YouTube", "builtin", False)),
    ("WWW.YouTube.com.", DEFAULTS, ("marketing", "YouTube", "builtin", False)),
    ("evilgoogle-analytics.com", DEFAULTS, (None, None, "unknown", False)),
    ("cdn.jsdelivr.net", DEFAULTS, (None, None, "unknown", False)),
    ("gw.example", RULES, ("necessary", "Widget Gateway consent banner", "widget", True)),
    ("payments.example", RULES, ("necessary", "The shop", "config", True)),
    ("js.payments.example", RULES, ("necessary", "The shop", "config", True)),
    ("img.example-cdn.com", RULES, ("marketing", "Ad CDN", "config", False)),
    ("x.ads.example-cdn.com", RULES, ("marketing", "Ads", "config", False)),
]


@pytest.mark.parametrize(
    ("host", "rules", "expected"),
    HOSTS,
    ids=[
        "ga",
        "ga-regional",
        "tag-manager",
        "doubleclick",
        "facebook-sdk",
        "youtube-embed",
        "host-case-and-trailing-dot",
        "lookalike-is-not-a-subdomain",
        "unknown-cdn",
        "the-widgets-gateway",
        "declared-necessary",
        "declared-subdomain",
        "declared-host",
        "longest-declaration-wins",
    ],
)
def test_hosts_are_placed(
    host: str, rules: Any, expected: tuple[str | None, str | None, str, bool]
) -> None:
    m = match_host(host, rules)
    assert (m.category, m.vendor, m.source, m.necessary) == expected


@pytest.mark.parametrize(
    ("host", "site", "expected"),
    [
        ("shop.example", "www.shop.example", True),
        ("cdn.shop.example", "shop.example", True),
        (".shop.example", "www.shop.example", True),
        ("other.example", "shop.example", False),
        ("evilshop.example", "shop.example", False),
        ("127.0.0.1", "127.0.0.2", False),
        ("127.0.0.2", "127.0.0.2", True),
        ("localhost", "127.0.0.2", False),
    ],
    ids=[
        "bare-and-www",
        "subdomain",
        "cookie-domain-dot",
        "other-site",
        "lookalike",
        "other-ip",
        "same-ip",
        "name-and-ip",
    ],
)
def test_first_and_third_party(host: str, site: str, expected: bool) -> None:
    assert same_site(host, site) is expected


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://shop.example/cart?item=7#top", "https://shop.example/cart"),
        ("https://shop.example:443/about", "https://shop.example/about"),
        ("HTTPS://Shop.Example/about", "https://shop.example/about"),
        ("https://shop.example", "https://shop.example/"),
        ("http://shop.example/about", None),
        ("https://www.shop.example/about", None),
        ("mailto:shop@example.org", None),
        ("javascript:void(0)", None),
        ("https://shop.example/terms.PDF", None),
    ],
    ids=[
        "query-and-fragment-dropped",
        "default-port",
        "case",
        "no-path",
        "other-scheme-is-another-origin",
        "other-host",
        "mailto",
        "javascript",
        "file-download",
    ],
)
def test_links_lead_to_pages_of_the_site(href: str, expected: str | None) -> None:
    assert page_url(href, "https://shop.example") == expected
