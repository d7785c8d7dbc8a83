"""Origins against the browser: our normal form is byte for byte what Chromium sends."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from gateway.keys.origins import parse_origin, parse_rule

pytestmark = pytest.mark.browser

SPELLINGS = [
    "HTTPS://Shop.EXAMPLE.com:443",
    "http://example.com:80",
    "https://example.com:0443",
    "https://bücher.example",
    "https://BÜCHER.example",
    "https://XN--BCHER-KVA.example",
    "https://faß.de",
    "https://例え.テスト",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
    "http://[0:0:0:0:0:0:0:1]:8080",
    "http://[2001:DB8::1]",
    "http://[2001:db8:0:1:0:0:0:1]",
    "http://[1:0:2:3:4:5:6:7]",
    "http://[1:0:0:2:0:0:0:3]",
    "http://[0:0:1:0:0:1:0:0]",
    "http://[::ffff:192.0.2.1]",
]


def test_normalised_origin_is_what_chromium_sends(browser: Browser) -> None:
    """Rules are stored in our normal form: byte for byte what a browser puts in ``Origin``."""
    context = browser.new_context()
    try:
        sent = context.new_page().evaluate(
            "spellings => spellings.map(s => new URL(s).origin)", SPELLINGS
        )
    finally:
        context.close()
    assert [parse_origin(s).serialize() for s in SPELLINGS] == sent
    assert [str(parse_rule(s)) for s in SPELLINGS] == sent
