"""The demo clicked through in headless Chromium, as a newcomer would in their first minutes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.demo import Demo

pytestmark = pytest.mark.browser
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
REFERENCE = re.compile(r"^RR-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    # The form's anti-bot minimum age is lowered so the test does not wait it out.
    run = Demo(tmp_path / "demo-data", GATEWAY_RIGHTS_TOKEN_MIN_AGE="0").start()
    yield run
    run.kill()


@pytest.fixture
def wide_page(open_page: Callable[..., Page]) -> Page:
    return open_page(viewport={"width": 1100, "height": 820})


def test_consent_runs_the_blocked_script_and_both_records_reach_the_records_page(
    wide_page: Page, demo: Demo
) -> None:
    page = wide_page
    page.goto(demo.site_url + "/")
    expect(page.get_by_role("dialog", name="We value your privacy")).to_be_visible()
    expect(page.get_by_role("button", name="Privacy request")).to_be_visible()
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / "demo.png"))

    page.goto(demo.site_url + "/analytics")
    status = page.locator("#analytics-status")
    expect(status).to_have_text("Blocked: waiting for consent to analytics.")
    page.get_by_role("button", name="Accept all").click()
    expect(status).to_have_text("Analytics script ran: consent to analytics was given.")
    expect(page.locator("#consent-state")).to_contain_text("analytics")

    page.goto(demo.site_url + "/rights")
    # The choice is remembered across pages: no banner this time.
    expect(page.locator("#analytics-status")).to_have_count(0)
    expect(page.get_by_role("dialog", name="We value your privacy")).to_have_count(0)
    form = page.locator("[data-wg-rights]")
    form.locator("[name='type']").select_option("gdpr_access")
    form.locator("[name='email']").fill("ada@example.org")
    form.locator("[name='message']").fill("<b>What do you keep about me?</b>")
    form.get_by_role("button", name="Send request").click()
    reference = form.locator(".ref")
    expect(reference).to_have_text(REFERENCE)
    expect(page.locator("#rights-next")).to_be_visible()
    ref = reference.inner_text()

    page.get_by_role("link", name="records page").click()
    expect(page.locator("h1")).to_have_text("What reached the sinks")
    tables = page.locator("table")
    expect(tables.nth(0)).to_contain_text("accept_all")
    expect(tables.nth(0)).to_contain_text("necessary, functional, analytics")
    expect(tables.nth(1)).to_contain_text(ref)
    expect(tables.nth(1)).to_contain_text("ada@example.org")
    # What the visitor typed is shown as text, never as markup.
    expect(tables.nth(1)).to_contain_text("<b>What do you keep about me?</b>")
    assert page.errors == []  # type: ignore[attr-defined]
    assert demo.stop() == 0


def test_withdrawing_consent_says_a_reload_is_needed_and_no_page_has_a_404(
    wide_page: Page, demo: Demo
) -> None:
    page = wide_page
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(demo.site_url + "/analytics")
    status = page.locator("#analytics-status")
    page.get_by_role("button", name="Accept all").click()
    expect(status).to_have_text("Analytics script ran: consent to analytics was given.")

    page.get_by_role("link", name="Change it").click()
    preferences = page.get_by_role("dialog")
    preferences.get_by_role("button", name="Reject all").click()
    # The script ran and cannot be unrun: the page says so instead of claiming consent.
    expect(status).to_contain_text("withdrawn")
    expect(status).to_contain_text("reload")
    expect(page.locator("#consent-state")).to_have_text("necessary")
    page.reload()
    expect(status).to_have_text("Blocked: waiting for consent to analytics.")

    for path in ("/", "/rights", "/records"):
        page.goto(demo.site_url + path)
    page.goto(demo.gateway_url + "/admin/")
    page.goto(demo.gateway_url + "/console/")
    assert missing == []
    assert page.errors == []  # type: ignore[attr-defined]
