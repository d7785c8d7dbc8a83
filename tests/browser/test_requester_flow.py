"""A requester confirms their address, in headless Chromium with a real SMTP server on loopback:
the code from the e-mail entered in the form, or the e-mailed link opened on the requester's
page; the owner's console inbox shows the request ``unverified`` until then."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from starlette.datastructures import Secret

from tests.browser.conftest import Site, make_gateway
from tests.browser.test_console import TOKEN, Console, accept, create_key
from tests.support.smtp import SmtpServer
from tests.support.wait import poll

pytestmark = pytest.mark.browser


@pytest.fixture
def console(browser: Browser, tmp_path: Path) -> Iterator[Console]:
    """The console's gateway, mailing by SMTP; its forms may be sent at once."""
    smtp = SmtpServer()
    smtp.start()
    gw = make_gateway(tmp_path / "gw", (), admin_token=Secret(TOKEN))
    gw.settings = replace(
        gw.settings,
        public_url=gw.url,
        smtp_url=Secret(smtp.url()),
        mail_from="gateway@gw.example",
        rights_token_min_age=0.0,
        delivery_backoff=0.05,
    )
    gw.start()
    opened = Console(gw, smtp, browser, [])
    yield opened
    for context in opened.contexts:
        context.close()
    gw.stop()
    smtp.stop()


def mail_to(console: Console, address: str) -> str:
    """The plain text of the newest e-mail to ``address``, once one arrives."""

    def found() -> str | None:
        for received in reversed(console.smtp.handler.received):
            if address in received.rcpt_tos:
                body = received.message().get_body(("plain",))
                assert body is not None
                return str(body.get_content())
        return None

    return poll(found, within=10)


def file_request(page: Page, site: Site, console: Console, pk: str, email: str) -> str:
    snippet = f'<script src="{console.gw.url}/widgets/rights.js" data-key="{pk}" async></script>'
    html = f'<!doctype html><html lang="en"><body><div data-wg-rights></div>{snippet}</body></html>'
    page.goto(site.add(f"/privacy-{email[0]}", html))
    form = page.locator("[data-wg-rights]")
    form.locator("[name='type']").select_option(index=1)
    form.locator("[name='email']").fill(email)
    form.get_by_role("button", name="Send request").click()
    expect(form.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    reference = form.locator(".ref").inner_text()
    assert re.fullmatch(r"RR-\w{4}-\w{4}", reference)
    return reference


def test_the_requester_confirms_inline_or_by_link_and_the_owner_sees_when(
    console: Console, fresh_site: Site
) -> None:
    owner = console.page()
    accept(owner, console.create_account())
    pk = create_key(owner, "Shop", fresh_site.origin)
    owner.click("#secret-done")

    visitor = console.page()
    inline = file_request(visitor, fresh_site, console, pk, "ada@example.org")
    owner.reload()
    row = owner.locator(f"#rights tbody tr[data-ref='{inline}']")
    expect(row.locator(".badge.unverified")).to_have_text("unverified")

    # The code from the e-mail, typed into the form's code step: a wrong one first.
    code = re.search(r"^(\d{6})\r?$", mail_to(console, "ada@example.org"), re.M)
    assert code is not None
    form = visitor.locator("[data-wg-rights]")
    form.get_by_label("Code from the e-mail").fill("000000" if code.group(1) != "000000" else "1")
    form.get_by_role("button", name="Confirm").click()
    expect(form.locator("#n")).to_contain_text("not valid")
    form.get_by_label("Code from the e-mail").fill(code.group(1))
    form.get_by_role("button", name="Confirm").click()
    expect(form.locator(".done")).to_contain_text("We will answer by")
    owner.reload()
    expect(row).to_be_visible()
    expect(row.locator(".badge.unverified")).to_have_count(0)

    # The other way: the link in the e-mail, opened on the requester's page (strict CSP).
    by_link = file_request(visitor, fresh_site, console, pk, "grace@example.org")
    link = re.search(r"^(\S+/portal/#verify=\S+)\r?$", mail_to(console, "grace@example.org"), re.M)
    assert link is not None
    mailbox = console.page()
    mailbox.goto(link.group(1))
    assert "#verify" not in mailbox.url  # the token left the address bar
    mailbox.get_by_role("button", name="Confirm my request").click()
    expect(mailbox.locator("#status")).to_contain_text(f"your request {by_link} is confirmed")
    owner.reload()
    other = owner.locator(f"#rights tbody tr[data-ref='{by_link}']")
    expect(other).to_be_visible()
    expect(other.locator(".badge.unverified")).to_have_count(0)
    assert visitor.errors == [] and mailbox.errors == []  # type: ignore[attr-defined]
