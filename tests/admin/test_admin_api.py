"""The admin API in-process: operations, validation rules, auth, pagination, roll, exposure."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import Secret
from starlette.responses import JSONResponse, Response
from starlette.testclient import TestClient

from gateway.keys.model import PRIVATE_PREFIX, PUBLIC_PREFIX, is_well_formed, new_key_string
from gateway.web.guard import WidgetCall, widget_route
from tests.gwclient import SITE, client_for, settings_for

TOKEN = secrets.token_urlsafe(32)
AUTH = {"Authorization": f"Bearer {TOKEN}"}
OTHER = "https://other.example"


async def echo(call: WidgetCall) -> Response:
    return JSONResponse({"key": call.key.public_key})


ECHO = [widget_route("/echo", echo, widget="consent", methods=["GET"])]


@pytest.fixture
def admin(data_dir: Path) -> Iterator[TestClient]:
    settings = settings_for(data_dir, admin_token=Secret(TOKEN), key_cache_ttl=0.0)
    with client_for(settings, ECHO) as client:
        yield client


def make(client: TestClient, **overrides: Any) -> dict[str, Any]:
    body = {
        "account": "acct-1",
        "name": "Shop",
        "origins": [SITE],
        "redirect_uris": ["https://shop.example/done"],
        **overrides,
    }
    r = client.post("/admin/v1/keys", json=body, headers=AUTH)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def is_problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["code"] == code
    return body


def test_create_shows_the_private_key_once_and_stores_only_its_hash(
    admin: TestClient, data_dir: Path
) -> None:
    created = make(admin, origins=["https://Shop.Example:443/", "https://*.shop.example"])
    assert is_well_formed(created["public_key"], PUBLIC_PREFIX)
    assert is_well_formed(created["private_key"], PRIVATE_PREFIX)
    assert created["origins"] == ["https://shop.example", "https://*.shop.example"]
    assert created["status"] == "active" and created["exposed"] is False
    assert created["private_key"] not in (data_dir / "keys.json").read_text()
    shown = admin.get(f"/admin/v1/keys/{created['public_key']}", headers=AUTH)
    assert shown.status_code == 200
    assert "private_key" not in shown.json() and created["private_key"] not in shown.text
    assert "digest" not in shown.text
    assert shown.headers["cache-control"] == "no-store"


def test_update_changes_what_the_widget_guard_enforces(admin: TestClient) -> None:
    key = make(admin)
    pk = key["public_key"]
    assert admin.get(f"/v1/{pk}/echo", headers={"Origin": SITE}).status_code == 200
    r = admin.patch(
        f"/admin/v1/keys/{pk}",
        headers=AUTH,
        json={
            "name": "Shop EU",
            "origins": [OTHER],
            "redirect_uris": [],
            "widgets": ["consent"],
            "limits": {"per_key": "1000/minute"},
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Shop EU" and r.json()["limits"] == {"per_key": "1000/minute"}
    is_problem(admin.get(f"/v1/{pk}/echo", headers={"Origin": SITE}), 403, "origin_not_allowed")
    assert admin.get(f"/v1/{pk}/echo", headers={"Origin": OTHER}).status_code == 200


def test_revoke_is_enforced_and_final(admin: TestClient) -> None:
    pk = make(admin)["public_key"]
    r = admin.post(f"/admin/v1/keys/{pk}/revoke", headers=AUTH)
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    is_problem(admin.get(f"/v1/{pk}/echo", headers={"Origin": SITE}), 403, "key_revoked")
    assert admin.post(f"/admin/v1/keys/{pk}/revoke", headers=AUTH).status_code == 200
    is_problem(
        admin.patch(f"/admin/v1/keys/{pk}", headers=AUTH, json={"name": "x"}),
        409,
        "key_already_revoked",
    )
    is_problem(admin.post(f"/admin/v1/keys/{pk}/roll", headers=AUTH), 409, "key_already_revoked")


def test_unknown_and_malformed_keys_are_not_found(admin: TestClient) -> None:
    for pk in (new_key_string(PUBLIC_PREFIX), "pk_nope"):
        is_problem(admin.get(f"/admin/v1/keys/{pk}", headers=AUTH), 404, "key_not_found")
        is_problem(admin.post(f"/admin/v1/keys/{pk}/roll", headers=AUTH), 404, "key_not_found")


BAD = [
    ({"name": "x", "origins": []}, "missing_field", "account"),
    ({"account": "a", "origins": []}, "missing_field", "name"),
    ({"account": "a", "name": "x"}, "missing_field", "origins"),
    ({"account": "a b", "name": "x", "origins": []}, "invalid_account", "account"),
    ({"account": "a", "name": "   ", "origins": []}, "missing_field", "name"),
    ({"account": "a", "name": "x" * 101, "origins": []}, "value_too_long", "name"),
    ({"account": "a", "name": 5, "origins": []}, "invalid_field_type", "name"),
    ({"account": "a", "name": "x", "origins": [], "colour": "red"}, "unknown_field", ""),
    (
        {"account": "a", "name": "x", "origins": "https://a.example"},
        "invalid_field_type",
        "origins",
    ),
    (
        {"account": "a", "name": "x", "origins": ["https://a.example/path"]},
        "invalid_origin_rule",
        "origins[0]",
    ),
    (
        {"account": "a", "name": "x", "origins": ["https://*.com"]},
        "invalid_origin_rule",
        "origins[0]",
    ),
    ({"account": "a", "name": "x", "origins": ["null"]}, "invalid_origin_rule", "origins[0]"),
    (
        {"account": "a", "name": "x", "origins": ["https://a.example", "https://A.example:443"]},
        "duplicate_entry",
        "origins[1]",
    ),
    (
        {"account": "a", "name": "x", "origins": [f"https://s{i}.example" for i in range(101)]},
        "too_many_entries",
        "origins",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "redirect_uris": ["http://shop.example/cb"]},
        "invalid_redirect_uri",
        "redirect_uris[0]",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "redirect_uris": ["/callback"]},
        "invalid_redirect_uri",
        "redirect_uris[0]",
    ),
    (
        {
            "account": "a",
            "name": "x",
            "origins": [],
            "redirect_uris": ["https://user:pw@shop.example/cb"],
        },
        "invalid_redirect_uri",
        "redirect_uris[0]",
    ),
    (
        {
            "account": "a",
            "name": "x",
            "origins": [],
            "redirect_uris": ["https://shop.example/" + "a" * 2000],
        },
        "value_too_long",
        "redirect_uris[0]",
    ),
    (
        {
            "account": "a",
            "name": "x",
            "origins": [],
            "redirect_uris": ["https://s.example/cb", "https://S.example/cb"],
        },
        "duplicate_entry",
        "redirect_uris[1]",
    ),
    (
        {
            "account": "a",
            "name": "x",
            "origins": [],
            "redirect_uris": [f"https://s.example/{i}" for i in range(21)],
        },
        "too_many_entries",
        "redirect_uris",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "widgets": ["chat"]},
        "unknown_widget",
        "widgets[0]",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "widgets": ["consent", "consent"]},
        "duplicate_entry",
        "widgets[1]",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "limits": {"per_ip": "lots"}},
        "invalid_limit",
        "limits.per_ip",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "limits": {"per_day": "5/day"}},
        "invalid_limit",
        "limits",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "consent_config": []},
        "invalid_field_type",
        "consent_config",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "rights_config": {"x": "y" * 40_000}},
        "value_too_long",
        "rights_config",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "consent_config": {"lifetime_days": 9999}},
        "invalid_widget_config",
        "consent_config.lifetime_days",
    ),
    (
        {"account": "a", "name": "x", "origins": [], "rights_config": {"types": ["gossip"]}},
        "invalid_widget_config",
        "rights_config.types",
    ),
]


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    BAD,
    ids=[
        "no-account",
        "no-name",
        "no-origins",
        "bad-account",
        "blank-name",
        "long-name",
        "name-not-string",
        "unknown-field",
        "origins-not-list",
        "origin-with-path",
        "wildcard-on-tld",
        "null-origin",
        "duplicate-origin",
        "too-many-origins",
        "redirect-plain-http",
        "redirect-relative",
        "redirect-userinfo",
        "redirect-too-long",
        "duplicate-redirect",
        "too-many-redirects",
        "unknown-widget",
        "duplicate-widget",
        "limit-syntax",
        "limit-name",
        "config-not-object",
        "config-too-large",
        "consent-config-rule",
        "rights-config-rule",
    ],
)
def test_every_validation_rule_has_a_stable_code(
    admin: TestClient, payload: dict[str, Any], code: str, field: str
) -> None:
    body = is_problem(admin.post("/admin/v1/keys", json=payload, headers=AUTH), 422, code)
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in body["errors"]
    ]
    listed = admin.get("/admin/v1/keys", headers=AUTH).json()["keys"]
    assert listed == []  # nothing half-created


def test_local_http_redirects_are_allowed_and_updates_are_validated_too(admin: TestClient) -> None:
    key = make(
        admin,
        redirect_uris=["http://localhost:3000/cb", "http://127.0.0.1/cb", "http://[::1]:8080/cb"],
    )
    assert len(key["redirect_uris"]) == 3
    url = f"/admin/v1/keys/{key['public_key']}"
    is_problem(admin.patch(url, json={}, headers=AUTH), 422, "missing_field")
    is_problem(admin.patch(url, json={"account": "b"}, headers=AUTH), 422, "unknown_field")
    is_problem(
        admin.patch(url, json={"origins": ["ftp://x.example"]}, headers=AUTH),
        422,
        "invalid_origin_rule",
    )
    is_problem(
        admin.patch(url, content=b"name=x", headers={**AUTH, "Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    is_problem(
        admin.patch(url, content=b"{oops", headers={**AUTH, "Content-Type": "application/json"}),
        400,
        "invalid_json",
    )
    big = json.dumps({"name": "x" * 70_000}).encode()
    is_problem(
        admin.patch(url, content=big, headers={**AUTH, "Content-Type": "application/json"}),
        413,
        "payload_too_large",
    )


ROUTES = [
    ("POST", "/admin/v1/keys"),
    ("GET", "/admin/v1/keys"),
    ("GET", "/admin/v1/keys/{pk}"),
    ("PATCH", "/admin/v1/keys/{pk}"),
    ("POST", "/admin/v1/keys/{pk}/roll"),
    ("POST", "/admin/v1/keys/{pk}/revoke"),
    ("GET", "/admin/v1/keys/{pk}/audit"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_auth_failures_on_every_route(
    admin: TestClient, data_dir: Path, method: str, path: str
) -> None:
    url = path.format(pk=new_key_string(PUBLIC_PREFIX))
    missing = admin.request(method, url, json={})
    is_problem(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"] == "Bearer"
    wrongs: tuple[str | bytes, ...] = (
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        "Bearer",
        f"Bearer {TOKEN[:-1]}é".encode("latin-1"),
    )
    for wrong in wrongs:
        is_problem(
            admin.request(method, url, json={}, headers={"Authorization": wrong}),
            401,
            "invalid_admin_token",
        )
    with client_for(settings_for(data_dir / "off")) as disabled:
        is_problem(disabled.request(method, url, json={}, headers=AUTH), 404, "admin_disabled")


def test_admin_answers_never_carry_cors(admin: TestClient) -> None:
    r = admin.get("/admin/v1/keys", headers={**AUTH, "Origin": SITE})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    pre = admin.options(
        "/admin/v1/keys", headers={"Origin": SITE, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in pre.headers


def test_bad_guesses_are_throttled_and_the_right_token_is_not(data_dir: Path) -> None:
    settings = settings_for(data_dir, admin_token=Secret(TOKEN), limit_admin="3/hour")
    with client_for(settings) as client:
        codes = [
            client.get("/admin/v1/keys", headers={"Authorization": "Bearer guess"}).status_code
            for _ in range(3)
        ]
        assert codes == [401, 401, 401]
        limited = client.get("/admin/v1/keys", headers={"Authorization": "Bearer guess"})
        is_problem(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) > 0
        # No header at all is a failed attempt too.
        is_problem(client.get("/admin/v1/keys"), 429, "rate_limited")
        assert client.get("/admin/v1/keys", headers=AUTH).status_code == 200


def test_list_is_paginated_by_account(admin: TestClient) -> None:
    made = [make(admin, account="acct-a", name=f"k{i}")["public_key"] for i in range(5)]
    make(admin, account="acct-b", name="other")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        q = "?account=acct-a&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = admin.get("/admin/v1/keys" + q, headers=AUTH).json()
        seen += [k["public_key"] for k in body["keys"]]
        assert all(k["account"] == "acct-a" for k in body["keys"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == made and pages == 3
    everything = admin.get("/admin/v1/keys?limit=200", headers=AUTH).json()
    assert len(everything["keys"]) == 6 and everything["next_cursor"] is None


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=201",
        "limit=ten",
        "limit=%C2%B2",
        "limit=" + "9" * 5000,
        "cursor=nonsense",
        "account=a%20b",
    ],
    ids=[
        "zero",
        "too-big",
        "not-a-number",
        "non-ascii-digit",
        "too-many-digits",
        "bad-cursor",
        "bad-account",
    ],
)
def test_bad_list_queries(admin: TestClient, query: str) -> None:
    is_problem(admin.get(f"/admin/v1/keys?{query}", headers=AUTH), 422, "invalid_query")


def test_roll_old_private_key_works_during_grace_and_fails_after(admin: TestClient) -> None:
    services = admin.app.state.services  # type: ignore[attr-defined]
    now = 1_800_000_000.0
    services.clock = lambda: now
    key = make(admin)
    old = key["private_key"]
    assert (
        admin.get("/v1/key", headers={"X-API-Key": old}).json()["public_key"] == key["public_key"]
    )
    rolled = admin.post(
        f"/admin/v1/keys/{key['public_key']}/roll", json={"grace_seconds": 3600}, headers=AUTH
    )
    assert rolled.status_code == 200
    new = rolled.json()["private_key"]
    assert new != old and rolled.json()["previous_private_key_expires_at"] == now + 3600
    for t, old_ok in ((now + 3599, True), (now + 3600, False), (now + 90_000, False)):
        services.clock = lambda t=t: t
        assert admin.get("/v1/key", headers={"X-API-Key": new}).status_code == 200
        r = admin.get("/v1/key", headers={"X-API-Key": old})
        if old_ok:
            assert r.status_code == 200
        else:
            is_problem(r, 401, "unauthorized")


def test_roll_defaults_to_the_setting_and_checks_the_grace(admin: TestClient) -> None:
    services = admin.app.state.services  # type: ignore[attr-defined]
    services.clock = lambda: 1000.0
    pk = make(admin)["public_key"]
    r = admin.post(f"/admin/v1/keys/{pk}/roll", headers=AUTH)
    assert r.json()["previous_private_key_expires_at"] == 1000.0 + 86_400
    for bad in (
        {"grace_seconds": -1},
        {"grace_seconds": "1h"},
        {"grace_seconds": 31 * 86_400},
        {"grace": 5},
    ):
        is_problem(
            admin.post(f"/admin/v1/keys/{pk}/roll", json=bad, headers=AUTH),
            422,
            "invalid_grace_period",
        )


def test_private_key_from_a_browser_is_refused_and_the_key_flagged(admin: TestClient) -> None:
    key = make(admin)
    pk, sk = key["public_key"], key["private_key"]
    r = admin.get("/v1/key", headers={"X-API-Key": sk, "Origin": SITE})
    is_problem(r, 403, "private_key_exposed")
    assert "access-control-allow-origin" not in r.headers and sk not in r.text
    shown = admin.get(f"/admin/v1/keys/{pk}", headers=AUTH).json()
    assert shown["exposed"] is True and shown["status"] == "active"
    listed = admin.get("/admin/v1/keys", headers=AUTH).json()["keys"]
    assert listed[0]["exposed"] is True
    metrics = admin.get("/metrics").text
    assert 'gateway_private_key_exposed_total{where="browser request"} 1' in metrics
    assert sk not in metrics
    events = admin.get(f"/admin/v1/keys/{pk}/audit", headers=AUTH).json()["events"]
    assert [e["action"] for e in events] == ["created", "exposed"]
    assert events[1]["actor"] == "gateway"
    is_problem(admin.get(f"/v1/key?api_key={sk}"), 403, "private_key_exposed")


def test_exposed_keys_can_be_revoked_automatically(data_dir: Path) -> None:
    settings = settings_for(
        data_dir, admin_token=Secret(TOKEN), revoke_exposed_keys=True, key_cache_ttl=0.0
    )
    with client_for(settings, ECHO) as client:
        key = make(client)
        r = client.get(
            "/v1/key", headers={"X-API-Key": key["private_key"], "Sec-Fetch-Site": "cross-site"}
        )
        is_problem(r, 403, "private_key_exposed")
        shown = client.get(f"/admin/v1/keys/{key['public_key']}", headers=AUTH).json()
        assert shown["status"] == "revoked" and shown["exposed"] is True
        is_problem(
            client.get(f"/v1/{key['public_key']}/echo", headers={"Origin": SITE}),
            403,
            "key_revoked",
        )
        events = client.get(f"/admin/v1/keys/{key['public_key']}/audit", headers=AUTH).json()
    assert [(e["action"], e["actor"]) for e in events["events"]] == [
        ("created", "admin"),
        ("exposed", "gateway"),
        ("revoked", "gateway"),
    ]


def test_every_admin_route_is_in_the_openapi_document(admin: TestClient) -> None:
    paths = admin.get("/openapi.json").json()["paths"]
    for route in admin.app.routes:  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        if path.startswith("/admin") or path == "/v1/key":
            for method in route.methods - {"HEAD"}:  # type: ignore[attr-defined]
                assert method.lower() in paths[path], f"{method} {path} is not described"


def test_key_manager_page_is_served_with_a_strict_policy(admin: TestClient) -> None:
    page = admin.get("/admin/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "<script>" not in page.text and 'src="/admin/admin.js"' in page.text
    assert admin.get("/admin/admin.js").headers["content-type"].startswith("text/javascript")
    assert admin.get("/admin", follow_redirects=False).headers["location"] == "/admin/"
    is_problem(admin.get("/admin/secrets.txt"), 404, "not_found")


def test_a_made_up_private_key_counts_no_exposure(admin: TestClient) -> None:
    """Anyone can make a well-formed sk_…: only a real key's sighting is counted."""
    made_up = new_key_string(PRIVATE_PREFIX)
    r = admin.get("/v1/key", headers={"X-API-Key": made_up, "Origin": SITE})
    is_problem(r, 403, "private_key_exposed")
    assert "gateway_private_key_exposed_total{" not in admin.get("/metrics").text
