"""The rights workflow's casework through the site-owner API, on SQLite and PostgreSQL: messages
for the requester, the deadline's extension, pause and resume, each in the request's history
with its actor, and refusals as problems with stable codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import Secret

from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.signing import Signing
from tests.gwclient import client_for, settings_for, stored_key
from tests.oauth.helpers import client_credentials
from tests.records.test_api import RIGHTS_CONFIG, WIDGET, Site, key_of_account, problem

FILED = datetime(2027, 1, 31, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = FILED

    def __call__(self) -> datetime:
        return self.now

    def on(self, day: date) -> None:
        self.now = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def site(data_dir: Path, database_url: str, clock: Clock) -> Iterator[Site]:
    settings = settings_for(data_dir, database_url=Secret(database_url))
    key = stored_key(settings, rights_config={**RIGHTS_CONFIG, "types": ["gdpr_access"]})
    other = key_of_account(data_dir, "acct-2")
    with client_for(settings) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        # Requests and tokens are made on the filing day; the store's days move on from it.
        filed = clock.now.timestamp()
        services.clock = lambda: filed
        services.records.clock = clock
        issued = client_credentials(client, key)
        assert issued.status_code == 200, issued.text
        yield Site(client, key, other, issued.json()["access_token"])


def file_request(site: Site, clock: Clock, email: str) -> str:
    """A request sent through the form, received at the clock's time."""
    settings = site.client.app.state.services.settings  # type: ignore[attr-defined]
    serializer = Signing(settings.signing_secrets()).serializer(PURPOSE)
    token = FormTokens(serializer, 0, 1).issue(site.pk, FILED.timestamp() - 10)
    body = {"type": "gdpr_access", "email": email, "requester_type": "self", "form_token": token}
    answer = site.client.post(
        f"/v1/{site.pk}/rights", content=json.dumps({**body, "website": ""}), headers=WIDGET
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["reference"])


def post(site: Site, reference: str, action: str, body: Any, **headers: str) -> Any:
    return site.client.post(
        f"/api/v1/rights-requests/{reference}/{action}",
        json=body,
        headers=headers or site.bearer(),
    )


def test_a_request_of_31_january_is_due_28_february_then_paused_resumed_and_extended(
    site: Site, clock: Clock
) -> None:
    reference = file_request(site, clock, "ada@example.com")
    shown = site.get(f"/rights-requests/{reference}").json()
    assert shown["due_at"] == "2027-02-28"
    assert shown["deadline"]["law"] == "gdpr" and shown["deadline"]["days_left"] == 28
    assert shown["deadline"]["extension_allowed"] is True

    clock.on(date(2027, 2, 10))
    paused = post(site, reference, "pause", {"note": "Please send proof of identity."})
    assert paused.status_code == 200, paused.text
    assert paused.json()["deadline"]["paused"] is True
    problem(post(site, reference, "pause", {}), 409, "clock_conflict")
    clock.on(date(2027, 2, 14))
    # While the clock stands still the due date moves with each day waited.
    assert site.get(f"/rights-requests/{reference}").json()["due_at"] == "2027-03-04"
    clock.on(date(2027, 2, 17))
    resumed = post(site, reference, "resume", {"note": "Identity received."}).json()
    assert resumed["due_at"] == "2027-03-07" and resumed["deadline"]["paused_days"] == 7

    extended = post(site, reference, "extension", {"reason": "Data held in five systems."})
    assert extended.status_code == 200, extended.text
    assert extended.json()["due_at"] == "2027-05-05"  # 28 April + the 7 days paused
    assert extended.json()["deadline"]["extension_reason"] == "Data held in five systems."
    again = post(site, reference, "extension", {"reason": "Still more."})
    problem(again, 409, "extension_not_allowed")
    assert again.json()["law"] == "gdpr"

    history = site.get(f"/rights-requests/{reference}").json()["history"]
    assert [(e["kind"], e["actor"]) for e in history] == [
        ("status", "gateway"),
        ("pause", site.pk),
        ("resume", site.pk),
        ("extension", site.pk),
    ]
    assert history[3]["at"].startswith("2027-02-17")


