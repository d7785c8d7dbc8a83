"""No account enumeration: known and unknown addresses get the same answer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.accounts.helpers import PASSWORD, Console


def shape(r: Any) -> tuple[int, str, dict[str, Any]]:
    body = dict(r.json())
    return r.status_code, r.headers["content-type"], body


@pytest.mark.parametrize("password", [PASSWORD + "x", "another wrong one"], ids=["close", "far"])
def test_sign_in_answers_alike_for_a_known_and_an_unknown_address(
    console: Console, password: str
) -> None:
    console.owner_of("Shop", "alice@shop.example")
    known = console.browser().sign_in("alice@shop.example", password)
    unknown = console.browser().sign_in("nobody@shop.example", password)
    assert shape(known) == shape(unknown)
    assert known.status_code == 401 and known.json()["code"] == "sign_in_failed"
    assert "alice" not in known.text and "nobody" not in unknown.text


def test_password_reset_answers_alike_and_mails_only_a_known_address(console: Console) -> None:
    console.owner_of("Shop", "alice@shop.example")
    browser = console.browser()
    known = browser.post("/console/api/password-reset", json={"email": "alice@shop.example"})
    unknown = browser.post("/console/api/password-reset", json={"email": "nobody@shop.example"})
    assert shape(known) == shape(unknown)
    assert known.status_code == 202


def test_inviting_answers_alike_whether_the_address_has_a_sign_in(console: Console) -> None:
    account_id, owner = console.owner_of("Shop", "alice@shop.example")
    console.owner_of("Other", "bob@other.example")  # bob has a sign-in
    path = f"/console/api/accounts/{account_id}/members"
    existing = owner.post(path, json={"email": "bob@other.example", "role": "viewer"})
    new = owner.post(path, json={"email": "carol@new.example", "role": "viewer"})
    assert existing.status_code == new.status_code == 202
    strip = lambda r: {k: v for k, v in r.json().items() if k not in ("email", "expires_at")}  # noqa: E731
    assert strip(existing) == strip(new)
