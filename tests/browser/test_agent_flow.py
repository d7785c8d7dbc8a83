"""An authorised agent files a request for someone else, in headless Chromium with a real SMTP
server on loopback: the form asks for the agent's details and the signed permission, the agent
enters the code mailed to them, the data subject confirms from the link mailed to them, and the
owner's console shows the request as filed by an agent, with its document to download. An agent
who confirms by the e-mailed link instead is told the person is asked next, and both pages speak
the request's language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gateway import locales
from tests.browser.conftest import Site
from tests.browser.test_console import Console, owner_with_key
from tests.browser.test_requester_flow import console, mail_to, open_rights_form
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
    owner, pk = owner_with_key(console, fresh_site.origin)

    agent = console.page()
    form = open_rights_form(agent, fresh_site, console, pk, "/privacy")
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


def test_an_agent_confirming_by_the_link_is_told_the_person_is_asked_next_in_their_language(
    console: Console, fresh_site: Site
) -> None:
    _, pk = owner_with_key(console, fresh_site.origin)
    form_texts = locales.texts("rights", "fr")
    french = locales.texts("requester", "fr")

    agent = console.page()
    form = open_rights_form(agent, fresh_site, console, pk, "/vie-privee", "fr")
    form.get_by_label(form_texts["requester.agent"]).check()
    form.get_by_label(form_texts["agent.subject_email"]).fill(SUBJECT)
    form.get_by_label(form_texts["agent.name"]).fill("Ann Agent")
    form.get_by_label(form_texts["agent.email"]).fill(AGENT)
    form.locator("#f-agent_document").set_input_files(
        {"name": "autorisation.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    form.get_by_role("button", name=form_texts["submit"]).click()
    expect(form.get_by_role("heading", name=form_texts["verify.title"])).to_be_visible()
    reference = form.locator(".ref").inner_text()

    # The agent confirms with the link in their e-mail, not the code: their half only.
    link = re.search(r"^(\S+/portal/#verify=\S+)\r?$", mail_to(console, AGENT), re.M)
    assert link is not None
    agents_mailbox = console.page()
    agents_mailbox.goto(link.group(1))
    agents_mailbox.get_by_role("button", name=french["link.confirm.button"]).click()
    status = agents_mailbox.locator("#status")
    expect(status).to_have_text(french["link.confirmed.agent"].format(reference=reference))

    # The person they act for reads their page in the request's language.
    link = re.search(r"^(\S+/permission/#permission=\S+)\r?$", mail_to(console, SUBJECT), re.M)
    assert link is not None
    mailbox = console.page()
    mailbox.goto(link.group(1))
    expect(mailbox.locator("html")).to_have_attribute("lang", "fr")
    expect(mailbox.get_by_role("heading", level=1)).to_have_text(french["permission.title"])
    about = french["permission.about"].format(
        agent="Ann Agent", reference=reference, site=fresh_site.origin.split("://", 1)[1]
    )
    expect(mailbox.locator("#about")).to_have_text(about)
    mailbox.get_by_role("button", name=french["permission.yes"]).click()
    before, _, _ = french["permission.confirmed.due"].partition("{date}")
    expect(mailbox.locator("#status")).to_contain_text(before.format(reference=reference))
    assert agent.errors == [] and agents_mailbox.errors == []  # type: ignore[attr-defined]
    assert mailbox.errors == []  # type: ignore[attr-defined]
