"""Signed values (receipts, form tokens, …) are itsdangerous' own, whatever the gateway keeps
between calls to sign them faster."""

from __future__ import annotations

import time

import orjson
import pytest
from itsdangerous import BadSignature, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

from gateway.signing import SALT_PREFIX, Signing

OLD, NEW = "old-secret-" + "o" * 40, "new-secret-" + "n" * 40
CONTENT = {"record_id": "cr_0123", "action": "accept_all", "categories": {"necessary": True}}


class _Plain(URLSafeTimedSerializer):
    """itsdangerous with the gateway's payload encoding, nothing kept between calls."""

    def dump_payload(self, obj: object) -> bytes:
        return base64_encode(orjson.dumps(obj))


def test_a_signed_value_is_the_same_bytes_as_itsdangerous_signs_and_verifies_both_ways() -> None:
    signing = Signing([NEW, OLD])
    ours = signing.serializer("receipt")
    plain = _Plain([OLD, NEW], salt=SALT_PREFIX + "receipt")
    for _ in range(3):  # the first call builds the signer, the next ones reuse it
        second = int(time.time())
        mine, theirs = ours.dumps(CONTENT), plain.dumps(CONTENT)
        if int(time.time()) == second:  # both signed within the same second
            assert mine == theirs
        assert plain.loads(mine) == CONTENT and ours.loads(theirs) == CONTENT


def test_a_value_signed_with_the_previous_secret_still_verifies_and_others_do_not() -> None:
    before = Signing([OLD]).serializer("receipt").dumps(CONTENT)
    rotated = Signing([NEW, OLD]).serializer("receipt")
    assert rotated.loads(before) == CONTENT
    assert rotated.loads(rotated.dumps(CONTENT)) == CONTENT
    stranger = Signing(["other-secret-" + "x" * 40]).serializer("receipt")
    with pytest.raises(BadSignature):
        stranger.loads(before)
    with pytest.raises(BadSignature):  # nor as another purpose (its own salt)
        rotated.loads(before, salt=SALT_PREFIX + "form-token")
