"""Sign-in throttling: a per-address backoff, capped, that the owner's own browser skips."""

from __future__ import annotations

from pathlib import Path

from tests.accounts.helpers import PASSWORD, Console, console_settings, open_console

WRONG = "definitely not the password"


def test_failures_lock_an_address_for_a_capped_doubling_delay(console: Console) -> None:
    console.owner_of("Shop", "alice@shop.example")
    attacker = console.browser()
    for _ in range(5):
        assert attacker.sign_in("alice@shop.example", WRONG).status_code == 401
    assert attacker.sign_in("alice@shop.example", WRONG).status_code == 401  # sixth: locks 2 s
    locked = console.browser().sign_in("alice@shop.example", PASSWORD)
    assert locked.status_code == 429 and locked.json()["code"] == "sign_in_locked"
    assert locked.headers["retry-after"] == "2"
    console.clock.advance(2)
    for _ in range(20):  # keep failing: the delay doubles, up to 15 minutes
        console.clock.advance(2000)
        attacker.sign_in("alice@shop.example", WRONG)
    capped = console.browser().sign_in("alice@shop.example", PASSWORD)
    assert capped.status_code == 429 and capped.headers["retry-after"] == "900"
    console.clock.advance(900)
    assert console.browser().sign_in("alice@shop.example", PASSWORD).status_code == 200


def test_an_unknown_address_locks_exactly_like_a_known_one(console: Console) -> None:
    console.owner_of("Shop", "alice@shop.example")
    answers = {}
    for email in ("alice@shop.example", "nobody@shop.example"):
        browser = console.browser()
        for _ in range(6):
            browser.sign_in(email, WRONG)
        r = browser.sign_in(email, WRONG)
        answers[email] = (r.status_code, r.json()["code"], r.headers.get("retry-after"))
    assert (
        answers["alice@shop.example"]
        == answers["nobody@shop.example"]
        == (
            429,
            "sign_in_locked",
            "2",
        )
    )


def test_the_owner_on_a_known_device_is_never_locked_out(console: Console) -> None:
    _, owner = console.owner_of("Shop", "alice@shop.example")
    assert owner.cookie("__Host-wg_device")  # set when the invitation was accepted
    assert owner.post("/console/api/sign-out").status_code == 204
    attacker = console.browser()
    for _ in range(15):
        attacker.sign_in("alice@shop.example", WRONG)
    assert console.browser().sign_in("alice@shop.example").status_code == 429
    r = owner.sign_in("alice@shop.example")
    assert r.status_code == 200, r.text
    # A device cookie is bound to its person: it does not open another address's lock.
    for _ in range(15):
        attacker.sign_in("bob@shop.example", WRONG)
    assert owner.sign_in("bob@shop.example", WRONG).json()["code"] == "sign_in_locked"


def test_sign_in_attempts_are_limited_per_client_network(data_dir: Path) -> None:
    with open_console(console_settings(data_dir, limit_sign_in="3/minute")) as console:
        browser = console.browser()
        codes = [browser.sign_in(f"p{i}@shop.example", WRONG).status_code for i in range(4)]
        assert codes == [401, 401, 401, 429]
