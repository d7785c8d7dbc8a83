"""Sign-in end to end: invitation, password, sessions and their cookie."""

from __future__ import annotations

from tests.accounts.helpers import PASSWORD, Console


def test_an_invited_owner_signs_in_and_sees_the_account(console: Console) -> None:
    account_id, owner = console.owner_of("Shop", "Alice@Shop.Example")
    me = owner.get("/console/api/me")
    assert me.status_code == 200
    assert me.json()["email"] == "alice@shop.example"
    assert [(a["id"], a["role"]) for a in me.json()["accounts"]] == [(account_id, "owner")]
    fresh = console.browser()
    r = fresh.sign_in("ALICE@shop.example", PASSWORD)
    assert r.status_code == 200, r.text
    assert "password_hash" not in r.text and "$argon2" not in r.text
    assert fresh.get("/console/api/me").json()["id"] == owner.person_id
