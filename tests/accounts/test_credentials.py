"""Pure parts: argon2id parameters, address normalisation, TOTP steps, recovery codes."""

from __future__ import annotations

import pyotp
import pytest
from argon2 import extract_parameters
from argon2.low_level import Type

from gateway.accounts.addresses import AddressInvalid, normalise_address
from gateway.accounts.errors import PasswordRejected
from gateway.accounts.passwords import check_new_password, hash_password_sync
from gateway.accounts.two_factor import matching_step, new_recovery_codes, recovery_digest

NOW = 1_800_000_000.0


def test_passwords_are_hashed_with_argon2id_at_rfc_9106_low_memory_parameters() -> None:
    stored = hash_password_sync("a long enough password")
    params = extract_parameters(stored)
    assert stored.startswith("$argon2id$")
    assert params.type is Type.ID
    assert (params.memory_cost, params.time_cost, params.parallelism) == (65536, 3, 4)
    assert (params.salt_len, params.hash_len) == (16, 32)
    assert hash_password_sync("a long enough password") != stored  # salted


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Alice@Shop.Example", "alice@shop.example"),
        ("  bob@BÜCHER.example ", "bob@xn--bcher-kva.example"),
        ("\uff43\uff41\uff52\uff4f\uff4c@shop.example", "carol@shop.example"),  # NFKC: full-width
        ("dave@shop.example.", "dave@shop.example"),
    ],
    ids=["case", "idna", "nfkc", "trailing-dot"],
)
def test_addresses_are_normalised(raw: str, expected: str) -> None:
    assert normalise_address(raw) == expected


@pytest.mark.parametrize("raw", ["no-at-sign", "@shop.example", "a b@shop.example", "x@localhost"])
def test_malformed_addresses_are_refused(raw: str) -> None:
    with pytest.raises(AddressInvalid):
        normalise_address(raw)


def test_a_password_too_short_or_equal_to_the_address_is_refused() -> None:
    with pytest.raises(PasswordRejected):
        check_new_password("short")
    with pytest.raises(PasswordRejected):
        check_new_password("alice@shop.example", "alice@shop.example")
    check_new_password("a perfectly fine passphrase", "alice@shop.example")


def test_totp_accepts_one_step_either_side_and_never_the_same_step_twice() -> None:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(NOW)
    assert matching_step(secret, totp.at(NOW), NOW, None) == step
    assert matching_step(secret, totp.at(NOW - 30), NOW, None) == step - 1
    assert matching_step(secret, totp.at(NOW + 30), NOW, None) == step + 1
    assert matching_step(secret, totp.at(NOW - 60), NOW, None) is None  # two steps old
    assert matching_step(secret, totp.at(NOW), NOW, step) is None  # replayed
    assert matching_step(secret, totp.at(NOW - 30), NOW, step) is None  # older than the last used
    assert matching_step(secret, "12345a", NOW, None) is None


def test_recovery_codes_are_ten_distinct_80_bit_codes() -> None:
    codes = new_recovery_codes()
    assert len(codes) == len(set(codes)) == 10
    assert all(len(c.replace("-", "")) == 16 for c in codes)
    assert recovery_digest(codes[0].upper()) == recovery_digest(codes[0])
