"""Key strings, private-key checks, roll and revoke."""

from __future__ import annotations

import pytest

from gateway.keys.model import (
    PRIVATE_PREFIX,
    PUBLIC_PREFIX,
    ApiKey,
    create_key,
    is_well_formed,
    new_key_string,
    revoke_key,
    roll_key,
)


def test_new_keys_are_well_formed_prefixed_and_unique() -> None:
    keys = {new_key_string(PUBLIC_PREFIX) for _ in range(500)}
    assert len(keys) == 500
    for key in keys:
        assert key.startswith("pk_")
        assert is_well_formed(key, PUBLIC_PREFIX)
        assert not is_well_formed(key, PRIVATE_PREFIX)


def _flip(key: str, index: int) -> str:
    char = key[index]
    return key[:index] + ("a" if char != "a" else "b") + key[index + 1 :]


@pytest.mark.parametrize("index", [3, 10, 20, 34, 35, 40], ids=lambda i: f"char-{i}")
def test_a_single_typo_anywhere_is_refused_by_the_checksum(index: int) -> None:
    key = new_key_string(PUBLIC_PREFIX)
    assert not is_well_formed(_flip(key, index), PUBLIC_PREFIX)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "pk_",
        "pk_short",
        "PK_" + "a" * 38,
        "pk_" + "a" * 39,
        "pk_" + "1" * 38,
        "pk_" + "A" * 38,
        "pk_" + "a" * 37 + " ",
        "x" * 10_000,
    ],
    ids=[
        "empty",
        "prefix-only",
        "short",
        "upper-prefix",
        "long",
        "bad-alphabet",
        "upper-body",
        "trailing-space",
        "huge",
    ],
)
def test_malformed_key_strings_are_refused(value: str) -> None:
    assert not is_well_formed(value, PUBLIC_PREFIX)


def test_private_key_is_stored_only_as_a_hash_and_checked() -> None:
    new = create_key("acct", "Shop", ("https://shop.example",), now=1000.0)
    record = new.key.to_json()
    assert new.private_key not in str(record)
    assert new.key.accepts_private_key(new.private_key, now=1001.0)
    assert not new.key.accepts_private_key(new_key_string(PRIVATE_PREFIX), now=1001.0)
    assert not new.key.accepts_private_key(new.key.public_key, now=1001.0)
    assert ApiKey.from_json(record) == new.key


def test_roll_keeps_the_old_private_key_for_the_grace_period_only() -> None:
    first = create_key("acct", "Shop", now=1000.0)
    rolled = roll_key(first.key, grace_seconds=3600, now=2000.0)
    assert rolled.private_key != first.private_key
    assert rolled.key.accepts_private_key(rolled.private_key, now=2001.0)
    assert rolled.key.accepts_private_key(first.private_key, now=2000.0 + 3599)
    assert not rolled.key.accepts_private_key(first.private_key, now=2000.0 + 3600)
    assert rolled.key.accepts_private_key(rolled.private_key, now=2000.0 + 10**7)


def test_revoke_marks_the_key_inactive() -> None:
    key = revoke_key(create_key("acct", "Shop").key, now=5.0)
    assert not key.active and key.revoked_at == 5.0
