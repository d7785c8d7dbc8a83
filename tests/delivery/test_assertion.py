"""The gateway assertion as a receiving service checks it: genuine, tampered, expired, rotated."""

from __future__ import annotations

import time

import pytest

from gateway.delivery.assertion import serializer, sign_assertion, verify_assertion
from gateway.errors import AssertionExpired, AssertionRefused
from gateway.signing import Signing
from tests.support.receiver import envelope

OLD, NEW = "old-secret-0123456789abcdef0123456789", "new-secret-0123456789abcdef0123456789"
RECORD = envelope(
    {
        "record_id": "rec_1",
        "public_key": "pk_live_1",
        "account": "acct_1",
        "origin": "https://shop.example",
        "received_at": "2025-01-01T00:00:00Z",
        "key": "pk_live_1",
    }
)
BODY = RECORD.wire()


def test_a_genuine_assertion_says_key_account_origin_and_record() -> None:
    header = sign_assertion(serializer([NEW, OLD]), RECORD, BODY)
    claims = verify_assertion(header, [NEW, OLD], max_age=60, body=BODY)
    assert (claims.key, claims.account, claims.origin, claims.record_id) == (
        "pk_live_1",
        "acct_1",
        "https://shop.example",
        "rec_1",
    )
    assert abs(claims.signed_at - time.time()) < 5


def test_it_is_what_the_gateway_signing_service_produces() -> None:
    header = sign_assertion(Signing([NEW]).serializer("assertion"), RECORD, BODY)
    assert verify_assertion(header, [NEW], max_age=60, body=BODY).record_id == "rec_1"


def test_an_assertion_signed_before_a_secret_rotation_still_verifies() -> None:
    header = sign_assertion(serializer([OLD]), RECORD, BODY)
    assert verify_assertion(header, [NEW, OLD], max_age=60, body=BODY).account == "acct_1"


def _swap_char(value: str) -> str:
    i = len(value) // 2
    return value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]


@pytest.mark.parametrize(
    "header, secrets, body",
    [
        (None, [NEW], BODY),
        ("not-a-token", [NEW], BODY),
        (lambda h: _swap_char(h), [NEW], BODY),
        (lambda h: h, ["another-secret-0123456789abcdef01234"], BODY),
        (lambda h: h, [NEW], BODY.replace(b"acct_1", b"acct_2")),
        (lambda h: sign_assertion(Signing([NEW]).serializer("receipt"), RECORD, BODY), [NEW], BODY),
    ],
    ids=["missing", "garbage", "tampered-token", "unknown-secret", "other-body", "other-purpose"],
)
def test_forged_or_altered_assertions_are_refused(header, secrets, body) -> None:  # type: ignore[no-untyped-def]
    genuine = sign_assertion(serializer([NEW]), RECORD, BODY)
    value = header(genuine) if callable(header) else header
    with pytest.raises(AssertionRefused) as info:
        verify_assertion(value, secrets, max_age=60, body=body)
    assert info.value.code == "assertion_invalid" and info.value.status == 401


def test_an_old_assertion_is_refused_as_expired() -> None:
    header = sign_assertion(serializer([NEW]), RECORD, BODY)
    now = time.time()
    assert verify_assertion(header, [NEW], max_age=600, body=BODY, now=now + 590)
    with pytest.raises(AssertionExpired) as info:
        verify_assertion(header, [NEW], max_age=600, body=BODY, now=now + 610)
    assert info.value.code == "assertion_expired"
    with pytest.raises(AssertionRefused):
        verify_assertion(header, [NEW], max_age=600, body=BODY, now=now - 3600)