def test_a_message_for_the_requester_is_listed_with_its_author_and_time(
    site: Site, clock: Clock
) -> None:
    reference = file_request(site, clock, "ada@example.com")
    clock.on(date(2027, 2, 2))
    sent = post(site, reference, "messages", {"body": "Which of your two accounts?"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["messages"] == [
        {
            "id": sent.json()["messages"][0]["id"],
            "author": site.pk,
            "body": "Which of your two accounts?",
            "at": "2027-02-02T12:00:00+00:00",
        }
    ]
    shown = site.get(f"/rights-requests/{reference}").json()
    assert [m["body"] for m in shown["messages"]] == ["Which of your two accounts?"]
    assert shown["history"][-1]["kind"] == "message"


def test_bad_casework_is_refused_with_named_problems(site: Site, clock: Clock) -> None:
    reference = file_request(site, clock, "ada@example.com")
    for action, body, field in [
        ("messages", {}, "body"),
        ("messages", {"body": "  "}, "body"),
        ("messages", {"body": 5}, "body"),
        ("messages", {"body": "x" * 5001}, "body"),
        ("extension", {}, "reason"),
        ("extension", {"reason": "why", "months": 2}, "months"),
        ("pause", {"note": ["a"]}, "note"),
    ]:
        answer = post(site, reference, action, body)
        problem(answer, 422, "invalid_payload")
        assert [e["field"] for e in answer.json()["errors"]] == [field], (action, body)
    problem(post(site, reference, "resume", {}), 409, "clock_conflict")
    problem(post(site, "RR-NONE-NONE", "pause", {}), 404, "not_found")
    # Another account's key does not see the request at all.
    other = {"X-API-Key": site.other.private_key}
    problem(post(site, reference, "messages", {"body": "hi"}, **other), 404, "not_found")
    narrow = client_credentials(site.client, site.key, scope="rights:read").json()["access_token"]
    problem(
        post(site, reference, "pause", {}, Authorization=f"Bearer {narrow}"),
        403,
        "insufficient_scope",
    )
    site.client.patch(
        f"/api/v1/rights-requests/{reference}", json={"status": "refused"}, headers=site.bearer()
    )
    problem(post(site, reference, "extension", {"reason": "late"}), 409, "request_closed")
    assert site.get(f"/rights-requests/{reference}").json()["messages"] == []


def test_the_casework_routes_are_in_the_openapi_document(site: Site) -> None:
    paths = site.client.get("/openapi.json").json()["paths"]
    for action in ("messages", "extension", "pause", "resume"):
        operation = paths[f"/api/v1/rights-requests/{{reference}}/{action}"]["post"]
        assert "409" in operation["responses"] and "requestBody" in operation


def test_documents_through_the_api_listed_added_as_the_answer_and_downloaded(
    site: Site, clock: Clock
) -> None:
    reference = file_request(site, clock, "ada@example.com")
    base = f"/api/v1/rights-requests/{reference}/documents"
    pdf = b"%PDF-1.4\n%the answer\n%%EOF\n"
    headers = {**site.bearer(), "X-Filename": "r%C3%A9ponse.pdf"}
    added = site.client.post(base + "?answer=true", content=pdf, headers=headers)
    assert added.status_code == 201, added.text
    doc = added.json()
    assert doc["from"] == "owner" and doc["is_answer"] and doc["media_type"] == "application/pdf"
    assert doc["filename"] == "réponse.pdf" and doc["size"] == len(pdf)
    refused = site.client.post(base, content=b"MZ\x90\x00" + bytes(60), headers=headers)
    problem(refused, 415, "document_type_refused")

    narrow = client_credentials(site.client, site.key, scope="rights:read").json()["access_token"]
    listed = site.client.get(base, headers=site.bearer(narrow))
    assert [d["id"] for d in listed.json()["documents"]] == [doc["id"]]
    got = site.client.get(f"{base}/{doc['id']}", headers=site.bearer(narrow))
    assert got.content == pdf and got.headers["content-disposition"].startswith("attachment")
    assert got.headers["content-security-policy"] == "sandbox"
    assert got.headers["x-content-type-options"] == "nosniff"
    denied = site.client.post(base, content=pdf, headers=site.bearer(narrow))
    problem(denied, 403, "insufficient_scope")
    # Another account's key sees no such request.
    problem(site.client.get(base, headers={"X-API-Key": site.other.private_key}), 404, "not_found")
    paths = site.client.get("/openapi.json").json()["paths"]
    one = "/api/v1/rights-requests/{reference}/documents"
    assert {"get", "post"} <= set(paths[one]) and "get" in paths[one + "/{document}"]
    assert "/portal/api/space/documents" in paths and "/portal/api/space/session" in paths
