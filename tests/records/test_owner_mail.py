"""The account's owners are mailed, through the mail queue to a real SMTP server on loopback,
when a rights request arrives and once when it is due within seven days; members who are not
owners are not, and the messages name the request, never the requester."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import Secret
from starlette.testclient import TestClient

from gateway.keys.model import NewKey, create_key
from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.signing import Signing
from tests.gwclient import SITE, client_for, settings_for
from tests.records.test_api import WIDGET
from tests.support.requesters import confirm
from tests.support.smtp import Received, SmtpServer
from tests.support.wait import poll


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@dataclass
class Shop:
    client: TestClient
    key: NewKey
    smtp: SmtpServer

    @property
    def services(self) -> Any:
        return self.client.app.state.services  # type: ignore[attr-defined]

    def file(self, email: str) -> str:
        serializer = Signing(self.services.settings.signing_secrets()).serializer(PURPOSE)
        token = FormTokens(serializer, 0, 1).issue(self.key.key.public_key, time.time() - 10)
        body = {"type": "gdpr_access", "email": email, "requester_type": "self"}
        answer = self.client.post(
            f"/v1/{self.key.key.public_key}/rights",
            content=json.dumps({**body, "form_token": token, "website": ""}),
            headers=WIDGET,
        )
        assert answer.status_code == 202, answer.text
        reference = str(answer.json()["reference"])
        confirm(self.client, reference)  # owners hear of a request once it is confirmed
        return reference

    def mails_to(self, address: str) -> list[Received]:
        return [m for m in self.smtp.handler.received if m.rcpt_tos == (address,)]


@pytest.fixture
def shop(data_dir: Path, database_url: str, smtp: SmtpServer) -> Iterator[Shop]:
    settings = settings_for(
        data_dir,
        database_url=Secret(database_url),
        smtp_url=Secret(smtp.url()),
        mail_from="Widget Gateway <gateway@gw.example>",
        public_url="https://gw.example",
        delivery_backoff=0.01,
    )
    with client_for(settings) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        store = services.accounts.store
        now = time.time()
        account = client.portal.call(store.create_account, "Shop", now)
        for email, role in (("owner@shop.example", "owner"), ("viewer@shop.example", "viewer")):
            person = client.portal.call(store.create_person, email, None, now)
            client.portal.call(store.set_membership, person.id, account.id, role)
        key = create_key(account.id, "Shop", (SITE,), rights_config={"types": ["gdpr_access"]})
        client.portal.call(services.store.put, key.key)
        yield Shop(client, key, smtp)


def test_owners_hear_of_a_new_request_and_once_of_one_due_in_seven_days(shop: Shop) -> None:
    reference = shop.file("ada@example.com")
    arrived = poll(lambda: shop.mails_to("owner@shop.example"), within=10)
    message = arrived[0].message()
    assert message["Subject"].startswith(f"New privacy request {reference}, due ")
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert reference in text and "https://gw.example/console/" in text
    assert "ada@example.com" not in text and "ada@example.com" not in message["Subject"]

    records = shop.services.records
    request = shop.client.portal.call(records.get_rights, reference)
    jobs = shop.services.records_jobs
    due = datetime.combine(request.due_at, datetime.min.time(), UTC)
    notices = []
    # A round each hour from eight days before the due date: one e-mail, seven days before.
    for hours in (-8 * 24 + 1, -7 * 24 + 1, -7 * 24 + 2, -7 * 24 + 3):
        records.clock = lambda h=hours: due + timedelta(hours=h)
        notices.append(shop.client.portal.call(jobs.run_round).notices)
    assert notices == [0, 1, 0, 0]
    soon = poll(lambda: [m for m in shop.mails_to("owner@shop.example") if m not in arrived], 10)
    assert len(soon) == 1
    assert soon[0].message()["Subject"] == f"Privacy request {reference} is due in 7 days"
    assert shop.mails_to("viewer@shop.example") == []
    assert len(shop.mails_to("owner@shop.example")) == 2
