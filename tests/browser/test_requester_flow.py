"""A requester confirms their address, in headless Chromium with a real SMTP server on loopback:
the code from the e-mail entered in the form, or the e-mailed link opened on the requester's
page (in the request's language); the owner's console inbox shows the request ``unverified``
until then."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from starlette.datastructures import Secret

from gateway import locales
from tests.browser.conftest import Site, make_gateway
from tests.browser.test_console import TOKEN, Console, owner_with_key
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


def open_rights_form(
    page: Page, site: Site, console: Console, pk: str, path: str, lang: str = "en"
) -> Locator:
    """The rights form on a page of the site in ``lang`` (the form, and so the request, speak
    it), with its first request type chosen."""
    snippet = f'<script src="{console.gw.url}/widgets/rights.js" data-key="{pk}" async></script>'
    body = f"<body><div data-wg-rights></div>{snippet}</body>"
    page.goto(site.add(path, f'<!doctype html><html lang="{lang}">{body}</html>'))
    form = page.locator("[data-wg-rights]")
    form.locator("[name='type']").select_option(index=1)
    return form


def file_request(
    page: Page, site: Site, console: Console, pk: str, email: str, lang: str = "en"
) -> str:
    """File a request from a page in ``lang``."""
    texts = locales.texts("rights", lang)
    form = open_rights_form(page, site, console, pk, f"/privacy-{email[0]}", lang)
    form.locator("[name='email']").fill(email)
    form.get_by_role("button", name=texts["submit"]).click()
    expect(form.get_by_role("heading", name=texts["verify.title"])).to_be_visible()
    reference = form.locator(".ref").inner_text()
    assert re.fullmatch(r"RR-\w{4}-\w{4}", reference)
    return reference


def test_the_requester_confirms_inline_or_by_link_and_the_owner_sees_when(
    console: Console, fresh_site: Site
) -> None:
    owner, pk = owner_with_key(console, fresh_site.origin)

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


def test_the_link_page_speaks_the_requests_language(console: Console, fresh_site: Site) -> None:
    _, pk = owner_with_key(console, fresh_site.origin)
    german = locales.texts("requester", "de")

    visitor = console.page()
    reference = file_request(visitor, fresh_site, console, pk, "ada@example.org", lang="de")
    link = re.search(r"^(\S+/portal/#verify=\S+)\r?$", mail_to(console, "ada@example.org"), re.M)
    assert link is not None
    mailbox = console.page()
    mailbox.goto(link.group(1))
    expect(mailbox.get_by_role("heading", level=1)).to_have_text(german["link.title"])
    expect(mailbox.get_by_role("heading", name=german["link.confirm.title"])).to_be_visible()
    expect(mailbox.locator("html")).to_have_attribute("lang", "de")
    assert mailbox.title() == german["link.title"]
    mailbox.get_by_role("button", name=german["link.confirm.button"]).click()
    before, _, _ = german["link.confirmed"].partition("{reference}")
    expect(mailbox.locator("#status")).to_contain_text(before + reference)
    assert "{date}" not in mailbox.locator("#status").inner_text()

    # Opened again, the used link says so in German too.
    again = console.page()
    again.goto(link.group(1))
    again.get_by_role("button", name=german["link.confirm.button"]).click()
    expect(again.locator("#status")).to_have_text(german["link.invalid"])
    # Without a link, the page reads the browser's language (English here).
    bare = console.page()
    bare.goto(f"{console.gw.url}/portal/")
    expect(bare.locator("#nothing")).to_have_text(locales.texts("requester", "en")["link.nothing"])
    for page in (visitor, mailbox, again, bare):
        assert page.errors == []  # type: ignore[attr-defined]
