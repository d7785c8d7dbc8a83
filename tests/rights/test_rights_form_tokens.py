"""Form tokens: genuine, for this key, not too young and not too old (time injected)."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer

from gateway.errors import FormTokenExpired, FormTokenInvalid, GatewayError, SubmittedTooFast
from gateway.rights.form_tokens import FormTokens

T0 = 1_800_000_000.0


def tokens(secrets: list[str] | None = None) -> FormTokens:
    serializer = URLSafeTimedSerializer(secrets or ["a" * 40], salt="form-token")
    return FormTokens(serializer, min_age=2.0, max_age=3600.0)


def test_a_token_shown_a_few_seconds_ago_is_accepted() -> None:
    t = tokens()
    token = t.issue("pk_one", T0)
    assert t.check(token, "pk_one", T0 + 5.5).age == pytest.approx(5.5)


FAILURES = [
    ("too-young", "pk_one", 1.2, SubmittedTooFast, "submitted_too_fast"),
    ("too-old", "pk_one", 3601.0, FormTokenExpired, "form_token_expired"),
    ("other-key", "pk_two", 10.0, FormTokenInvalid, "form_token_invalid"),
]


@pytest.mark.parametrize(
    ("key", "after", "error", "code"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES]
)
def test_refusals(key: str, after: float, error: type[GatewayError], code: str) -> None:
    t = tokens()
    with pytest.raises(error) as exc:
        t.check(t.issue("pk_one", T0), key, T0 + after)
    assert exc.value.to_problem()["code"] == code


def test_too_young_says_how_long_to_wait() -> None:
    t = tokens()
    with pytest.raises(SubmittedTooFast) as exc:
        t.check(t.issue("pk_one", T0), "pk_one", T0 + 0.5)
    assert exc.value.to_problem()["retry_after_ms"] == 1500


@pytest.mark.parametrize(
    "token",
    [None, "", 42, "x" * 600, "eyJrIjoicGtfb25lIn0.forged.sig"],
    ids=["missing", "empty", "number", "huge", "forged"],
)
def test_malformed_or_forged_tokens_are_refused(token: object) -> None:
    with pytest.raises(FormTokenInvalid):
        tokens().check(token, "pk_one", T0)


def test_rotated_secrets_still_verify_and_retired_ones_do_not() -> None:
    old = tokens(["old-" + "o" * 40])
    token = old.issue("pk_one", T0)
    assert tokens(["new-" + "n" * 40, "old-" + "o" * 40]).check(token, "pk_one", T0 + 3)
    with pytest.raises(FormTokenInvalid):
        tokens(["new-" + "n" * 40]).check(token, "pk_one", T0 + 3)
