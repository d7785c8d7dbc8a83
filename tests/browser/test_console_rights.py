"""The console's rights inbox in headless Chromium: requests sorted by due date with the
overdue one flagged and the days left shown; a request page where the owner writes to the
requester, extends the deadline with a reason, pauses and resumes the clock and completes it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gateway.clock import now_utc
from gateway.records.deadlines import Deadline
from tests.browser.conftest import Site
from tests.browser.test_console import IMG, Console, console, owner_with_key
from tests.support.aio import run
from tests.support.records import open_store, rights

pytestmark = pytest.mark.browser
__all__ = ["console"]  # the fixture, shared with the console's other tests


def file_requests(data_dir: Path, account: str, public_key: str) -> list[str]:
    """Three requests as the records sink stores them: GDPR 40 and 10 days old, CCPA 2 days."""
    now = now_utc()
    made = [
        rights(1, at=now - timedelta(days=40), account=account, public_key=public_key),
        rights(
            2,
            at=now - timedelta(days=2),
            type_="ccpa_delete",
            account=account,
            public_key=public_key,
        ),
        rights(3, at=now - timedelta(days=10), account=account, public_key=public_key),
    ]

    async def store() -> None:
        async with open_store(f"sqlite:///{data_dir / 'records.db'}") as records:
            await records.add_rights(made)

    run(store())
    return [r.reference for r in made]


def test_the_owner_works_through_the_inbox_by_due_date(console: Console, fresh_site: Site) -> None:
    owner, public_key = owner_with_key(console, fresh_site.origin)
    account = owner.evaluate(
        "async () => (await (await fetch('/console/api/me')).json()).accounts[0].id"
    )
    late, ccpa, mid = file_requests(console.gw.data_dir, account, public_key)

    owner.reload()
    rows = owner.locator("#rights tbody tr")
    expect(rows).to_have_count(3)
    assert [rows.nth(i).get_attribute("data-ref") for i in range(3)] == [late, mid, ccpa]
    expect(rows.nth(0)).to_have_class("overdue")
    expect(rows.nth(0)).to_contain_text("overdue by")
    today = now_utc().date()
    mid_due = Deadline("gdpr", today - timedelta(days=10)).due(today)
    expect(rows.nth(1)).to_contain_text(mid_due.isoformat())
    expect(rows.nth(1)).to_contain_text(f"{(mid_due - today).days} days")
    expect(rows.nth(2)).to_contain_text("CCPA/CPRA")
    expect(rows.nth(2)).to_contain_text("43 days")

    owner.get_by_role("button", name=f"Open request {mid}").click()
    expect(owner.locator("#r-title")).to_have_text(f"Request {mid}")
    expect(owner.locator("#r-deadline")).to_contain_text("GDPR Art. 12(3)")
    owner.fill("#r-message", "Which of your two accounts do you mean?")
    owner.click("#r-send")
    expect(owner.locator("#r-messages")).to_contain_text("Which of your two accounts")
    owner.click("#r-extend")
    expect(owner.locator("#r-errors")).to_contain_text("reason")
    owner.fill("#r-reason", "Your data is held in five systems.")
    owner.click("#r-extend")
    extended = Deadline("gdpr", today - timedelta(days=10)).extend().due(today)
    expect(owner.locator("#r-deadline")).to_contain_text(f"Due {extended.isoformat()}")
    expect(owner.locator("#r-extend-form")).to_be_hidden()  # one extension only
    owner.click("#r-pause")
    expect(owner.locator("#r-deadline")).to_contain_text("clock paused")
    owner.click("#r-resume")
    expect(owner.locator("#r-pause")).to_be_visible()
    for label in ("Mark verified", "Start work", "Complete"):
        owner.get_by_role("button", name=f"{label} {mid}").click()
        expect(owner.locator("#status")).to_contain_text("updated")
    expect(owner.locator("#r-facts")).to_contain_text("status completed")
    expect(owner.locator("#r-actions")).to_be_hidden()
    history = owner.locator("#r-history li")
    expect(history).to_have_count(8)
    for n, kind in enumerate(["received", "message", "extension", "pause", "resume"]):
        expect(history.nth(n)).to_contain_text(kind)
    expect(history.nth(7)).to_contain_text("in_progress → completed")
    # Closed requests go below the open ones.
    expect(rows.nth(2)).to_have_attribute("data-ref", mid)
    IMG.mkdir(parents=True, exist_ok=True)
    owner.screenshot(path=str(IMG / "console-rights.png"), full_page=True)
    assert owner.errors == []  # type: ignore[attr-defined]
