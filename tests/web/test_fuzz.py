"""No client input gets a 500: random requests against every kind of endpoint.

Besides mutations of valid bodies, hostile ones: lone surrogates, control characters and bidi
overrides in any field (and in field names), nesting deep enough to exhaust recursion.

Hypothesis builds requests from real paths (with the key, a typo of it, a private key, garbage),
methods, origins, content types and bodies (valid records mutated, random JSON, random bytes). Every
answer must be below 500, and every error a problem+json document with a stable code.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.datastructures import Secret
from starlette.testclient import TestClient

from gateway.keys.model import NewKey
from tests.gwclient import SITE, client_for, settings_for, stored_key

ADMIN_TOKEN = secrets.token_urlsafe(32)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=20,
)

CONSENT = {
    "consent_id": "c0ffee00c0ffee00",
    "action": "custom",
    "categories": {"necessary": True, "analytics": False},
    "policy_version": "1",
    "page_url": SITE + "/p",
    "language": "en",
    "gpc": False,
}
RIGHTS = {"type": "gdpr_access", "email": "person@example.org", "form_token": "x"}
RECEIPT = {"receipt": "x"}
ADMIN = {"account": "acct-2", "name": "Shop", "origins": [SITE]}

# What breaks code behind a lenient reader: lone surrogates, NUL, ESC and other C0/C1 controls,
# bidi overrides, mixed into otherwise ordinary text.
hostile_chars = st.characters(categories=["Cs", "Cc"]) | st.sampled_from("\u202e\u2066\ufeff")
hostile_text = st.lists(
    st.text(max_size=8) | st.text(alphabet=hostile_chars, min_size=1, max_size=3), max_size=4
).map("".join)


def nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = [leaf]
    return leaf


hostile_values = (
    hostile_text
    | st.builds(nested, st.integers(30, 200), hostile_text)
    | st.dictionaries(hostile_text, hostile_text, max_size=3)
)
# Nesting far past what json's recursion allows, written out as JSON text.
deep_raw = st.integers(500, 5000).map(lambda n: b'{"x":' + b"[" * n + b"]" * n + b"}")


def hostile(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda changes: {**base, **changes},
        st.dictionaries(
            st.sampled_from([*base, "extra"]) | hostile_text, hostile_values, min_size=1, max_size=3
        ),
    )


def mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from([*base, "extra", ""])
    return st.builds(
        lambda changes, drop: {**{k: v for k, v in base.items() if k not in drop}, **changes},
        st.dictionaries(keys, json_values, max_size=3),
        st.sets(st.sampled_from(list(base)), max_size=2),
    )


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, NewKey]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    config = settings_for(
        data_dir,
        admin_token=Secret(ADMIN_TOKEN),
        limit_admin="100000/minute",
        limit_admin_failures="100000/minute",
        limit_per_ip="100000/minute",
        limit_per_key="100000/minute",
        limit_consent_per_ip="100000/minute",
        limit_rights_per_ip="100000/hour",
        limit_rights_per_email="100000/hour",
    )
    key = stored_key(config)
    with client_for(config) as client:
        yield client, key


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_request_gets_a_500(app: tuple[TestClient, NewKey], data: st.DataObject) -> None:
    client, key = app
    pk = key.key.public_key
    # Mostly well-framed requests to real endpoints, with one or two things wrong, so the
    # validation behind the guard is reached, not only the guard's refusals.
    method, path = data.draw(
        st.sampled_from(
            [
                ("POST", "/v1/{k}/consent"),
                ("POST", "/v1/{k}/consent"),
                ("POST", "/v1/{k}/rights"),
                ("POST", "/v1/{k}/rights"),
                ("GET", "/v1/{k}/consent/config"),
                ("GET", "/v1/{k}/rights/config"),
                ("OPTIONS", "/v1/{k}/consent"),
                ("POST", "/v1/receipts/verify"),
                ("GET", "/v1/key"),
                ("GET", "/widgets/consent.js"),
                ("GET", "/widgets/nope.js"),
                ("GET", "/admin/v1/keys"),
                ("POST", "/admin/v1/keys"),
                ("PATCH", "/admin/v1/keys/{k}"),
                ("PUT", "/v1/{k}/consent"),
                ("GET", "/nope"),
            ]
        )
    )
    key_part = data.draw(
        st.sampled_from([pk, pk, pk, pk, pk[:-1] + "x", key.private_key, "pk_", "%00", "a" * 300])
    )
    path = path.replace("{k}", key_part)
    headers = {}
    origin = data.draw(st.sampled_from([SITE, SITE, SITE, "null", "https://evil.example", None]))
    if origin is not None:
        headers["Origin"] = origin
    headers["Content-Type"] = data.draw(
        st.sampled_from(
            ["text/plain", "text/plain", "application/json", "application/x-www-form-urlencoded"]
        )
    )
    if method == "OPTIONS" or data.draw(st.booleans()):
        headers["Access-Control-Request-Method"] = data.draw(st.sampled_from(["POST", "TRACE"]))
    if path.startswith("/admin/"):
        headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
        headers["Content-Type"] = "application/json"
    if path.startswith("/v1/receipts") or data.draw(st.booleans()):
        headers["X-API-Key"] = data.draw(st.sampled_from([key.private_key, "sk_bad", pk]))
    body_kind = data.draw(
        st.sampled_from(["consent", "rights", "json", "bytes", "none", "hostile", "deep"])
    )
    if body_kind == "hostile":
        base = {"/v1/receipts/verify": RECEIPT, "/admin/v1/keys": ADMIN}.get(path)
        base = base or data.draw(st.sampled_from([CONSENT, RIGHTS]))
        body = json.dumps(data.draw(hostile(base))).encode()
    elif body_kind == "deep":
        body = data.draw(deep_raw)
    elif body_kind == "consent":
        body = json.dumps(data.draw(mutated(CONSENT))).encode()
    elif body_kind == "rights":
        body = json.dumps(data.draw(mutated(RIGHTS))).encode()
    elif body_kind == "json":
        body = json.dumps(data.draw(json_values)).encode()
    elif body_kind == "bytes":
        body = data.draw(st.binary(max_size=200))
    else:
        body = b""
    query = data.draw(st.sampled_from(["", "", "?lang=fr", "?lang=" + "x," * 50, "?limit=-1"]))

    r = client.request(method, path + query, content=body, headers=headers)

    assert r.status_code < 500, (method, path, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json", (method, path)
        problem = r.json()
        assert problem["status"] == r.status_code and problem["code"]
        assert key.private_key not in r.text
