"""CSRF: the session's token and the request's origin, on every state-changing request."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import Console


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [
        ({}, False),
        ({"X-CSRF-Token": "forged"}, False),
        ({"Origin": "https://evil.example"}, True),
        ({"Sec-Fetch-Site": "cross-site"}, True),
        ({"Sec-Fetch-Site": "same-site"}, True),
    ],
    ids=["no-token", "wrong-token", "foreign-origin", "cross-site", "same-site"],
)
def test_state_changes_without_the_token_or_from_elsewhere_are_refused(
    console: Console, headers: dict[str, str], with_token: bool
) -> None:
    account_id, owner = console.owner_of("Shop", "alice@shop.example")
    token = owner.csrf
    if not with_token:
        owner.csrf = ""
    r = owner.post(
        f"/console/api/accounts/{account_id}/keys",
        json={"name": "Site", "origins": ["https://shop.example"]},
        headers=headers,
    )
    owner.csrf = token
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    assert r.headers["content-type"] == "application/problem+json"
    assert owner.get(f"/console/api/accounts/{account_id}/keys").json()["keys"] == []


def test_the_token_in_a_body_field_and_the_own_origin_are_accepted(console: Console) -> None:
    account_id, owner = console.owner_of("Shop", "alice@shop.example")
    token, owner.csrf = owner.csrf, ""
    r = owner.post(
        f"/console/api/accounts/{account_id}/keys",
        json={"name": "Site", "origins": ["https://shop.example"], "csrf_token": token},
        headers={"Origin": "https://gw.example", "Sec-Fetch-Site": "same-origin"},
    )
    assert r.status_code == 201, r.text


def test_a_sign_in_from_another_site_is_refused(console: Console) -> None:
    console.owner_of("Shop", "alice@shop.example")
    r = console.browser().sign_in("alice@shop.example", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
