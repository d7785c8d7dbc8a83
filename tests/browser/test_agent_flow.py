"""An authorised agent files a request for someone else, in headless Chromium with a real SMTP
server on loopback: the form asks for the agent's details and the signed permission, the agent
enters the code mailed to them, the data subject confirms from the link mailed to them, and the
owner's console shows the request as filed by an agent, with its document to download."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Site
from tests.browser.test_console import Console, accept, create_key
from tests.browser.test_requester_flow import console, mail_to
from tests.browser.test_rights_widget import IMG

pytestmark = pytest.mark.browser
# The requester flow's console (a gateway mailing through a real SMTP server on loopback).
__all__ = ["console"]

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
AGENT = "ann@agency.example"
SUBJECT = "bo@example.org"


def test_an_agent_files_the_subject_confirms_and_the_owner_downloads_the_permission(
    console: Console, fresh_site: Site
) -> None:
    owner = console.page()
    accept(owner, console.create_account())
    pk = create_key(owner, "Shop", fresh_site.origin)
    owner.click("#secret-done")

    agent = console.page()
    snippet = f'<script src="{console.gw.url}/widgets/rights.js" data-key="{pk}" async></script>'
    html = f'<!doctype html><html lang="en"><body><div data-wg-rights></div>{snippet}</body></html>'
    agent.goto(fresh_site.add("/privacy", html))
    form = agent.locator("[data-wg-rights]")
    form.locator("[name='type']").select_option(index=1)
    expect(form.get_by_label("Your name (agent)")).to_be_hidden()
    form.get_by_label("as an authorised agent").check()
    # The e-mail field is now the person's; the agent's own fields and the document appear.
    form.get_by_label("Email address of the person you act for").fill(SUBJECT)
    form.get_by_label("Your name (agent)").fill("Ann Agent")
    form.get_by_label("Your email address (agent)").fill(AGENT)
    send = form.get_by_role("button", name="Send request")
    send.click()  # no document yet: the form says so at the file, and sends nothing
    expect(form.locator("#e-agent_document")).to_have_text("Please fill in this field.")
    form.get_by_label(re.compile("Their signed permission")).set_input_files(
        {"name": "permission.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    expect(form.locator("#e-agent_document")).to_be_empty()  # a file chosen: the error is gone
    form.locator(".box").screenshot(path=str(IMG / "rights-agent.png"))  # docs/rights-widget.md
    send.click()
    expect(form.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(form).to_contain_text(f"We sent a 6-digit code to {AGENT}")
    reference = form.locator(".ref").inner_text()

    code = re.search(r"^(\d{6})\r?$", mail_to(console, AGENT), re.M)
    assert code is not None
    form.get_by_label("Code from the e-mail").fill(code.group(1))
    form.get_by_role("button", name="Confirm").click()
    expect(form.locator(".done")).to_contain_text("asked the person you act for to confirm")

    owner.reload()
    row = owner.locator(f"#rights tbody tr[data-ref='{reference}']")
    expect(row.locator(".badge.agent")).to_have_text("by agent")
    expect(row.locator(".badge.unverified")).to_have_text("unverified")

    # The person the request is for, from the link in their e-mail.
    link = re.search(r"^(\S+/permission/#permission=\S+)\r?$", mail_to(console, SUBJECT), re.M)
    assert link is not None
    mailbox = console.page()
    mailbox.goto(link.group(1))
    assert "#permission" not in mailbox.url  # the token left the address bar
    expect(mailbox.locator("#about")).to_contain_text(
        f"Ann Agent made a privacy request ({reference})"
    )
    mailbox.get_by_role("button", name="Yes, I gave permission").click()
    expect(mailbox.locator("#status")).to_contain_text(f"request {reference} is confirmed")

    owner.reload()
    expect(row.locator(".badge.unverified")).to_have_count(0)
    row.get_by_role("button", name=f"Open request {reference}").click()
    details = owner.locator("#r-agent")
    expect(details).to_contain_text(f"Ann Agent <{AGENT}>, address confirmed")
    expect(details).to_contain_text("the person confirmed the permission")
    with owner.expect_download() as download:
        details.get_by_role("link", name=re.compile("Download the signed permission")).click()
    saved = download.value
    assert saved.suggested_filename == f"{reference}-authorisation.pdf"
    with open(saved.path(), "rb") as got:
        assert got.read() == PDF
    assert agent.errors == [] and mailbox.errors == []  # type: ignore[attr-defined]
