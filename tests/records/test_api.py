"""The site owner's API over the records store, in-process on the embedded default (SQLite):
what the widgets sent, read back with a token or a private key, within one account only."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.keys.model import NewKey, create_key
from gateway.keys.store import FileKeyStore
from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.signing import Signing
from tests.gwclient import SITE, client_for, settings_for, stored_key
from tests.oauth.helpers import client_credentials
from tests.support.aio import run as run_sync

RIGHTS_CONFIG = {"types": ["gdpr_erasure", "gdpr_access"]}
WIDGET = {"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8"}


@dataclass
class Site:
    client: TestClient
    key: NewKey
    other: NewKey
    token: str

    @property
    def pk(self) -> str:
        return self.key.key.public_key

    def bearer(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def get(self, path: str, token: str | None = None, **query: Any) -> Any:
        return self.client.get("/api/v1" + path, params=query, headers=self.bearer(token))

    def consent(self, consent_id: str, action: str, **categories: bool) -> str:
        body = {
            "consent_id": consent_id,
            "action": action,
            "categories": {"necessary": True, **categories},
            "policy_version": "3",
            "page_url": SITE + "/shop",
        }
        answer = self.client.post(
            f"/v1/{self.pk}/consent", content=json.dumps(body), headers=WIDGET
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["record_id"])

    def rights(self, email: str, kind: str = "gdpr_erasure") -> str:
        settings = self.client.app.state.services.settings  # type: ignore[attr-defined]
        serializer = Signing(settings.signing_secrets()).serializer(PURPOSE)
        body = {
            "type": kind,
            "email": email,
            "requester_type": "self",
            "form_token": FormTokens(serializer, 0, 1).issue(self.pk, time.time() - 10),
            "website": "",
        }
        answer = self.client.post(f"/v1/{self.pk}/rights", content=json.dumps(body), headers=WIDGET)
        assert answer.status_code == 202, answer.text
        return str(answer.json()["reference"])


def key_of_account(data_dir: Path, account: str) -> NewKey:
    new = create_key(account, "Other shop", (SITE,))
    run_sync(FileKeyStore(data_dir).put(new.key))
    return new


@pytest.fixture
def site(data_dir: Path) -> Iterator[Site]:
    settings = settings_for(data_dir)
    key = stored_key(settings, rights_config=RIGHTS_CONFIG)
    other = key_of_account(data_dir, "acct-2")
    with client_for(settings) as client:
        issued = client_credentials(client, key)
        assert issued.status_code == 200, issued.text
        yield Site(client, key, other, issued.json()["access_token"])


def problem(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code


def test_the_proof_of_a_visitor_lists_every_choice_with_receipt_and_policy(site: Site) -> None:
    first = site.consent("visitor00000001", "accept_all", analytics=True, marketing=True)
    second = site.consent("visitor00000001", "withdraw")
    site.consent("visitor00000002", "reject_all")
    answer = site.get("/consents/visitor00000001")
    assert answer.status_code == 200, answer.text
    records = answer.json()["records"]
    assert [r["record_id"] for r in records] == [first, second]  # oldest first
    assert [r["action"] for r in records] == ["accept_all", "withdraw"]
    assert all(r["policy_version"] == "3" and r["receipt"] for r in records)
    assert records[0]["categories"]["marketing"] is True
    # The kept receipt verifies like the one the visitor got.
    verified = site.client.post(
        "/v1/receipts/verify",
        json={"receipt": records[0]["receipt"]},
        headers={"X-API-Key": site.key.private_key},
    )
    assert verified.json()["valid"] is True
    problem(site.get("/consents/nobody000000000"), 404, "not_found")


def test_listing_filters_and_walks_pages_then_exports_and_counts(site: Site) -> None:
    ids = [site.consent(f"visitor0000000{n}", "custom", analytics=n % 2 == 0) for n in range(5)]
    site.consent("visitor00000009", "reject_all")
    first = site.get("/consents", action="custom", limit=3)
    assert first.status_code == 200, first.text
    second = site.get("/consents", action="custom", limit=3, cursor=first.json()["next_cursor"])
    assert second.json()["next_cursor"] is None
    walked = [r["record_id"] for r in first.json()["items"] + second.json()["items"]]
    assert sorted(walked) == sorted(ids) and len(walked) == 5
    opted = site.get("/consents", category="analytics").json()["items"]
    assert {r["consent_id"] for r in opted} == {
        "visitor00000000",
        "visitor00000002",
        "visitor00000004",
    }

    exported = site.client.get(
        "/api/v1/consents/export", params={"format": "csv"}, headers=site.bearer()
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 6
    assert {r["record_id"] for r in rows} >= set(ids)
    assert {r["action"] for r in rows} == {"custom", "reject_all"}
    lines = site.get("/consents/export", format="jsonl", action="reject_all").text.splitlines()
    assert [json.loads(line)["consent_id"] for line in lines] == ["visitor00000009"]

    today = rows[0]["received_at"][:10]
    stats = site.get("/consents/stats", **{"from": today, "to": today, "key": site.pk})
    assert stats.status_code == 200, stats.text
    [day] = stats.json()["days"]
    assert day["records"] == 6
    assert day["actions"] == {"accept_all": 0, "reject_all": 1, "custom": 5, "withdraw": 0}
    assert day["categories"]["analytics"]["granted"] == 3
    assert day["categories"]["analytics"]["opt_in_rate"] == pytest.approx(3 / 6)


def test_rights_requests_are_listed_read_and_worked_through_the_workflow(site: Site) -> None:
    erasure = site.rights("ada@example.com")
    access = site.rights("grace@example.com", "gdpr_access")
    listed = site.get("/rights-requests", status="received")
    assert {r["reference"] for r in listed.json()["items"]} == {erasure, access}
    only = site.get("/rights-requests", type="gdpr_access").json()["items"]
    assert [r["reference"] for r in only] == [access]
    shown = site.get(f"/rights-requests/{erasure}").json()
    assert (shown["status"], shown["email"]) == ("received", "ada@example.com")

    def patch(status: str, note: str | None = None) -> Any:
        return site.client.patch(
            f"/api/v1/rights-requests/{erasure}",
            json={"status": status, "note": note},
            headers=site.bearer(),
        )

    problem(patch("completed"), 409, "invalid_status_transition")
    assert patch("verified").status_code == 200
    assert patch("in_progress", "identity checked").json()["status"] == "in_progress"
    done = patch("completed", "erased everywhere")
    assert done.status_code == 200, done.text
    assert done.json()["closed_at"] is not None
    history = done.json()["history"]
    assert [e["to_status"] for e in history] == ["received", "verified", "in_progress", "completed"]
    assert history[-1]["actor"] == site.pk and history[-1]["note"] == "erased everywhere"
    problem(patch("refused"), 409, "invalid_status_transition")
    assert (
        site.get("/rights-requests", status="completed").json()["items"][0]["reference"] == erasure
    )


def test_another_account_sees_nothing_of_this_one(site: Site) -> None:
    site.consent("visitor00000001", "accept_all")
    reference = site.rights("ada@example.com")
    headers = {"X-API-Key": site.other.private_key}
    for path in ("/consents/visitor00000001", f"/rights-requests/{reference}"):
        problem(site.client.get("/api/v1" + path, headers=headers), 404, "not_found")
    changed = site.client.patch(
        f"/api/v1/rights-requests/{reference}", json={"status": "verified"}, headers=headers
    )
    problem(changed, 404, "not_found")
    listed = site.client.get("/api/v1/consents", headers=headers)
    assert listed.status_code == 200 and listed.json()["items"] == []
    # The owner's private key reads the same proof.
    own = site.client.get(
        "/api/v1/consents/visitor00000001", headers={"X-API-Key": site.key.private_key}
    )
    assert own.status_code == 200 and len(own.json()["records"]) == 1


def test_a_token_without_the_scope_is_refused(site: Site) -> None:
    site.consent("visitor00000001", "accept_all")
    narrow = client_credentials(site.client, site.key, scope="rights:read").json()["access_token"]
    answer = site.get("/consents/visitor00000001", token=narrow)
    problem(answer, 403, "insufficient_scope")
    assert answer.json()["scope"] == "consents:read"
    reference = site.rights("ada@example.com")
    changed = site.client.patch(
        f"/api/v1/rights-requests/{reference}",
        json={"status": "verified"},
        headers=site.bearer(narrow),
    )
    problem(changed, 403, "insufficient_scope")


@pytest.mark.parametrize(
    ("path", "query", "code"),
    [
        ("/consents", {"limit": "0"}, "invalid_query"),
        ("/consents", {"limit": "lots"}, "invalid_query"),
        ("/consents", {"cursor": "not-a-cursor"}, "invalid_query"),
        ("/consents", {"from": "yesterday"}, "invalid_query"),
        ("/consents", {"action": "maybe"}, "invalid_query"),
        ("/consents", {"form": "2026-01-01"}, "unknown_query_parameter"),
        ("/consents/export", {"format": "xlsx"}, "invalid_query"),
        ("/consents/stats", {"from": "2026-02-01", "to": "2026-01-01"}, "invalid_query"),
        ("/consents/stats", {"from": "2020-01-01", "to": "2026-01-01"}, "invalid_query"),
        ("/rights-requests", {"status": "lost"}, "invalid_query"),
        ("/rights-requests", {"overdue": "perhaps"}, "invalid_query"),
        ("/rights-requests", {"due_before": "soon"}, "invalid_query"),
    ],
)
def test_bad_query_parameters_are_named_problems(
    site: Site, path: str, query: dict[str, str], code: str
) -> None:
    problem(site.get(path, **query), 422, code)


def test_bad_change_bodies_are_problems(site: Site) -> None:
    reference = site.rights("ada@example.com")
    url = f"/api/v1/rights-requests/{reference}"
    for body, field in [
        ({}, "status"),
        ({"status": 3}, "status"),
        ({"status": "verified", "x": 1}, ""),  # a made-up name: counted, never named
    ]:
        answer = site.client.patch(url, json=body, headers=site.bearer())
        problem(answer, 422, "invalid_payload")
        assert [e["field"] for e in answer.json()["errors"]] == [field]
    unknown = site.client.patch(url, json={"status": "archived"}, headers=site.bearer())
    problem(unknown, 409, "invalid_status_transition")
    # None of these changed the request.
    assert site.get(f"/rights-requests/{reference}").json()["status"] == "received"
    raw = site.client.patch(
        url, content=b"{", headers={**site.bearer(), "Content-Type": "application/json"}
    )
    problem(raw, 400, "invalid_json")


def test_every_records_route_is_in_the_openapi_document(site: Site) -> None:
    paths = site.client.get("/openapi.json").json()["paths"]
    for path, method in [
        ("/api/v1/consents", "get"),
        ("/api/v1/consents/export", "get"),
        ("/api/v1/consents/stats", "get"),
        ("/api/v1/consents/{consent_id}", "get"),
        ("/api/v1/rights-requests", "get"),
        ("/api/v1/rights-requests/{reference}", "get"),
        ("/api/v1/rights-requests/{reference}", "patch"),
    ]:
        assert method in paths[path], path


def test_without_a_records_store_the_api_says_so(data_dir: Path, redis_url: str) -> None:
    # Redis without a database: the records go to their sinks, nothing keeps them to read back.
    settings = settings_for(data_dir, redis_url)
    key = stored_key(settings)
    with client_for(settings) as client:
        assert client.app.state.services.records is None  # type: ignore[attr-defined]
        headers = {"X-API-Key": key.private_key}
        for path in ("/consents/visitor00000001", "/consents/stats", "/rights-requests"):
            problem(client.get("/api/v1" + path, headers=headers), 503, "records_unavailable")
