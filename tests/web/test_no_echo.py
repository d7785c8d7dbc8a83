"""Names a client makes up are never repeated back: problems carry stable codes, a JSON pointer
for the fields the schema knows, and for unknown names a count at the object holding them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import QueryParams, Secret
from starlette.testclient import TestClient

from gateway.errors import problem_response
from gateway.keys.model import NewKey
from gateway.problems import Problems
from gateway.records.api import params
from tests.gwclient import SITE, client_for, settings_for, stored_key

TOKEN = secrets.token_urlsafe(32)
ADMIN = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
# What a client could put in a field name: someone's address, a secret.
MADE_UP = "grace.hopper@example.com"
OTHER = "sk_live_made_up_name"
CONSENT = {
    "consent_id": "c0ffee00c0ffee00",
    "action": "custom",
    "categories": {"necessary": True},
    "policy_version": "1",
}


@pytest.fixture
def gateway(data_dir: Path) -> Iterator[tuple[TestClient, NewKey]]:
    settings = settings_for(
        data_dir, admin_token=Secret(TOKEN), limit_per_ip="10000/minute", rights_token_min_age=0
    )
    key = stored_key(settings)
    with client_for(settings) as client:
        yield client, key


def rights_body(client: TestClient, pk: str, **extra: Any) -> dict[str, Any]:
    token = client.get(f"/v1/{pk}/rights/config", headers={"Origin": SITE}).json()["form_token"]
    return {"type": "gdpr_access", "email": "a@b.example", "form_token": token, **extra}


def key_body(**extra: Any) -> dict[str, Any]:
    return {"account": "acct-1", "name": "Shop", "origins": [SITE], **extra}


# (name, method, path, body maker, the problem's pointer, its count)
CASES: list[tuple[str, str, str, Any, str, int]] = [
    (
        "consent-field",
        "POST",
        "/v1/{pk}/consent",
        lambda c, pk: {**CONSENT, MADE_UP: 1, OTHER: 2},
        "",
        2,
    ),
    (
        "consent-category",
        "POST",
        "/v1/{pk}/consent",
        lambda c, pk: {**CONSENT, "categories": {"necessary": True, MADE_UP: True}},
        "/categories",
        1,
    ),
    (
        "rights-field",
        "POST",
        "/v1/{pk}/rights",
        lambda c, pk: rights_body(c, pk, **{MADE_UP: 1}),
        "",
        1,
    ),
    (
        "rights-custom",
        "POST",
        "/v1/{pk}/rights",
        lambda c, pk: rights_body(c, pk, custom={MADE_UP: "x", OTHER: "y"}),
        "/custom",
        2,
    ),
    ("key-field", "POST", "/admin/v1/keys", lambda c, pk: key_body(**{MADE_UP: 1}), "", 1),
    (
        "key-limit",
        "POST",
        "/admin/v1/keys",
        lambda c, pk: key_body(limits={MADE_UP: "1/minute"}),
        "/limits",
        1,
    ),
    (
        "consent-config-setting",
        "POST",
        "/admin/v1/keys",
        lambda c, pk: key_body(consent_config={MADE_UP: 1}),
        "/consent_config",
        1,
    ),
    (
        "consent-config-language",
        "POST",
        "/admin/v1/keys",
        lambda c, pk: key_body(consent_config={"texts": {MADE_UP: {"title": "Hi"}}}),
        "/consent_config/texts",
        1,
    ),
    (
        "consent-config-text",
        "POST",
        "/admin/v1/keys",
        lambda c, pk: key_body(consent_config={"texts": {"en": {MADE_UP: "Hi"}}}),
        "/consent_config/texts/en",
        1,
    ),
    (
        "rights-config-field",
        "POST",
        "/admin/v1/keys",
        lambda c, pk: key_body(rights_config={"fields": {MADE_UP: "required"}}),
        "/rights_config/fields",
        1,
    ),
    (
        "rights-config-language",
        "POST",
        "/admin/v1/keys",
        lambda c, pk: key_body(rights_config={"texts": {MADE_UP: {}}}),
        "/rights_config/texts",
        1,
    ),
    (
        "account",
        "POST",
        "/admin/v1/accounts",
        lambda c, pk: {"name": "Shop", MADE_UP: 1},
        "",
        1,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "make_body", "pointer", "count"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_made_up_name_is_counted_never_echoed(
    gateway: tuple[TestClient, NewKey],
    method: str,
    path: str,
    make_body: Any,
    pointer: str,
    count: int,
) -> None:
    client, key = gateway
    pk = key.key.public_key
    headers = ADMIN if path.startswith("/admin") else {"Origin": SITE, "Content-Type": "text/plain"}
    body = json.dumps(make_body(client, pk)).encode()
    r = client.request(method, path.format(pk=pk), content=body, headers=headers)
    assert r.status_code == 422, r.text[:300]
    assert r.headers["content-type"] == "application/problem+json"
    assert MADE_UP not in r.text and OTHER not in r.text
    unknown = [e for e in r.json()["errors"] if "count" in e]
    assert [(e["pointer"], e["count"]) for e in unknown] == [(pointer, count)]


def test_known_fields_get_a_json_pointer() -> None:
    problems = Problems(prefix="consent_config")
    problems.add("categories.0.id", "invalid_format", "an id")
    problems.add("texts", "invalid_format", "a text", keys=("en", "err.summary"))
    problems.add("origins[2]", "invalid_origin_rule", "an origin")
    assert [p["pointer"] for p in problems.items()] == [
        "/consent_config/categories/0/id",
        "/consent_config/texts/en/err.summary",
        "/consent_config/origins/2",
    ]


def test_an_unknown_query_parameter_is_not_named() -> None:
    with pytest.raises(params.UnknownQueryParameter) as info:
        params.only(QueryParams({MADE_UP: "1", "limit": "5"}), ("limit", "cursor"))
    answer = problem_response(info.value)
    assert info.value.code == "unknown_query_parameter"
    assert MADE_UP.encode() not in answer.body and b"limit, cursor" in answer.body
