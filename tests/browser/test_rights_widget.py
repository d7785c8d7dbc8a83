"""The rights widget in headless Chromium, on a site of another origin, against a real gateway."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Gateway, Site, make_gateway

pytestmark = pytest.mark.browser
IMG = Path(__file__).parent.parent.parent / "docs" / "img"
CONFIG = {
    "types": ["gdpr_access", "gdpr_erasure", "gdpr_objection", "ccpa_delete", "other"],
    "privacy_policy_url": "https://shop.example/privacy",
    "custom_fields": [
        {
            "id": "store",
            "type": "select",
            "label": {"en": "Store", "fr": "Magasin"},
            "options": [
                {"value": "paris", "label": {"en": "Paris"}},
                {"value": "lyon", "label": {"en": "Lyon"}},
            ],
        }
    ],
}


def start(tmp: Path, site: Site, **overrides: Any) -> Gateway:
    # Requests go to the JSON-lines file only: the form's own behaviour, without the code step
    # that a records store adds (tests/browser/test_requester_flow.py).
    overrides.setdefault(
        "rights_sink", f"file://{(tmp / 'gateway-data' / 'rights.jsonl').absolute()}"
    )

    def build() -> Gateway:
        gw = make_gateway(tmp / "gateway-data", (site.origin,), **overrides)
        gw.put_key(replace(gw.key.key, rights_config=CONFIG))
        return gw

    # The key store is written with asyncio.run, which cannot run in the thread where
    # Playwright's sync API already drives an event loop.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(build).result().start()


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, site: Site) -> Iterator[Gateway]:
    """One gateway for the module; forms may be sent at once, limits are generous."""
    g = start(
        tmp_path_factory.mktemp("rights"),
        site,
        rights_token_min_age=0.0,
        limit_rights_per_ip="100/hour",
        limit_rights_per_email="100/hour",
    )
    yield g
    g.stop()


def records(gw: Gateway) -> list[dict[str, Any]]:
    path = gw.data_dir / "rights.jsonl"
    if not path.exists():
        return []
    lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    return [line.get("record", line) for line in lines]


def open_page(page: Page, site: Site, gw: Gateway, name: str, div: str = "") -> None:
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
        "<style>body{font-family:sans-serif;margin:24px;background:#f6f7f9}</style></head><body>"
        f"<h1>Privacy</h1><div data-wg-rights {div}></div>{gw.snippet('rights')}"
        "<script>window.events=[];document.addEventListener('wg:rights-submitted',"
        "e=>events.push(e.detail));</script></body></html>"
    )
    page.goto(site.add(f"/{name}", html))


def field(page: Page, name: str) -> Any:
    return page.locator(f"[data-wg-rights] [name='{name}']")


def test_inline_form_keyboard_only_submission_reaches_the_sink(
    page: Page, site: Site, gw: Gateway
) -> None:
    open_page(page, site, gw, "inline", 'data-customer-ref="C-77"')
    expect(field(page, "email")).to_be_visible()
    page.evaluate("WidgetGateway.rights.prefill({given_name: 'Ada'})")
    k = page.keyboard
    k.press("Tab")  # the first stop is the request type
    k.type("Delete")
    k.press("Tab")
    k.type("ada@example.org")
    k.press("Tab")
    k.press("Tab")  # given name, prefilled
    k.type("Lovelace")
    k.press("Tab")
    k.press("Tab")  # customer reference, from data-customer-ref
    k.press("ArrowDown")  # requester type: an authorised agent, whose own fields appear
    k.press("Tab")
    k.type("Ann Agent")
    k.press("Tab")
    k.type("ann@agency.example")
    k.press("Tab")
    k.type("Line one")
    k.press("Enter")
    k.type("Line two")
    k.press("Tab")
    k.type("Ly")
    IMG.mkdir(parents=True, exist_ok=True)
    page.locator("[data-wg-rights] .box").screenshot(path=str(IMG / "rights-form.png"))
    k.press("Tab")  # the owner's privacy policy, linked before the button
    policy = page.locator("[data-wg-rights] a[href='https://shop.example/privacy']")
    expect(policy).to_be_focused()
    expect(policy).to_have_text("How we handle your data: our privacy policy")
    k.press("Tab")
    k.press("Enter")  # the submit button

    ref = page.locator("[data-wg-rights] .ref")
    expect(ref).to_have_text(re.compile(r"^RR-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$"))
    expect(page.locator("[data-wg-rights] .done")).to_contain_text("We will answer by")
    expect(page.locator("[data-wg-rights] .done")).to_be_focused()
    page.locator("[data-wg-rights] .box").screenshot(path=str(IMG / "rights-confirmation.png"))
    reference = ref.inner_text()
    assert page.evaluate("events") == [{"reference": reference}]
    [record] = [r for r in records(gw) if r["reference"] == reference]
    typed = {
        "type": "gdpr_erasure",
        "email": "ada@example.org",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "customer_reference": "C-77",
        "requester_type": "agent",
        "agent_name": "Ann Agent",
        "agent_email": "ann@agency.example",
        "message": "Line one\nLine two",
        "custom": {"store": "lyon"},
        "language": "en",
        "origin": site.origin,
    }
    assert {k: record[k] for k in typed} == typed
    date_text = page.locator("[data-wg-rights] .done p").nth(2).inner_text()
    assert date_text.endswith(f"{int(record['respond_by'][8:])}, {record['respond_by'][:4]}.")
    assert page.errors == []  # type: ignore[attr-defined]
    assert page.console.texts("warning") == []  # type: ignore[attr-defined]


def test_each_validation_error_is_shown_and_announced(page: Page, site: Site, gw: Gateway) -> None:
    open_page(page, site, gw, "errors")
    submit = page.locator("[data-wg-rights] button[type=submit]")
    submit.click()
    alert = page.locator("[data-wg-rights] [role=alert]")
    expect(alert).to_have_text("Please correct the highlighted fields.")
    type_select = field(page, "type")
    expect(type_select).to_be_focused()  # focus moves to the first error
    for name in ("type", "email"):
        el = field(page, name)
        expect(el).to_have_attribute("aria-invalid", "true")
        described = page.locator(f"[data-wg-rights] #{el.get_attribute('aria-describedby')}")
        expect(described).to_have_text("Please fill in this field.")
    expect(field(page, "given_name")).to_have_attribute("aria-invalid", "false")

    type_select.select_option("other")
    field(page, "email").fill("ada@example")
    submit.click()
    expect(field(page, "email")).to_be_focused()
    expect(page.locator("[data-wg-rights] #e-email")).to_have_text(
        "Please enter a valid email address, like name@example.com."
    )
    expect(type_select).to_have_attribute("aria-invalid", "false")
    # Every field shown has a label (the requester type, a radio group, has its legend); an
    # agent's own fields are there, hidden, until "as an authorised agent" is picked.
    assert page.locator("[data-wg-rights] label[for]:visible").count() == 7
    expect(page.locator("[data-wg-rights] fieldset.field legend")).to_contain_text("I am making")
    assert records(gw) == [] or all(r["email"] != "ada@example" for r in records(gw))


def test_modal_mode_in_french(page: Page, site: Site, gw: Gateway) -> None:
    open_page(page, site, gw, "modal", 'data-mode="modal" data-lang="fr"')
    opener = page.locator("[data-wg-rights] button[aria-haspopup=dialog]")
    expect(opener).to_have_text("Demande sur mes données")
    dialog = page.locator("[data-wg-rights] dialog")
    expect(dialog).to_be_hidden()
    opener.click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("h2")).to_have_text("Exercer vos droits sur vos données")
    field(page, "type").select_option("gdpr_access")
    field(page, "email").fill("marie@example.fr")
    dialog.locator("button[type=submit]").click()
    expect(dialog.locator(".done")).to_contain_text("Nous vous répondrons au plus tard le")
    reference = dialog.locator(".ref").inner_text()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.evaluate("WidgetGateway.rights.open()")
    expect(dialog.locator(".ref")).to_have_text(reference)
    [record] = [r for r in records(gw) if r["reference"] == reference]
    assert record["language"] == "fr" and record["email"] == "marie@example.fr"


def test_a_filled_honeypot_is_refused_and_said_so(page: Page, site: Site, gw: Gateway) -> None:
    open_page(page, site, gw, "honeypot")
    field(page, "type").select_option("gdpr_access")
    field(page, "email").fill("bot@example.net")
    field(page, "website").evaluate("el => el.value = 'http://spam.example'")  # as bots do
    page.locator("[data-wg-rights] button[type=submit]").click()
    expect(page.locator("[data-wg-rights] [role=alert]")).to_have_text(
        "Your request could not be sent. Please contact us another way."
    )
    assert all(r["email"] != "bot@example.net" for r in records(gw))
    assert page.evaluate("events") == []


def test_too_fast_submission_and_rate_limit(page: Page, site: Site, tmp_path: Path) -> None:
    gw = start(tmp_path, site, rights_token_min_age=3.0, limit_rights_per_ip="1/hour")
    try:
        open_page(page, site, gw, "limits")
        expect(field(page, "email")).to_be_visible()
        # A script that skips the widget and posts at once is refused as too fast.
        answer = page.evaluate(
            """async ([gw, pk]) => {
                const c = await (await fetch(`${gw}/v1/${pk}/rights/config`)).json();
                const r = await fetch(`${gw}/v1/${pk}/rights`, {method: "POST", body:
                    JSON.stringify({type: "other", email: "x@example.com",
                                    form_token: c.form_token})});
                return [r.status, (await r.json()).code];
            }""",
            [gw.url, gw.key.key.public_key],
        )
        assert answer == [422, "submitted_too_fast"]
        # That attempt counted against the hourly limit: the visitor is told when to come back.
        field(page, "type").select_option("other")
        field(page, "email").fill("ada@example.org")
        page.evaluate(
            "document.querySelector('[data-wg-rights]').shadowRoot"
            ".querySelector('form').requestSubmit()"
        )
        alert = page.locator("[data-wg-rights] [role=alert]")
        expect(alert).to_have_text(
            re.compile(
                r"^You have sent several requests in a short time\. "
                r"Please try again in \d+ minutes\.$"
            ),
            timeout=15_000,
        )
        assert records(gw) == []
    finally:
        gw.stop()


def test_form_is_styled_and_submits_under_a_strict_csp(page: Page, site: Site, gw: Gateway) -> None:
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation', e =>"
        " violations.push(e.violatedDirective + ' ' + e.blockedURI))"
    )
    csp = (
        f"default-src 'none'; script-src 'nonce-abc' {gw.url}; connect-src {gw.url}; "
        "style-src 'self'; img-src 'self'; frame-src 'self'"
    )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>'
        f"<body><h1>Privacy</h1><div data-wg-rights></div>{gw.snippet('rights')}</body></html>"
    )
    page.goto(site.add("/csp", html, headers={"Content-Security-Policy": csp}))
    submit = page.get_by_role("button", name="Send request")
    expect(submit).to_be_visible()
    # The widget's stylesheet applies: the accent button and the bordered card.
    look = submit.evaluate(
        "b => [getComputedStyle(b).backgroundColor,"
        " getComputedStyle(b.closest('.box')).borderRadius]"
    )
    assert look == ["rgb(29, 78, 216)", "12px"]
    field(page, "type").select_option("other")
    field(page, "email").fill("csp@example.org")
    submit.click()
    ref = page.locator("[data-wg-rights] .ref")
    expect(ref).to_have_text(re.compile(r"^RR-"))
    assert [r for r in records(gw) if r["reference"] == ref.inner_text()]
    assert page.evaluate("violations") == []
    console = page.console.texts()  # type: ignore[attr-defined]
    assert [t for t in console if "Content Security Policy" in t] == []


def test_a_problem_only_the_gateway_finds_is_shown_from_its_code(
    page: Page, site: Site, gw: Gateway
) -> None:
    # "xn--zz" looks like a domain label to the form but is no valid A-label: only the gateway's
    # IDNA check refuses it, answering the field's code (invalid_email), from which the form
    # picks its own text.
    open_page(page, site, gw, "server-check")
    field(page, "type").select_option("gdpr_access")
    field(page, "email").fill("ada@xn--zz.org")
    page.locator("[data-wg-rights] button[type=submit]").click()
    expect(page.locator("[data-wg-rights] #e-email")).to_have_text(
        "Please enter a valid email address, like name@example.com."
    )
    expect(field(page, "email")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "email")).to_be_focused()
    expect(page.locator("[data-wg-rights] [role=alert]")).to_have_text(
        "Please correct the highlighted fields."
    )
    assert all(r["email"] != "ada@xn--zz.org" for r in records(gw))
