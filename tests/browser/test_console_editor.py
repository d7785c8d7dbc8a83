"""The widget editor in headless Chromium, as one owner's day: from the operator's new account to
a French banner on the shop's page, with the live preview, a viewer and a stranger; then axe-core
over every console view, and the main flow by keyboard alone."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pyotp
from playwright.sync_api import FrameLocator, Page, expect

from tests.browser.conftest import Site
from tests.browser.test_console import (
    IMG,
    OWNER,
    PASSWORD,
    TOKEN,
    VIEWER,
    Console,
    accept,
    console,
    create_key,
)

__all__ = ["console"]  # the fixture, shared with the console's other tests

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
STRANGER = "mallory@other.example"
TITLE_FR = "Vos choix, sur notre boutique"
TITLE_ID = "#ed-consent_config-texts-fr-title"


def visitor_title(console: Console, public_key: str, origin: str) -> str:
    answer = httpx.get(
        f"{console.gw.url}/v1/{public_key}/consent/config?lang=fr", headers={"Origin": origin}
    )
    assert answer.status_code == 200, answer.text
    title: str = answer.json()["texts"]["title"]
    return title


def call(page: Page, method: str, path: str, body: Any = None) -> list[Any]:
    """[status, code] of a console API call made by the signed-in page itself."""
    result: list[Any] = page.evaluate(
        """async ([method, path, body]) => {
            const me = await (await fetch('/console/api/me')).json();
            const init = {method, headers: {'X-CSRF-Token': me.csrf_token}};
            if (body !== null) {
                init.headers['Content-Type'] = 'application/json';
                init.body = JSON.stringify(body);
            }
            const at = path.replace('{account}', me.accounts[0].id);
            const r = await fetch('/console/api' + at, init);
            return [r.status, (await r.json()).code || null];
        }""",
        [method, path, body],
    )
    return result


def turn_on_two_factor(page: Page) -> None:
    page.click("#tf-enrol")
    expect(page.locator("#tf-code")).to_be_focused()
    secret = page.locator("#tf-secret").inner_text()
    page.fill("#tf-code", pyotp.TOTP(secret).at(time.time()))
    page.click("#tf-form button[type=submit]")
    expect(page.locator("#tf-state")).to_have_text("Two-factor sign-in is on.")


def axe_problems(page: Page, where: str) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now (frames excluded: the
    widgets in the preview have their own checks)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {iframes: false, resultTypes: ['violations']}))
            .violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )
    return [f"{where}: {v['id']} at {v['nodes']}" for v in found]


def tab_to(page: Page, selector: str, most: int = 60) -> None:
    """Tab (only) until the element matching ``selector`` has the focus."""
    for _ in range(most):
        if page.evaluate("s => document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} not reached by Tab")


def auditor(console: Console) -> Page:
    """A page whose context lets axe-core's script in (bypass_csp); the others keep the CSP."""
    context = console.browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    console.contexts.append(context)
    return context.new_page()


# The preview renders after a 200 ms pause in typing, a gateway round trip and the real widgets'
# render in the frame (their scripts loaded first): under the whole suite's load that took more
# than Playwright's 5 s default, so every wait on the preview allows this much.
PREVIEW_WAIT = 15_000


def preview(page: Page) -> FrameLocator:
    return page.frame_locator("#ed-frame")


