"""Hostile text in a body never reaches a validator: every endpoint answers a typed problem.

Deep nesting, lone surrogates and control characters, each in a field of every endpoint that
takes a body, as a client can send them (JSON escapes in an otherwise valid body).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.datastructures import Secret
from starlette.testclient import TestClient

from gateway.keys.model import NewKey
from gateway.web.text import string_problem, too_deep, tree_problems
from tests.gwclient import SITE, client_for, settings_for, stored_key

TOKEN = secrets.token_urlsafe(32)
CONSENT = (
    '{"consent_id":"c0ffee00c0ffee00","action":"custom","categories":{"necessary":true},'
    '"policy_version":"1","page_url":%s}'
)


@pytest.fixture
def gateway(data_dir: Path) -> Iterator[tuple[TestClient, NewKey]]:
    settings = settings_for(data_dir, admin_token=Secret(TOKEN), limit_per_ip="10000/minute")
    key = stored_key(settings)
    with client_for(settings) as client:
        yield client, key


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


CASES = [
    # (endpoint, body, status, code, per-field code or None)
    (
        "consent",
        CONSENT % '"https://shop.example/\\ud800"',
        422,
        "invalid_payload",
        "invalid_unicode",
    ),
    (
        "consent",
        CONSENT % '"https://shop.example/\\u0000"',
        422,
        "invalid_payload",
        "control_character",
    ),
    ("consent", CONSENT % '"https://shop.example/a\\u0007b"', 422, "invalid_payload", None),
    ("consent", '{"page_url":' + deep(8000) + "}", 400, "invalid_json", None),
    ("consent", '{"page_url":' + deep(40) + "}", 400, "invalid_json", None),
    (
        "rights",
        '{"type":"gdpr_access","email":"a@b.example","form_token":"\\ud800"}',
        422,
        "invalid_payload",
        "invalid_unicode",
    ),
    (
        "rights",
        '{"type":"gdpr_access","email":"a@b.example","form_token":"x\\u001b"}',
        422,
        "invalid_payload",
        "control_character",
    ),
    ("verify", '{"receipt":"\\udfff"}', 422, "invalid_payload", "invalid_unicode"),
    ("verify", '{"receipt":' + deep(5000) + "}", 400, "invalid_json", None),
    (
        "admin",
        '{"account":"a","name":"\\ud800","origins":["https://shop.example"]}',
        422,
        "invalid_payload",
        "invalid_unicode",
    ),
    (
        "admin",
        '{"account":"a","name":"n","origins":[],"consent_config":{"texts":{"en":{"title":"\\udc00"}}}}',
        422,
        "invalid_payload",
        "invalid_unicode",
    ),
    ("admin", '{"\\ud800":1}', 422, "invalid_payload", "invalid_unicode"),
]


@pytest.mark.parametrize(
    ("endpoint", "body", "status", "code", "field_code"),
    CASES,
    ids=[
        "consent-surrogate",
        "consent-nul",
        "consent-url-bell",
        "consent-deep",
        "consent-41-deep",
        "rights-surrogate",
        "rights-esc",
        "verify-surrogate",
        "verify-deep",
        "admin-name",
        "admin-config-text",
        "admin-made-up-name",
    ],
)
def test_hostile_text_gets_a_typed_problem(
    gateway: tuple[TestClient, NewKey],
    endpoint: str,
    body: str,
    status: int,
    code: str,
    field_code: str | None,
) -> None:
    client, key = gateway
    pk = key.key.public_key
    path, headers = {
        "consent": (f"/v1/{pk}/consent", {"Origin": SITE, "Content-Type": "text/plain"}),
        "rights": (f"/v1/{pk}/rights", {"Origin": SITE, "Content-Type": "text/plain"}),
        "verify": (
            "/v1/receipts/verify",
            {"X-API-Key": key.private_key, "Content-Type": "application/json"},
        ),
        "admin": (
            "/admin/v1/keys",
            {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        ),
    }[endpoint]
    r = client.post(path, content=body.encode(), headers=headers)
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == code
    if field_code is not None:
        assert field_code in {e["code"] for e in problem["errors"]}
    # A name the client made up is never repeated back.
    assert "\ud800" not in r.text and "\\ud800" not in r.text


def test_an_admin_write_with_bad_text_stores_nothing(gateway: tuple[TestClient, NewKey]) -> None:
    client, _ = gateway
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    body = b'{"account":"acct-9","name":"\\ud800","origins":["https://shop.example"]}'
    assert client.post("/admin/v1/keys", content=body, headers=auth).status_code == 422
    listing = client.get("/admin/v1/keys?account=acct-9", headers=auth)
    assert listing.status_code == 200 and listing.json()["keys"] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain text", None),
        ("tab\tand\nnewline", None),
        ("\ud800", "invalid_unicode"),
        ("a\x00", "control_character"),
        ("\x1b[31m", "control_character"),
        ("é ✓ 😀", None),
    ],
    ids=["plain", "whitespace", "surrogate", "nul", "esc", "non-ascii"],
)
def test_string_problem(value: str, expected: str | None) -> None:
    assert string_problem(value) == expected


def test_tree_problems_name_only_known_fields() -> None:
    found = tree_problems({"known": ["\ud800"], "made-up": {"x": "\x00"}}, known=("known",))
    assert found == [
        {"field": "", "pointer": "", "message": found[0]["message"], "code": "control_character"},
        {
            "field": "known",
            "pointer": "/known",
            "message": found[1]["message"],
            "code": "invalid_unicode",
        },
    ]
    assert too_deep([[[]]], max_depth=2) and not too_deep([[]], max_depth=2)
