"""A shop whose rights form stores requests in the records store, mailing through a real SMTP
server on loopback: the requester's codes arrive there, as the owners' notices do."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import Secret
from starlette.testclient import TestClient

from gateway.keys.model import NewKey, create_key
from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.signing import Signing
from tests.gwclient import SITE, client_for, settings_for
from tests.support.smtp import Received, SmtpServer
from tests.support.wait import poll

WIDGET = {"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8"}
OWNER = "owner@shop.example"
CODE = re.compile(r"^(\d{6})\r?$", re.M)
LINK = re.compile(r"^(https://gw\.example/portal/#verify=\S+)\r?$", re.M)


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

    @property
    def pk(self) -> str:
        return self.key.key.public_key

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return self.client.portal.call(fn, *args, **kwargs)

    def at(self, when: datetime) -> None:
        """Move the gateway's clock (form tokens, codes, jobs) and the store's to ``when``."""
        self.services.clock = lambda: when.timestamp()
        self.services.records.clock = lambda: when

    def file(self, email: str, **fields: Any) -> dict[str, Any]:
        serializer = Signing(self.services.settings.signing_secrets()).serializer(PURPOSE)
        token = FormTokens(serializer, 0, 1).issue(self.pk, self.services.clock() - 10)
        body = {"type": "gdpr_access", "email": email, "requester_type": "self", **fields}
        answer = self.client.post(
            f"/v1/{self.pk}/rights",
            content=json.dumps({**body, "form_token": token, "website": ""}),
            headers=WIDGET,
        )
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(f"/v1/{self.pk}{path}", content=json.dumps(body), headers=WIDGET)

    def mails_to(self, address: str) -> list[Received]:
        wanted = (address.lower(),)
        return [
            m for m in self.smtp.handler.received if tuple(map(str.lower, m.rcpt_tos)) == wanted
        ]

    def next_mail(self, address: str, seen: int) -> Received:
        """The message after the first ``seen`` ones to ``address``, once it arrives."""
        return poll(lambda: self.mails_to(address)[seen:], within=10)[0]


def text_of(mail: Received) -> str:
    return str(mail.message().get_body(("plain",)).get_content())  # type: ignore[union-attr]


def code_in(mail: Received) -> str:
    found = CODE.search(text_of(mail))
    assert found, "no code in the e-mail"
    return found.group(1)


def link_in(mail: Received) -> str:
    found = LINK.search(text_of(mail))
    assert found, "no link in the e-mail"
    return found.group(1)


def open_shop(data_dir: Path, database_url: str, smtp: SmtpServer, **overrides: Any) -> Any:
    settings = settings_for(
        data_dir,
        database_url=Secret(database_url),
        smtp_url=Secret(smtp.url()),
        mail_from="Widget Gateway <gateway@gw.example>",
        public_url="https://gw.example",
        delivery_backoff=0.01,
        **overrides,
    )
    return client_for(settings)


def make_shop(client: TestClient, smtp: SmtpServer) -> Shop:
    services = client.app.state.services  # type: ignore[attr-defined]
    store = services.accounts.store
    now = time.time()
    account = client.portal.call(store.create_account, "Shop", now)
    person = client.portal.call(store.create_person, OWNER, None, now)
    client.portal.call(store.set_membership, person.id, account.id, "owner")
    key = create_key(account.id, "Shop", (SITE,), rights_config={"types": ["gdpr_access"]})
    client.portal.call(services.store.put, key.key)
    return Shop(client, key, smtp)


@pytest.fixture
def shop(data_dir: Path, database_url: str, smtp: SmtpServer) -> Iterator[Shop]:
    with open_shop(data_dir, database_url, smtp) as client:
        yield make_shop(client, smtp)
