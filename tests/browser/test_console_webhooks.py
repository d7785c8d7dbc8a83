"""The console's webhooks section in headless Chromium: an owner sees a delivery that a failing
receiver dead-lettered, replays it from the console once the receiver is back, and sends a test
event; the receiver on loopback verifies both with the Standard Webhooks library."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from starlette.datastructures import Secret

from gateway.keys.model import create_key
from tests.browser.conftest import make_gateway
from tests.browser.test_console import OWNER, TOKEN, Console, accept
from tests.support.servers import ServerThread
from tests.support.smtp import SmtpServer
from tests.support.wait import poll
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.browser

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


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
        webhook_allow_loopback=True,
        webhook_backoff=0.02,
        webhook_backoff_max=0.05,
        webhook_max_attempts=3,
        webhook_poll_interval=0.05,
    )
    gw.start()
    opened = Console(gw, smtp, browser, [])
    yield opened
    for context in opened.contexts:
        context.close()
    gw.stop()
    smtp.stop()


def test_an_owner_replays_a_failed_delivery_from_the_console(console: Console) -> None:
    answer = httpx.post(
        console.gw.url + "/admin/v1/accounts",
        json={"name": "Shop", "owner": OWNER},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 201, answer.text
    account, link = answer.json()["id"], answer.json()["invitation_url"]
    key = create_key(account, "Shop API", ())
    console.gw.put_key(key.key)
    receiver = WebhookReceiver(mode="fail")
    api = {"X-API-Key": key.private_key}
    with ServerThread(receiver) as hook_server:
        made = httpx.post(
            console.gw.url + "/api/v1/webhooks",
            json={"url": hook_server.url + "/in", "events": ["rights_request.created"]},
            headers=api,
        )
        assert made.status_code == 201, made.text
        endpoint = made.json()
        receiver.secrets.append(endpoint["secret"])
        deliveries = f"{console.gw.url}/api/v1/webhooks/{endpoint['id']}/deliveries"
        sent = httpx.post(f"{console.gw.url}/api/v1/webhooks/{endpoint['id']}/test", headers=api)
        assert sent.status_code == 202, sent.text

        def dead() -> bool:
            items = httpx.get(deliveries, headers=api).json()["items"]
            return bool(items) and items[0]["status"] == "dead"

        poll(dead, within=30)

        page = console.page()
        accept(page, link)
        section = page.locator(f"[data-endpoint='{endpoint['id']}']")
        expect(section).to_contain_text(hook_server.url + "/in")
        row = section.locator("tbody tr").first
        expect(row).to_contain_text("webhook.test")
        expect(row.locator(".badge")).to_have_text("dead")
        expect(row).to_contain_text("HTTP 500")
        IMG.mkdir(parents=True, exist_ok=True)
        page.locator("#webhooks-section").screenshot(path=str(IMG / "console-webhooks.png"))

        receiver.mode = "ok"
        page.get_by_role("button", name="Replay the webhook.test delivery").click()
        expect(page.locator("#status")).to_contain_text("queued again")
        expect(row.locator(".badge")).to_have_text("delivered", timeout=15_000)
        [received] = receiver.accepted
        assert received.payload["type"] == "webhook.test"
        assert received.message_id == sent.json()["message_id"]

        page.get_by_role("button", name=f"Send a test event to {hook_server.url}/in").click()
        expect(page.locator("#status")).to_contain_text("Test event queued")
        poll(lambda: len(receiver.accepted) == 2, within=15)
        expect(section.locator("tbody tr")).to_have_count(2, timeout=15_000)
        assert receiver.unverified == 0
    assert page.errors == []  # type: ignore[attr-defined]
