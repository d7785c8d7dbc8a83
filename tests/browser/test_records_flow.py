"""The records issue's whole flow in headless Chromium, once on SQLite and once on the private
PostgreSQL: two visitors accept and refuse on an allowed site; the owner finds each visitor's
proof by consent id in the console and through the API with a client-credentials token, exports
the log as CSV, reads the opt-in rate off the statistics chart and sets the retention rules; a
rights request from the site's form appears in the inbox with its due date and is moved to
``completed``; a webhook receiver on loopback verifies every event with the Standard Webhooks
library and gets each once, the first after a failed delivery is replayed from the console."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from starlette.datastructures import Secret

from gateway.clock import now_utc
from gateway.records.deadlines import Deadline
from tests.browser.conftest import Site, make_gateway
from tests.browser.test_console import IMG, OWNER, TOKEN, Console, accept
from tests.support.servers import ServerThread
from tests.support.smtp import SmtpServer
from tests.support.wait import poll
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.browser
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
EVENTS = ["rights_request.created", "rights_request.status_changed"]


@pytest.fixture
def console(browser: Browser, tmp_path: Path, database_url: str) -> Iterator[Console]:
    """The console of a gateway keeping its records in ``database_url`` (SQLite or PostgreSQL),
    webhooks allowed to loopback with quick retries, and forms that may be sent at once."""
    smtp = SmtpServer()
    smtp.start()
    gw = make_gateway(tmp_path / "gw", (), admin_token=Secret(TOKEN))
    gw.settings = replace(
        gw.settings,
        public_url=gw.url,
        database_url=Secret(database_url),
        smtp_url=Secret(smtp.url()),
        mail_from="gateway@gw.example",
        rights_token_min_age=0.0,
        webhook_allow_loopback=True,
        webhook_backoff=0.02,
        webhook_backoff_max=0.05,
        webhook_max_attempts=2,
        webhook_poll_interval=0.05,
    )
    gw.start()
    opened = Console(gw, smtp, browser, [])
    yield opened
    for context in opened.contexts:
        context.close()
    gw.stop()
    smtp.stop()


def visitor_chooses(console: Console, site: Site, button: str) -> str:
    """A visitor on the site clicks ``button`` in the banner; their consent id."""
    page = console.page()
    page.goto(site.origin + "/")
    page.get_by_role("button", name=button).click()
    receipt = page.wait_for_function("WidgetGateway.consent.get().receipt")
    assert receipt.json_value()
    value = next(c["value"] for c in page.context.cookies() if c["name"] == "wg_consent")
    fields = dict(part.split("=", 1) for part in value.split("&"))
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()
    return fields["id"]


def sends_rights_request(console: Console, site: Site) -> str:
    page = console.page()
    page.goto(site.origin + "/privacy")
    page.locator("[data-wg-rights] [name='type']").select_option("gdpr_access")
    page.locator("[data-wg-rights] [name='email']").fill("ada@example.org")
    page.locator("[data-wg-rights] button[type=submit]").click()
    reference = page.locator("[data-wg-rights] .ref")
    expect(reference).to_have_text(re.compile(r"^RR-"))
    text = reference.inner_text()
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()
    return text


def test_visitors_choices_reach_the_owner_and_rights_requests_the_webhook(
    console: Console, fresh_site: Site, database_url: str
) -> None:
    gw = console.gw
    made = httpx.post(
        gw.url + "/admin/v1/accounts", json={"name": "Shop", "owner": OWNER}, headers=ADMIN
    )
    assert made.status_code == 201, made.text
    account, link = made.json()["id"], made.json()["invitation_url"]
    key = httpx.post(
        gw.url + "/admin/v1/keys",
        json={"account": account, "name": "Shop site", "origins": [fresh_site.origin]},
        headers=ADMIN,
    )
    assert key.status_code == 201, key.text
    public_key, private_key = key.json()["public_key"], key.json()["private_key"]
    snippet = f'<script src="{gw.url}/widgets/%s.js" data-key="{public_key}" async></script>'
    fresh_site.add("/", f"<!doctype html><title>Shop</title><h1>Shop</h1>{snippet % 'consent'}")
    fresh_site.add(
        "/privacy",
        f"<!doctype html><title>Privacy</title><div data-wg-rights></div>{snippet % 'rights'}",
    )
    token = httpx.post(
        gw.url + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(public_key, private_key),
    )
    assert token.status_code == 200, token.text
    api = {"Authorization": f"Bearer {token.json()['access_token']}"}

    accepted = visitor_chooses(console, fresh_site, "Accept all")
    refused = visitor_chooses(console, fresh_site, "Reject all")

    owner = console.page()
    accept(owner, link)

    # The log, and each visitor's proof: the same receipt in the console and through the API.
    rows = owner.locator("#log tbody tr")
    expect(rows).to_have_count(2)
    for consent_id, action in ((accepted, "accept_all"), (refused, "reject_all")):
        proof = httpx.get(f"{gw.url}/api/v1/consents/{consent_id}", headers=api)
        assert proof.status_code == 200, proof.text
        [record] = proof.json()["records"]
        assert record["action"] == action and record["receipt"]
        owner.fill("#proof-id", consent_id)
        owner.click("#proof-find")
        expect(owner.locator("#proof-title")).to_contain_text(f"Proof for {consent_id}: 1 choice")
        shown = owner.locator(f"#proof-records [data-record='{record['record_id']}']")
        expect(shown).to_contain_text(action)
        expect(shown.locator("code.receipt")).to_have_text(record["receipt"])
        expect(shown).to_contain_text(record["config_digest"])
    # One record a page: the cursor leads from the newest to the older one, and back.
    owner.evaluate("document.getElementById('log-limit').add(new Option('1', '1'))")
    owner.select_option("#log-limit", "1")
    owner.click("#log-apply")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(refused)
    owner.click("#log-next")
    expect(rows.first).to_contain_text(accepted)
    expect(owner.locator("#log-next")).to_be_hidden()
    owner.click("#log-first")
    expect(rows.first).to_contain_text(refused)
    owner.select_option("#log-limit", "25")
    owner.select_option("#log-action", "reject_all")
    owner.click("#log-apply")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(refused)
    owner.select_option("#log-action", "")
    owner.click("#log-apply")
    expect(rows).to_have_count(2)
    with owner.expect_download() as download:
        owner.click("#export-csv")
    exported = Path(download.value.path()).read_text()
    table = list(csv.DictReader(io.StringIO(exported)))
    assert {(r["consent_id"], r["action"]) for r in table} == {
        (accepted, "accept_all"),
        (refused, "reject_all"),
    }
    if database_url.startswith("sqlite"):
        owner.locator("#consents-section").screenshot(path=str(IMG / "console-consent-log.png"))

    # The chart: one of the two choices opted in to analytics today.
    today = now_utc().date().isoformat()
    point = owner.locator(f"#stats-svg g[data-category='analytics'] circle[data-day='{today}']")
    expect(point).to_have_attribute("data-rate", "0.5000")
    expect(point).to_have_attribute("data-records", "2")
    expect(owner.locator("#stats-svg g[data-category='analytics'] .legend")).to_have_text(
        "analytics 50%"
    )
    expect(owner.locator("#stats-svg title").first).to_contain_text("Opt-in rate per category")
    expect(owner.locator("#stats-svg-desc")).to_contain_text("analytics 50%")
    for action in ("accept_all", "reject_all"):
        bar = owner.locator(f"#actions-svg rect[data-day='{today}'][data-action='{action}']")
        expect(bar).to_have_attribute("data-count", "1")
    expect(owner.locator("#actions-svg-desc")).to_contain_text("Accept all 1; Reject all 1")
    day = owner.locator(f"#stats-table tr[data-day='{today}'] td")
    assert day.all_inner_texts()[1:3] == ["1", "1"]  # accept all, reject all
    if database_url.startswith("sqlite"):
        owner.locator("#stats-section").screenshot(path=str(IMG / "console-statistics.png"))

    # Retention: the owner's rules, as the API then answers them.
    expect(owner.locator("#ret-consent")).to_have_value("13")
    owner.fill("#ret-consent", "200")
    owner.click("#retention-save")
    expect(owner.locator("#retention-errors")).to_contain_text("consent_months")
    owner.fill("#ret-consent", "24")
    owner.fill("#ret-rights", "90")
    owner.click("#retention-save")
    expect(owner.locator("#status")).to_contain_text("Retention rules saved")
    rules = httpx.get(gw.url + "/api/v1/retention", headers=api).json()
    assert (rules["consent_months"], rules["rights_days"]) == (24, 90)
    if database_url.startswith("sqlite"):
        owner.locator("#retention-section").screenshot(path=str(IMG / "console-retention.png"))

    receiver = WebhookReceiver(mode="fail")
    with ServerThread(receiver) as hook_server:
        endpoint = httpx.post(
            gw.url + "/api/v1/webhooks",
            json={"url": hook_server.url + "/in", "events": EVENTS},
            headers=api,
        )
        assert endpoint.status_code == 201, endpoint.text
        endpoint_id = endpoint.json()["id"]
        receiver.secrets.append(endpoint.json()["secret"])
        deliveries = f"{gw.url}/api/v1/webhooks/{endpoint_id}/deliveries"

        reference = sends_rights_request(console, fresh_site)

        def dead() -> bool:
            items = httpx.get(deliveries, headers=api).json()["items"]
            return bool(items) and items[0]["status"] == "dead"

        poll(dead, within=20)
        receiver.mode = "ok"

        owner.reload()
        row = owner.locator(f"#rights tbody tr[data-ref='{reference}']")
        due = Deadline("gdpr", now_utc().date()).due(now_utc().date()).isoformat()
        expect(row).to_contain_text(due)
        owner.get_by_role("button", name=f"Open request {reference}").click()
        for label in ("Mark verified", "Start work", "Complete"):
            owner.get_by_role("button", name=f"{label} {reference}").click()
            expect(owner.locator("#status")).to_contain_text("updated")
        expect(owner.locator("#r-facts")).to_contain_text("status completed")
        shown = httpx.get(f"{gw.url}/api/v1/rights-requests/{reference}", headers=api).json()
        assert shown["status"] == "completed"

        hook = owner.locator(f"[data-endpoint='{endpoint_id}']")
        created = hook.locator("tbody tr").filter(has_text="rights_request.created")
        expect(created.locator(".badge")).to_have_text("dead")
        owner.get_by_role("button", name="Replay the rights_request.created delivery").click()
        expect(owner.locator("#status")).to_contain_text("queued again")
        poll(lambda: len(receiver.accepted) == 4, within=20)
        assert (
            sorted(receiver.types())
            == ["rights_request.created"] + ["rights_request.status_changed"] * 3
        )
        assert len({r.message_id for r in receiver.accepted}) == 4  # each event once
        assert receiver.unverified == 0
        [hello] = receiver.of_type("rights_request.created")
        assert hello.payload["data"]["reference"] == reference
    assert owner.errors == []  # type: ignore[attr-defined]
