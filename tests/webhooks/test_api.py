"""The webhooks API's rules: its scope, one account's endpoints invisible to another, bodies and
URLs refused with named problems (the SSRF guard), all in the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.keys.model import create_key
from gateway.keys.store import FileKeyStore
from tests.gwclient import SITE
from tests.oauth.helpers import client_credentials
from tests.support.aio import run as run_sync
from tests.webhooks.helpers import Hooks, hooks_gateway


def problem(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = answer.json()
    assert body["code"] == code
    return body


@pytest.fixture
def hooks(data_dir: Path, tmp_path: Path) -> Any:
    with hooks_gateway(data_dir, f"sqlite:///{tmp_path / 'records.db'}") as gateway:
        yield gateway


def test_a_token_without_webhooks_manage_is_refused(hooks: Hooks) -> None:
    endpoint = hooks.register()
    narrow = client_credentials(hooks.client, hooks.key, scope="rights:read consents:read")
    token = narrow.json()["access_token"]
    for method, path in [
        ("GET", "/webhooks"),
        ("POST", "/webhooks"),
        ("GET", f"/webhooks/{endpoint['id']}"),
        ("DELETE", f"/webhooks/{endpoint['id']}"),
        ("GET", f"/webhooks/{endpoint['id']}/deliveries"),
        ("POST", f"/webhooks/{endpoint['id']}/test"),
    ]:
        body = problem(hooks.api(method, path, token=token), 403, "insufficient_scope")
        assert body["scope"] == "webhooks:manage"
    # Nothing was changed by those calls.
    assert hooks.api("GET", f"/webhooks/{endpoint['id']}").status_code == 200
    assert hooks.deliveries(endpoint["id"]) == []


def test_another_account_sees_none_of_this_ones_endpoints(hooks: Hooks, data_dir: Path) -> None:
    endpoint = hooks.register()
    sent = hooks.api("POST", f"/webhooks/{endpoint['id']}/test").json()
    other = create_key("acct-2", "Other shop", (SITE,))
    run_sync(FileKeyStore(data_dir).put(other.key))
    theirs = {"X-API-Key": other.private_key}
    one = f"/api/v1/webhooks/{endpoint['id']}"
    for method, path, body in [
        ("GET", one, None),
        ("PATCH", one, {"enabled": False}),
        ("DELETE", one, None),
        ("POST", one + "/rotate-secret", None),
        ("POST", one + "/test", None),
        ("GET", one + "/deliveries", None),
        ("POST", f"{one}/deliveries/{sent['id']}/replay", None),
    ]:
        answer = hooks.client.request(method, path, headers=theirs, json=body)
        problem(answer, 404, "not_found")
    listed = hooks.client.get("/api/v1/webhooks", headers=theirs)
    assert listed.status_code == 200 and listed.json()["items"] == []
    # Untouched, and still the owner's.
    mine = hooks.api("GET", f"/webhooks/{endpoint['id']}").json()
    assert mine["enabled"] is True


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example/in", "https://"),
        ("https://10.1.2.3/in", "private"),
        ("https://192.168.0.10/in", "private"),
        ("https://100.64.0.1/in", "private"),
        ("https://[fd00::1]/in", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/in", "link-local"),
        ("https://0.0.0.0/in", "not for hosts"),
        ("https://224.0.0.1/in", "not for hosts"),
        ("https://[::ffff:10.0.0.1]/in", "private"),
        ("https://user:pw@hooks.example/in", "user name"),
        ("https://hooks.example/in#top", "fragment"),
        ("ftp://hooks.example/in", "https://"),
        ("https:///in", "host"),
        ("https://no-such-host.invalid/in", "does not resolve"),
    ],
)
def test_urls_that_would_reach_inside_are_refused(hooks: Hooks, url: str, reason: str) -> None:
    answer = hooks.api("POST", "/webhooks", json={"url": url, "events": ["key.exposed"]})
    body = problem(answer, 422, "invalid_payload")
    [error] = body["errors"]
    assert error["field"] == "url" and error["code"] == "invalid_format"
    assert reason in error["message"]
    assert url not in body["detail"] + error["message"]  # the URL is never echoed


def test_loopback_is_refused_unless_the_setting_allows_it(data_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    with hooks_gateway(data_dir, url, webhook_allow_loopback=False) as strict:
        for target in ("https://127.0.0.1/in", "https://[::1]/in", strict.receiver_url):
            answer = strict.api(
                "POST", "/webhooks", json={"url": target, "events": ["key.exposed"]}
            )
            body = problem(answer, 422, "invalid_payload")
            assert body["errors"][0]["field"] == "url"


def test_a_network_the_operator_allows_may_be_reached(data_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    with hooks_gateway(data_dir, url, webhook_allow_networks="10.20.0.0/16") as opened:
        inside = {"url": "https://10.20.3.4/in", "events": ["key.exposed"]}
        assert opened.api("POST", "/webhooks", json=inside).status_code == 201
        elsewhere = {"url": "https://10.21.3.4/in", "events": ["key.exposed"]}
        problem(opened.api("POST", "/webhooks", json=elsewhere), 422, "invalid_payload")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["url", "events"]),
        ({"url": 3, "events": ["key.exposed"]}, ["url"]),
        ({"events": "key.exposed"}, ["url", "events"]),
        ({"events": []}, ["url", "events"]),
        ({"events": ["key.exposed", "payment.made"]}, ["url", "events.1"]),
        ({"events": ["key.exposed", "key.exposed"]}, ["url", "events.1"]),
        ({"events": ["webhook.test"]}, ["url", "events.0"]),
        ({"events": ["key.exposed"], "enabled": "yes"}, ["url", "enabled"]),
        ({"events": ["key.exposed"], "description": "x" * 201}, ["url", "description"]),
        # A field the endpoint does not have: one problem for the body as a whole.
        ({"events": ["key.exposed"], "secret": "whsec_mine"}, ["", "url"]),
    ],
)
def test_bad_bodies_name_every_field(hooks: Hooks, body: dict[str, Any], fields: list[str]) -> None:
    answer = hooks.api("POST", "/webhooks", json=body)
    found = problem(answer, 422, "invalid_payload")
    assert sorted(e["field"] for e in found["errors"]) == sorted(fields)
    # Every problem says where it is as a JSON pointer too (the body as a whole: "").
    for error in found["errors"]:
        expected = "/" + error["field"].replace(".", "/") if error["field"] else ""
        assert error["pointer"] == expected
    assert hooks.api("GET", "/webhooks").json()["items"] == []


def test_made_up_names_are_counted_never_repeated(hooks: Hooks) -> None:
    body = {
        "url": hooks.receiver_url,
        "events": ["key.exposed"],
        "jane.doe@mail.example": True,
        "whsec_guess": "x",
    }
    answer = hooks.api("POST", "/webhooks", json=body)
    found = problem(answer, 422, "invalid_payload")
    assert found["errors"] == [
        {
            "field": "",
            "pointer": "",
            "code": "unknown_field",
            "message": "2 unknown fields, not accepted here",
            "count": 2,
        }
    ]
    assert "jane.doe" not in answer.text and "whsec_guess" not in answer.text
    query = hooks.api("GET", "/webhooks", params={"jane.doe@mail.example": "1"})
    problem(query, 422, "unknown_query_parameter")
    assert "jane.doe" not in query.text


def test_other_mistakes_are_problems_too(hooks: Hooks) -> None:
    endpoint = hooks.register()
    one = f"/webhooks/{endpoint['id']}"
    problem(hooks.api("GET", "/webhooks/ep_nothing"), 404, "not_found")
    problem(hooks.api("GET", one + "/deliveries", params={"status": "lost"}), 422, "invalid_query")
    problem(hooks.api("GET", one + "/deliveries", params={"limit": "0"}), 422, "invalid_query")
    problem(hooks.api("GET", one + "/deliveries", params={"cursor": "!!"}), 422, "invalid_query")
    problem(hooks.api("GET", "/webhooks", params={"page": "2"}), 422, "unknown_query_parameter")
    raw = hooks.client.post(
        "/api/v1/webhooks",
        content=b"{",
        headers={**hooks.headers(), "Content-Type": "application/json"},
    )
    problem(raw, 400, "invalid_json")
    # A delivery still pending cannot be replayed.
    hooks.receiver.mode = "fail"
    hooks.services.webhooks.dispatcher.stopping.set()  # type: ignore[union-attr]
    pending = hooks.api("POST", one + "/test").json()
    replay = hooks.api("POST", f"{one}/deliveries/{pending['id']}/replay")
    problem(replay, 409, "delivery_pending")


def test_every_webhooks_route_is_in_the_openapi_document(hooks: Hooks) -> None:
    paths = hooks.client.get("/openapi.json").json()["paths"]
    for path, method in [
        ("/api/v1/webhooks", "get"),
        ("/api/v1/webhooks", "post"),
        ("/api/v1/webhooks/{endpoint_id}", "get"),
        ("/api/v1/webhooks/{endpoint_id}", "patch"),
        ("/api/v1/webhooks/{endpoint_id}", "delete"),
        ("/api/v1/webhooks/{endpoint_id}/rotate-secret", "post"),
        ("/api/v1/webhooks/{endpoint_id}/test", "post"),
        ("/api/v1/webhooks/{endpoint_id}/deliveries", "get"),
        ("/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay", "post"),
    ]:
        assert method in paths[path], path
