"""Two-factor sign-in through the console API, with the clock injected."""

from __future__ import annotations

import pyotp

from tests.accounts.helpers import PASSWORD, Browser, Console


def enrol(console: Console, owner: Browser) -> tuple[pyotp.TOTP, list[str]]:
    r = owner.post("/console/api/me/two-factor/enrol")
    assert r.status_code == 200, r.text
    totp = pyotp.TOTP(r.json()["secret"])
    assert r.json()["otpauth_uri"].startswith("otpauth://totp/")
    r = owner.post("/console/api/me/two-factor/confirm", json={"code": totp.at(console.clock())})
    assert r.status_code == 200, r.text
    return totp, r.json()["recovery_codes"]


def test_a_code_is_needed_and_cannot_be_replayed_within_its_window(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    totp, _ = enrol(console, owner)
    console.clock.advance(90)
    first = console.browser()
    missing = first.sign_in("alice@shop.example")
    assert missing.status_code == 401 and missing.json()["code"] == "second_factor_required"
    code = totp.at(console.clock())
    assert first.sign_in("alice@shop.example", code=code).status_code == 200
    console.clock.advance(10)  # same 30-second step, still inside the ±1 window
    replay = console.browser().sign_in("alice@shop.example", code=code)
    assert replay.status_code == 401 and replay.json()["code"] == "second_factor_required"
    console.clock.advance(30)
    next_code = totp.at(console.clock())
    assert console.browser().sign_in("alice@shop.example", code=next_code).status_code == 200


def test_a_recovery_code_works_once(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    _, codes = enrol(console, owner)
    assert len(codes) == 10
    ok = console.browser().sign_in("alice@shop.example", code=codes[3])
    assert ok.status_code == 200
    again = console.browser().sign_in("alice@shop.example", code=codes[3])
    assert again.status_code == 401
    me = ok.json()
    assert me["two_factor"] is True
    assert owner.get("/console/api/me").json()["recovery_codes_left"] == 9


def test_an_account_requiring_2fa_hides_itself_from_members_without_it(console: Console) -> None:
    account_id, owner = console.owner_of("Shop", "alice@shop.example")
    viewer = console.join(console.invite(account_id, "vic@shop.example", "viewer"))
    path = f"/console/api/accounts/{account_id}"
    refused = owner.request("PATCH", path, json={"require_2fa": True})
    assert refused.status_code == 409  # the owner must enrol first
    enrol(console, owner)
    assert owner.request("PATCH", path, json={"require_2fa": True}).status_code == 200
    r = viewer.get(path + "/keys")
    assert r.status_code == 403 and r.json()["code"] == "two_factor_enrolment_required"
    enrol(console, viewer)
    assert viewer.get(path + "/keys").status_code == 200


def test_turning_two_factor_off_asks_for_password_and_code(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    totp, _ = enrol(console, owner)
    console.clock.advance(30)
    wrong = owner.post(
        "/console/api/me/two-factor/disable",
        json={"password": "not it at all", "code": totp.at(console.clock())},
    )
    assert wrong.status_code == 403
    ok = owner.post(
        "/console/api/me/two-factor/disable",
        json={"password": PASSWORD, "code": totp.at(console.clock())},
    )
    assert ok.status_code == 200, ok.text
    assert console.browser().sign_in("alice@shop.example").status_code == 200


def test_requiring_2fa_is_the_owners_and_sends_members_to_set_it_up(console: Console) -> None:
    account_id, owner = console.owner_of("Shop", "alice@shop.example")
    admin = console.join(console.invite(account_id, "ada@shop.example", "admin"))
    path = f"/console/api/accounts/{account_id}"
    assert admin.get("/console/api/me").json()["two_factor_required"] is False
    refused = admin.request("PATCH", path, json={"require_2fa": True})
    assert refused.status_code == 403 and refused.json()["code"] == "role_too_low"
    enrol(console, owner)
    on = owner.request("PATCH", path, json={"require_2fa": True})
    assert on.status_code == 200 and on.json()["require_2fa"] is True
    assert owner.get("/console/api/me").json()["two_factor_required"] is False
    # At the admin's next sign-in: the console is told to send them to enrolment first.
    again = console.browser()
    assert again.sign_in("ada@shop.example").status_code == 200
    assert again.get("/console/api/me").json()["two_factor_required"] is True
    totp, _ = enrol(console, again)
    assert again.get("/console/api/me").json()["two_factor_required"] is False
    console.clock.advance(30)
    kept = again.post(
        "/console/api/me/two-factor/disable",
        json={"password": PASSWORD, "code": totp.at(console.clock())},
    )
    assert kept.status_code == 409 and kept.json()["code"] == "two_factor_state"
