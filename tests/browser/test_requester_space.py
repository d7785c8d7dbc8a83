"""The requester's space in headless Chromium, with a real SMTP server on loopback: a visitor
files an access request, confirms it inline with the mailed code, opens the space from the
e-mailed link plus a code and sees the due date; the owner (console) asks a question, extends
the deadline and pauses the clock, and both screens' dates move; the requester replies with a
PDF, which resumes the clock; the owner attaches the answer and completes; the space shows the
request completed with the answer to download. A CCPA request shows its 45 days."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from starlette.datastructures import Secret

from gateway.records import verification
from tests.browser.conftest import Site, make_gateway
from tests.browser.test_console import IMG, TOKEN, Console, owner_with_key
from tests.browser.test_console_editor import auditor, axe_problems
from tests.browser.test_requester_flow import file_request
from tests.support.aio import run
from tests.support.records import open_store, rights
from tests.support.smtp import Received, SmtpServer
from tests.support.wait import poll

pytestmark = pytest.mark.browser

T0 = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
ADA = "ada@example.org"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ANSWER = b"%PDF-1.4\n% the answer: the data we hold about you\n%%EOF\n"


class ShiftedClock:
    """Time that runs from ``start`` and can be moved forward by days."""

    def __init__(self, start: datetime) -> None:
        self.offset = start.timestamp() - time.time()

    def __call__(self) -> float:
        return time.time() + self.offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self(), UTC)

    def shift(self, days: int) -> None:
        self.offset += days * 86_400


@pytest.fixture
def console(browser: Browser, tmp_path: Path) -> Iterator[Console]:
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
        # Days pass in this test: sessions outlast them.
        session_idle_seconds=20 * 86_400.0,
        session_max_seconds=30 * 86_400.0,
        space_session_idle=7 * 86_400.0,
        space_session_absolute=7 * 86_400.0,
    )
    gw.start()
    opened = Console(gw, smtp, browser, [])
    yield opened
    for context in opened.contexts:
        context.close()
    gw.stop()
    smtp.stop()


def services(console: Console) -> Any:
    assert console.gw.server is not None
    return console.gw.server.config.app.state.services


def set_clock(console: Console, clock: ShiftedClock) -> None:
    found = services(console)
    found.clock = clock
    found.records.clock = clock.now


def mail(console: Console, to: str, subject: str, seen: int = 0) -> Received:
    """The ``seen``-th e-mail (0: the first) to ``to`` whose subject has ``subject``."""

    def found() -> Received | None:
        matching = [
            m
            for m in console.smtp.handler.received
            if to in m.rcpt_tos and subject in m.message()["Subject"]
        ]
        return matching[seen] if len(matching) > seen else None

    return poll(found, within=10)


def plain(received: Received) -> str:
    body = received.message().get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def open_space(console: Console, page: Page, link: str, to: str, *, go: bool = True) -> None:
    """Open the space from its link (``go``: not opened yet): ask for a code, type it in."""
    codes = len(
        [
            m
            for m in console.smtp.handler.received
            if to in m.rcpt_tos and "Your code to open" in m.message()["Subject"]
        ]
    )
    if go:
        page.goto(link)
    expect(page.get_by_role("button", name="Send me a code")).to_be_visible()
    assert "#space" not in page.url  # the token left the address bar
    page.get_by_role("button", name="Send me a code").click()
    expect(page.locator("#status")).to_contain_text("A code is on its way")
    code = re.search(r"^(\d{6})\r?$", plain(mail(console, to, "Your code to open", codes)), re.M)
    assert code is not None
    page.get_by_label("Code from the e-mail").fill(code.group(1))
    page.get_by_role("button", name="Open my space").click()
    expect(page.locator("#space")).to_be_visible()


def due(page: Page) -> Any:
    return page.locator("#space-due time")


def test_the_requester_follows_answers_and_downloads_in_the_space(
    console: Console, fresh_site: Site, tmp_path: Path
) -> None:
    clock = ShiftedClock(T0)
    set_clock(console, clock)
    owner, pk = owner_with_key(console, fresh_site.origin)

    visitor = console.page()
    reference = file_request(visitor, fresh_site, console, pk, ADA)
    code = re.search(r"^(\d{6})\r?$", plain(mail(console, ADA, "Your code for")), re.M)
    assert code is not None
    form = visitor.locator("[data-wg-rights]")
    form.get_by_label("Code from the e-mail").fill(code.group(1))
    form.get_by_role("button", name="Confirm").click()
    expect(form.locator(".done")).to_contain_text("We will answer by")

    confirmed = plain(mail(console, ADA, "is confirmed"))
    assert reference in confirmed and "2027-02-28" in confirmed  # GDPR: 31 January → 28 Feb
    link = re.search(r"^(\S+/portal/#space=\S+)\r?$", confirmed, re.M)
    assert link is not None
    space = console.page()
    open_space(console, space, link.group(1), ADA)
    expect(space.locator("html")).to_have_attribute("lang", "en")
    expect(due(space)).to_have_attribute("datetime", "2027-02-28")
    expect(space.locator("#space-status")).to_have_text("Received")

    # The owner asks, extends (with the reason the requester reads) and pauses.
    owner.reload()
    owner.get_by_role("button", name=f"Open request {reference}").click()
    owner.fill("#r-message", "Which of your two accounts do you mean?")
    owner.click("#r-send")
    expect(owner.locator("#r-messages")).to_contain_text("Which of your two accounts")
    owner.fill("#r-reason", "Your data is held in five systems.")
    owner.click("#r-extend")
    expect(owner.locator("#r-deadline")).to_contain_text("Due 2027-04-28")
    assert "Which of your two" not in plain(mail(console, ADA, "A message about"))
    space.reload()
    expect(due(space)).to_have_attribute("datetime", "2027-04-28")
    expect(space.locator("#space-due-note")).to_contain_text("five systems")
    expect(space.locator("#space-messages")).to_contain_text("Which of your two accounts")
    owner.click("#r-pause")
    expect(owner.locator("#r-deadline")).to_contain_text("clock paused")

    # Three days later, while paused: both screens give those days back.
    clock.shift(3)
    space.reload()
    expect(due(space)).to_have_attribute("datetime", "2027-05-01")
    expect(space.locator("#space-due-note")).to_contain_text("paused")
    owner.reload()
    owner.get_by_role("button", name=f"Open request {reference}").click()
    expect(owner.locator("#r-deadline")).to_contain_text("Due 2027-05-01")

    # The requester replies with a PDF: the clock runs again.
    space.fill("#space-reply", "The one I use for the newsletter.")
    space.get_by_role("button", name="Send reply").click()
    expect(space.locator("#status")).to_have_text("Your reply was sent.")
    space.locator("#space-file").set_input_files(
        {"name": "account-proof.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    space.get_by_role("button", name="Send document").click()
    expect(space.locator("#status")).to_have_text("Your document was sent.")
    expect(space.locator("#space-documents")).to_contain_text("account-proof.pdf")
    expect(space.locator("#space-due-note")).not_to_contain_text("paused")
    expect(due(space)).to_have_attribute("datetime", "2027-05-01")
    owner.reload()
    owner.get_by_role("button", name=f"Open request {reference}").click()
    expect(owner.locator("#r-deadline")).to_contain_text("Due 2027-05-01")
    expect(owner.locator("#r-deadline")).not_to_contain_text("clock paused")
    expect(owner.locator("#r-messages")).to_contain_text("requester: The one I use")
    expect(owner.locator("#r-documents")).to_contain_text("account-proof.pdf")
    expect(owner.locator("#r-documents")).to_contain_text("from the requester")
    with owner.expect_download() as got:
        owner.get_by_role("link", name="account-proof.pdf").click()
    assert Path(got.value.path()).read_bytes() == PDF

    # The owner attaches the answer and completes the request.
    owner.locator("#r-document").set_input_files(
        {"name": "your-data.pdf", "mimeType": "application/pdf", "buffer": ANSWER}
    )
    owner.check("#r-document-answer")
    owner.click("#r-upload")
    expect(owner.locator("#r-documents")).to_contain_text("the answer")
    for label in ("Mark verified", "Start work", "Complete"):
        owner.get_by_role("button", name=f"{label} {reference}").click()
        expect(owner.locator("#status")).to_contain_text("updated")
    closure = plain(mail(console, ADA, "is closed"))
    assert "60 days" in closure and reference in closure

    space.reload()
    expect(space.locator("#space-status")).to_have_text("Completed")
    expect(space.locator("#space-closed-note")).to_contain_text("stays open until")
    expect(space.locator("#space-reply-form")).to_be_hidden()
    answer = space.get_by_role("link", name="Download the answer")
    expect(answer).to_be_visible()
    with space.expect_download() as got:
        answer.click()
    assert Path(got.value.path()).read_bytes() == ANSWER
    # axe-core over the space as it opens and once open (its script needs the CSP bypassed).
    audit = auditor(console)
    audit.goto(link.group(1))
    expect(audit.get_by_role("button", name="Send me a code")).to_be_visible()
    problems = axe_problems(audit, "opening")
    open_space(console, audit, link.group(1), ADA, go=False)
    expect(audit.locator("#space-answer")).to_be_visible()
    assert problems + axe_problems(audit, "space") == []
    IMG.mkdir(parents=True, exist_ok=True)
    space.screenshot(path=str(IMG / "requester-space.png"), full_page=True)

    # On a 375 px phone: nothing wider than the screen.
    space.set_viewport_size({"width": 375, "height": 800})
    space.reload()
    expect(space.locator("#space")).to_be_visible()
    assert space.evaluate("document.documentElement.scrollWidth") <= 375
    assert owner.errors == [] and space.errors == [] and visitor.errors == []  # type: ignore[attr-defined]


def test_a_ccpa_request_shows_45_days_on_the_space(console: Console) -> None:
    set_clock(console, ShiftedClock(T0))
    request = rights(
        7,
        at=T0,
        type_="ccpa_know",
        law="ccpa",
        email="grace@example.org",
        account="acct-test",
        public_key=console.gw.key.key.public_key,
    )

    async def store() -> None:
        async with open_store(f"sqlite:///{console.gw.data_dir / 'records.db'}") as records:
            await records.add_rights([request], announce=False)
            await verification.confirm(records, request.reference, T0)

    run(store())
    page = console.page()
    open_space(console, page, services(console).space.link(request.reference), "grace@example.org")
    expect(page.locator("#space-facts")).to_contain_text("CCPA/CPRA")
    expect(due(page)).to_have_attribute("datetime", "2027-03-17")  # 31 January + 45 days
    assert page.errors == []  # type: ignore[attr-defined]
