"""A gateway with its records store on SQLite or PostgreSQL, a key with a token, and a real
webhook receiver on loopback."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.datastructures import Secret
from starlette.testclient import TestClient

from gateway.keys.model import NewKey
from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.services import Services
from gateway.signing import Signing
from tests.gwclient import SITE, client_for, settings_for, stored_key
from tests.oauth.helpers import client_credentials
from tests.support.requesters import confirm
from tests.support.servers import ServerThread
from tests.support.wait import poll
from tests.support.webhook_receiver import WebhookReceiver

RIGHTS_CONFIG = {"types": ["gdpr_erasure", "gdpr_access"]}
WIDGET = {"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8"}
ALL_EVENTS = [
    "rights_request.created",
    "rights_request.status_changed",
    "rights_request.overdue_soon",
    "key.exposed",
    "consent.withdrawn",
]
# Quick retries, so a failing receiver is dead-lettered within the test.
FAST = {
    "webhook_allow_loopback": True,
    "webhook_backoff": 0.02,
    "webhook_backoff_max": 0.05,
    "webhook_max_attempts": 3,
    "webhook_poll_interval": 0.05,
}


@dataclass
class Hooks:
    client: TestClient
    key: NewKey
    token: str
    receiver: WebhookReceiver
    receiver_url: str

    @property
    def pk(self) -> str:
        return self.key.key.public_key

    @property
    def services(self) -> Services:
        services: Services = self.client.app.state.services  # type: ignore[attr-defined]
        return services

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        return self.client.request(method, "/api/v1" + path, headers=self.headers(token), **kwargs)

    def register(self, events: list[str] | None = None, **fields: Any) -> dict[str, Any]:
        body = {"url": self.receiver_url, "events": events or ALL_EVENTS, **fields}
        answer = self.api("POST", "/webhooks", json=body)
        assert answer.status_code == 201, answer.text
        made: dict[str, Any] = answer.json()
        self.receiver.secrets.append(made["secret"])
        return made

    def deliveries(self, endpoint_id: str, **query: Any) -> list[dict[str, Any]]:
        answer = self.api("GET", f"/webhooks/{endpoint_id}/deliveries", params=query)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def settled(self, endpoint_id: str, count: int, within: float = 30.0) -> list[dict[str, Any]]:
        """The endpoint's ``count`` deliveries once none of them is pending any more."""

        def done() -> list[dict[str, Any]] | None:
            items = self.deliveries(endpoint_id, limit=100)
            if len(items) >= count and all(d["status"] != "pending" for d in items):
                return items
            return None

        return poll(done, within=within, interval=0.05)

    def consent(self, consent_id: str, action: str) -> str:
        body = {
            "consent_id": consent_id,
            "action": action,
            "categories": {"necessary": True, "analytics": action == "accept_all"},
            "policy_version": "3",
            "page_url": SITE + "/shop",
        }
        answer = self.client.post(
            f"/v1/{self.pk}/consent", content=json.dumps(body), headers=WIDGET
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["record_id"])

    def rights(self, email: str, kind: str = "gdpr_erasure") -> str:
        serializer = Signing(self.services.settings.signing_secrets()).serializer(PURPOSE)
        body = {
            "type": kind,
            "email": email,
            "requester_type": "self",
            "form_token": FormTokens(serializer, 0, 1).issue(self.pk, time.time() - 10),
            "website": "",
        }
        answer = self.client.post(f"/v1/{self.pk}/rights", content=json.dumps(body), headers=WIDGET)
        assert answer.status_code == 202, answer.text
        reference = str(answer.json()["reference"])
        confirm(self.client, reference)  # the requester confirms their address
        return reference


@contextmanager
def hooks_gateway(
    data_dir: Path, database_url: str, receiver: WebhookReceiver | None = None, **overrides: Any
) -> Iterator[Hooks]:
    settings = settings_for(data_dir, database_url=Secret(database_url), **{**FAST, **overrides})
    key = stored_key(settings, rights_config=RIGHTS_CONFIG)
    receiver = receiver or WebhookReceiver()
    with ServerThread(receiver) as server, client_for(settings) as client:
        issued = client_credentials(client, key)
        assert issued.status_code == 200, issued.text
        yield Hooks(client, key, issued.json()["access_token"], receiver, server.url + "/hooks")
