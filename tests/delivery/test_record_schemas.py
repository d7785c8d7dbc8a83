"""The JSON Schemas in ``docs/schemas/`` describe what the sinks really receive."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from gateway.app import create_app
from gateway.settings import Settings
from tests.gwclient import SITE, settings_for, stored_key

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"
CONSENT_CONFIG = {
    "categories": [
        {"id": "necessary", "required": True},
        {
            "id": "analytics",
            "consent_mode": ["analytics_storage"],
            "services": [{"id": "matomo", "name": "Matomo"}],
        },
        {"id": "marketing", "gpc": True},
    ]
}
# A choice kept by the widget for an hour before it could be sent, in a +01:00 time zone.
GIVEN_AT = (datetime.now(timezone(timedelta(hours=1))) - timedelta(hours=1)).isoformat()
RIGHTS_CONFIG = {
    "types": ["gdpr_erasure", "ccpa_delete"],
    "custom_fields": [{"id": "order_number", "label": {"en": "Order number"}}],
}


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def written(settings: Settings, service: str) -> list[dict[str, Any]]:
    path = settings.data_dir / f"{service}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def records(data_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A consent record and two rights requests (every field; only the required ones), as the
    gateway wrote them to its sinks."""
    from starlette.testclient import TestClient

    settings = settings_for(data_dir, rights_token_min_age=0.0)
    key = stored_key(settings, consent_config=CONSENT_CONFIG, rights_config=RIGHTS_CONFIG)
    pk, headers = key.key.public_key, {"Origin": SITE, "Content-Type": "text/plain"}
    with TestClient(create_app(settings)) as client:
        consent = {
            "consent_id": "c0ffee0123456789",
            "action": "custom",
            "categories": {"necessary": True, "analytics": True, "marketing": False},
            "services": {"matomo": True},
            "policy_version": "1",
            "language": "en",
            "gpc": True,
            "page_url": SITE + "/cart?x=1",
            "given_at": GIVEN_AT,
        }
        minimal = {
            "consent_id": "d0ffee0123456789",
            "action": "reject_all",
            "categories": {},
            "policy_version": "1",
            "page_url": SITE + "/",
        }
        for body in (consent, minimal):
            r = client.post(f"/v1/{pk}/consent", content=json.dumps(body), headers=headers)
            assert r.status_code == 201, r.text
        full = {
            "type": "gdpr_erasure",
            "email": "Ada@Example.ORG",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "customer_reference": "C-1815",
            "requester_type": "agent",
            "agent_name": "Ann Agent",
            "agent_email": "ann@agency.example",
            "message": "Line one\nLine two",
            "custom": {"order_number": "A-42"},
            "language": "en",
        }
        short = {"type": "ccpa_delete", "email": "grace@example.org", "requester_type": "self"}
        for body in (full, short):
            token = client.get(f"/v1/{pk}/rights/config", headers={"Origin": SITE}).json()
            body = {**body, "form_token": token["form_token"]}
            r = client.post(f"/v1/{pk}/rights", content=json.dumps(body), headers=headers)
            assert r.status_code == 202, r.text
    return written(settings, "consent"), written(settings, "rights")


def test_records_written_by_the_gateway_match_the_published_schemas(
    records: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    consent, rights = records
    assert len(consent) == 2 and len(rights) == 2
    for record in consent:
        assert list(validator("consent-record.schema.json").iter_errors(record)) == []
    for record in rights:
        assert list(validator("rights-request.schema.json").iter_errors(record)) == []


def test_the_schemas_refuse_what_the_gateway_never_sends(
    records: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    consent, rights = records
    cases = [
        ("consent-record.schema.json", {**consent[0], "action": "maybe"}),
        ("consent-record.schema.json", {**consent[0], "client_ip": None}),
        ("consent-record.schema.json", {k: v for k, v in consent[0].items() if k != "record_id"}),
        ("rights-request.schema.json", {**rights[0], "reference": "RR-0000-1111"}),
        ("rights-request.schema.json", {**rights[0], "respond_by": "soon"}),
        ("rights-request.schema.json", {**rights[0], "form_token": "x"}),
    ]
    for name, record in cases:
        assert not validator(name).is_valid(record), record