def test_owner_edits_the_banner_in_french_with_the_preview_and_visitors_get_it(
    console: Console, fresh_site: Site
) -> None:
    # The operator creates the account; its owner follows the mailed link and turns on 2FA.
    console.create_account()
    owner = console.page()
    accept(owner, console.mailed_link(OWNER))
    # Another browser of the owner's, signing in by keyboard alone, checked by axe-core.
    audit = auditor(console)
    audit.goto(console.gw.url + "/console/")
    expect(audit.locator("#signin")).to_be_visible()
    problems = axe_problems(audit, "sign-in")
    tab_to(audit, "#si-email")
    audit.keyboard.type(OWNER)
    audit.keyboard.press("Tab")
    audit.keyboard.type(PASSWORD)
    audit.keyboard.press("Enter")
    expect(audit.locator("#app")).to_be_visible()
    problems += axe_problems(audit, "keys, rights, members, security")
    turn_on_two_factor(owner)
    public_key = create_key(owner, "Boutique", fresh_site.origin)
    owner.click("#secret-done")
    expect(owner.locator("#editor")).to_be_visible()
    expect(preview(owner).locator("#wg-consent")).to_be_attached(timeout=PREVIEW_WAIT)

    owner.select_option("#ed-lang", "fr")
    title = owner.locator(TITLE_ID)
    builtin = visitor_title(console, public_key, fresh_site.origin)
    expect(title).to_have_attribute("placeholder", builtin)  # the built-in text, kept
    expect(title).to_have_value("")
    title.fill(TITLE_FR)
    # In the preview as typed, before any save; visitors still get the built-in title.
    expect(preview(owner).get_by_text(TITLE_FR)).to_be_visible(timeout=PREVIEW_WAIT)
    assert visitor_title(console, public_key, fresh_site.origin) == builtin

    # A problem from the gateway is shown at its field, and goes when it is fixed.
    accent = owner.locator("#ed-consent_config-theme-accent")
    accent.fill("#12")
    expect(accent).to_have_attribute("aria-invalid", "true")
    expect(owner.locator("#ed-consent_config-theme-accent-problem")).to_contain_text("colour")
    accent.fill("#0b6e4f")
    expect(accent).not_to_have_attribute("aria-invalid", "true")

    # A service with its cookie, seen in the preferences layer of the preview.
    marketing = owner.locator("fieldset.ed-category", has_text="Marketing").first
    marketing.get_by_role("button", name="Add service to Marketing").click()
    owner.fill("#ed-consent_config-categories-3-services-0-name", "YouTube")
    owner.fill("#ed-consent_config-categories-3-services-0-id", "youtube")
    owner.get_by_role("button", name="Add cookie to service 1 of Marketing").click()
    owner.fill("#ed-consent_config-categories-3-services-0-cookies-0-name", "VISITOR_INFO1_LIVE")
    owner.fill("#ed-consent_config-categories-3-services-0-cookies-0-provider", "Google")
    owner.fill("#ed-consent_config-categories-3-services-0-cookies-0-duration", "6 mois")
    owner.check("input[name=ed-view][value=preferences]")
    # In its disclosure, once: drafts sent while the banner's script loads (one per keystroke)
    # never leave two banners in the preview.
    expect(preview(owner).get_by_text("YouTube")).to_have_count(1, timeout=PREVIEW_WAIT)

    # The rights form: a CCPA type turned on shows in the previewed form, in French.
    owner.check("#ed-type-ccpa_know")
    owner.check("input[name=ed-view][value=rights]")
    options = preview(owner).locator("select#f-type option")
    expect(options).to_contain_text(["—"], timeout=PREVIEW_WAIT)
    ccpa = owner.locator("label[for=ed-type-ccpa_know]").inner_text()
    expect(preview(owner).locator("select#f-type")).to_contain_text(ccpa, timeout=PREVIEW_WAIT)
    owner.check("input[name=ed-view][value=banner]")
    expect(preview(owner).get_by_text(TITLE_FR)).to_be_visible(timeout=PREVIEW_WAIT)
    owner.locator("#ed-title").scroll_into_view_if_needed()
    owner.evaluate("document.getElementById('ed-title').scrollIntoView()")
    owner.screenshot(path=str(IMG / "console-editor.png"))

    owner.click("#ed-save")
    expect(owner.locator("#ed-state")).to_contain_text("Saved and published")
    assert visitor_title(console, public_key, fresh_site.origin) == TITLE_FR
    snippet = owner.locator("#snippet-consent").inner_text()
    visitor = console.page()
    visitor.goto(fresh_site.add("/fr", f'<!doctype html><html lang="fr"><head>{snippet}</head>'))
    expect(visitor.get_by_text(TITLE_FR)).to_be_visible()

    # By keyboard alone: open the key, change the French title, save.
    audit.reload()
    expect(audit.locator("#keys tbody tr", has_text="Boutique")).to_be_visible()
    tab_to(audit, "button[aria-label='Show key Boutique']")
    audit.keyboard.press("Space")
    expect(audit.locator("#d-title")).to_be_focused()
    expect(audit.locator("#editor")).to_be_visible()
    problems += axe_problems(audit, "key detail and editor")
    tab_to(audit, "#ed-lang")
    audit.keyboard.type("fr")
    expect(audit.locator(TITLE_ID)).to_have_value(TITLE_FR)
    tab_to(audit, TITLE_ID)
    audit.keyboard.press("End")
    audit.keyboard.type(" !")
    expect(preview(audit).get_by_text(TITLE_FR + " !")).to_be_visible(timeout=PREVIEW_WAIT)
    audit.keyboard.press("Enter")  # submits the editor's form: saves
    expect(audit.locator("#ed-state")).to_contain_text("Saved and published")
    assert visitor_title(console, public_key, fresh_site.origin) == TITLE_FR + " !"
    assert problems == []

    # A viewer sees the settings, cannot change them.
    owner.fill("#iv-email", VIEWER)
    owner.select_option("#iv-role", "viewer")
    owner.click("#invite-form button[type=submit]")
    viewer = console.page()
    accept(viewer, console.mailed_link(VIEWER), "another long passphrase here")
    viewer.get_by_role("button", name="Show key Boutique").click()
    expect(viewer.locator("#ed-readonly")).to_be_visible()
    viewer.select_option("#ed-lang", "fr")
    expect(viewer.locator(TITLE_ID)).to_have_value(TITLE_FR + " !")
    expect(viewer.locator(TITLE_ID)).to_be_disabled()
    expect(viewer.locator("#ed-save")).to_be_hidden()
    path = f"/accounts/{{account}}/keys/{public_key}"
    assert call(viewer, "PATCH", path, {"consent_config": None}) == [403, "role_too_low"]
    assert call(viewer, "POST", path + "/preview", {}) == [200, None]

    # A member of another account cannot see the key, nor preview it.
    other = httpx.post(
        console.gw.url + "/admin/v1/accounts",
        json={"name": "Other Shop", "owner": STRANGER},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert other.status_code == 201, other.text
    stranger = console.page()
    accept(stranger, console.mailed_link(STRANGER))
    expect(stranger.locator("#keys tbody tr")).to_have_count(0)
    assert call(stranger, "GET", path) == [404, "key_not_found"]
    assert call(stranger, "POST", path + "/preview", {}) == [404, "key_not_found"]
    assert call(stranger, "PATCH", path, {"consent_config": None}) == [404, "key_not_found"]
    assert owner.errors == viewer.errors == stranger.errors == []  # type: ignore[attr-defined]
