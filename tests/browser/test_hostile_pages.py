"""Both widgets on pages that break what scripts usually rely on: blocked storage, replaced
built-ins, monitoring that adds headers to every request, a gateway behind a path prefix."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.app import create_app
from tests.browser.conftest import Gateway, Site, make_gateway
from tests.support.servers import ServerThread
from tests.support.wait import poll

pytestmark = pytest.mark.browser

BLOCKED_SCRIPT = (
    '<script type="text/plain" data-category="analytics">'
    "window.ran = (window.ran || 0) + 1</script>"
)
# The page's localStorage getter throws, as in a sandboxed iframe or with storage disabled.
NO_STORAGE = (
    "Object.defineProperty(window, 'localStorage', {configurable: true,"
    " get() { throw new DOMException('The operation is insecure.', 'SecurityError'); }})"
)
# What Prototype.js does before the widgets load: arrays serialise through their own toJSON.
PROTOTYPE_TO_JSON = (
    "Array.prototype.toJSON = function () {"
    " return '[' + Array.prototype.join.call(this, ',') + ']'; }"
)
# What a careless library does once everything has loaded.
BROKEN_ARRAYS = (
    "Array.prototype.filter = function () { return 1; };"
    "Array.prototype.map = function () { return 1; };"
    "Array.prototype.forEach = function () { throw new Error('forEach replaced'); };"
    "Array.prototype.some = function () { return 1; };"
    "Array.prototype.push = function () { return 0; };"
    "Object.keys = function () { return []; };"
)
# A page's monitoring wraps fetch and adds its trace headers to every request, the widgets' too.
TRACING = """
(() => {
  const original = window.fetch;
  window.traced = [];
  window.fetch = function (input, init) {
    const options = Object.assign({}, init);
    const headers = new Headers(options.headers || {});
    headers.set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    headers.set('tracestate', 'shop=00f067aa0ba902b7');
    headers.set('baggage', 'release=2026.1');
    headers.set('sentry-trace', '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1');
    options.headers = headers;
    window.traced.push(String(input));
    return original.call(this, input, options);
  };
})();
"""


def consent_page(gw: Gateway, head: str = "", body: str = BLOCKED_SCRIPT) -> str:
    return (
        f"<!doctype html><html lang='en'><head><title>Shop</title>{head}"
        f"{gw.snippet('consent')}</head><body><h1>Shop</h1>{body}</body></html>"
    )


def rights_page(snippet: str, breakage: str = "") -> str:
    # The page breaks things when its own button is clicked: Playwright's evaluate itself relies
    # on the page's JSON, so the breakage must run as the page's code.
    trigger = (
        "<button id='break'>Break</button><script>document.getElementById('break')"
        f".addEventListener('click', function () {{ {breakage} }})</script>"
        if breakage
        else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>'
        f"<body><h1>Privacy</h1><div data-wg-rights></div>{snippet}{trigger}</body></html>"
    )


def records(gw: Gateway, kind: str) -> list[dict[str, Any]]:
    path = gw.data_dir / f"{kind}.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [line.get("record", line) for line in lines]


@pytest.fixture
def rights_gateway(tmp_path: Path, site: Site) -> Iterator[Gateway]:
    """A gateway whose rights form may be sent at once."""
    gw = make_gateway(tmp_path / "gateway-data", (site.origin,), rights_token_min_age=0.0).start()
    yield gw
    gw.stop()


def fill_and_send(page: Page, email: str) -> None:
    form = page.locator("[data-wg-rights]")
    form.locator("[name='type']").select_option("gdpr_access")
    form.locator("[name='email']").fill(email)
    form.locator("button[type=submit]").click()


# --- the consent banner ---------------------------------------------------------------------------


def test_with_storage_blocked_the_record_is_sent_from_memory(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    page.add_init_script(NO_STORAGE)
    page.goto(fresh_site.add("/", consent_page(gateway)))
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_function("window.ran === 1")
    [record] = poll(lambda: records(gateway, "consent"), within=10.0)
    assert record["action"] == "accept_all"
    # The receipt is kept in memory too, for the page's own code.
    page.wait_for_function("WidgetGateway.consent.get().receipt")
    assert page.errors == []  # type: ignore[attr-defined]


def test_replaced_array_methods_and_array_to_json_lose_no_record(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    page.add_init_script(PROTOTYPE_TO_JSON)
    page.goto(fresh_site.add("/", consent_page(gateway)))
    accept = page.get_by_role("button", name="Accept all")
    expect(accept).to_be_visible()
    page.evaluate(BROKEN_ARRAYS)
    accept.click()
    expect(accept).to_be_hidden()
    assert page.evaluate("window.ran") == 1
    [record] = poll(lambda: records(gateway, "consent"), within=10.0)
    assert record["action"] == "accept_all"
    assert record["categories"]["analytics"] is True
    # The queue kept in localStorage is still a list a later page can read back, empty once the
    # gateway's answer has been read.
    stored = (
        "localStorage.getItem('wg:queue:' + document.querySelector('script[data-key]').dataset.key)"
    )
    poll(lambda: page.evaluate(stored) == "[]", within=10.0)
    assert page.errors == []  # type: ignore[attr-defined]


def test_monitoring_trace_headers_do_not_cost_the_banner(
    page: Page, fresh_site: Site, gateway: Gateway
) -> None:
    page.add_init_script(TRACING)
    page.goto(fresh_site.add("/", consent_page(gateway)))
    page.get_by_role("button", name="Accept all").click()
    [record] = poll(lambda: records(gateway, "consent"), within=10.0)
    assert record["action"] == "accept_all"
    traced = page.evaluate("window.traced")
    assert any("/consent/config" in url for url in traced)
    assert any(url.endswith("/consent") for url in traced)


# --- the rights form ------------------------------------------------------------------------------

BROKEN_AFTER_LOAD = {
    "json": "JSON.stringify = JSON.parse = function () { throw new Error('JSON replaced'); }",
    "promise": "window.Promise = function () { throw new Error('Promise replaced'); }",
    "fetch": "window.fetch = function () { return new Promise(function () {}); }",
    "arrays": BROKEN_ARRAYS,
}


@pytest.mark.parametrize("breakage", list(BROKEN_AFTER_LOAD.values()), ids=list(BROKEN_AFTER_LOAD))
def test_rights_form_sends_after_the_page_replaced_a_built_in(
    page: Page, site: Site, rights_gateway: Gateway, breakage: str
) -> None:
    page.goto(site.add("/broken", rights_page(rights_gateway.snippet("rights"), breakage)))
    expect(page.locator("[data-wg-rights] [name='email']")).to_be_visible()
    page.click("#break")
    email = f"{re.sub(r'[^a-z]', '', breakage[:12].lower())}@example.org"
    fill_and_send(page, email)
    expect(page.locator("[data-wg-rights] .ref")).to_have_text(re.compile(r"^RR-"))
    assert [r for r in records(rights_gateway, "rights") if r["email"] == email]
    assert page.errors == []  # type: ignore[attr-defined]


def test_rights_form_that_cannot_send_says_so_and_can_be_sent_again(
    page: Page, site: Site, rights_gateway: Gateway
) -> None:
    # A fetch wrapper, installed before the widget, that breaks on every POST.
    page.add_init_script(
        "(() => { const original = window.fetch;"
        " window.fetch = function (input, init) {"
        "  if (init && init.method === 'POST') throw new Error('monitoring failed');"
        "  return original.apply(this, arguments); }; })()"
    )
    page.goto(site.add("/unsent", rights_page(rights_gateway.snippet("rights"))))
    fill_and_send(page, "unsent@example.org")
    alert = page.locator("[data-wg-rights] [role=alert]")
    expect(alert).to_have_text("The request could not be sent. Please try again later.")
    submit = page.locator("[data-wg-rights] button[type=submit]")
    expect(submit).to_have_text("Send request")
    expect(submit).to_be_enabled()
    assert records(rights_gateway, "rights") == []
    assert page.errors == []  # type: ignore[attr-defined]


# --- a gateway behind a path prefix ---------------------------------------------------------------


def under_prefix(app: ASGIApp, prefix: str) -> ASGIApp:
    """What a reverse proxy with ``location /privacy/ { proxy_pass http://gateway/; }`` does."""

    async def proxied(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if not scope["path"].startswith(prefix + "/"):
                await send({"type": "http.response.start", "status": 404, "headers": []})
                await send({"type": "http.response.body", "body": b"not under the prefix"})
                return
            path = scope["path"][len(prefix) :]
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await app(scope, receive, send)

    return proxied


def test_both_widgets_call_the_gateway_under_its_path_prefix(
    page: Page, fresh_site: Site, tmp_path: Path
) -> None:
    gw = make_gateway(tmp_path / "gateway-data", (fresh_site.origin,), rights_token_min_age=0.0)
    with ServerThread(under_prefix(create_app(gw.settings), "/privacy")) as server:
        pk = gw.key.key.public_key
        tags = "".join(
            f'<script src="{server.url}/privacy/widgets/{name}.js" data-key="{pk}" async></script>'
            for name in ("consent", "rights")
        )
        page.goto(fresh_site.add("/prefixed", rights_page(tags)))
        page.get_by_role("button", name="Accept all").click()
        poll(lambda: records(gw, "consent"), within=10.0)
        fill_and_send(page, "prefix@example.org")
        expect(page.locator("[data-wg-rights] .ref")).to_have_text(re.compile(r"^RR-"))
        assert [r for r in records(gw, "rights") if r["email"] == "prefix@example.org"]
