"""Strict validation of rights requests, references and deadlines (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from gateway.errors import InvalidPayload
from gateway.rights.config import parse_rights_config
from gateway.rights.requests import (
    REFERENCE,
    new_reference,
    respond_by,
    validate_submission,
)
from tests.support.problems import assert_typed

CONFIG = parse_rights_config(
    {
        "types": ["gdpr_access", "gdpr_erasure", "ccpa_delete", "other"],
        "fields": {"customer_reference": "off", "given_name": "required"},
        "custom_fields": [
            {"id": "order_number", "type": "text", "label": {"en": "Order"}, "max_length": 12},
            {
                "id": "country",
                "type": "select",
                "required": True,
                "label": {"en": "Country"},
                "options": [
                    {"value": "fr", "label": {"en": "France"}},
                    {"value": "us", "label": {"en": "United States"}},
                ],
            },
        ],
    }
)
GOOD: dict[str, Any] = {
    "type": "gdpr_access",
    "email": "Ada.Lovelace+rights@Example.ORG",
    "given_name": "Ada",
    "family_name": "Lovelace",
    "requester_type": "self",
    "message": "Line one\r\nLine two\twith a tab",
    "custom": {"order_number": "A-123", "country": "fr"},
    "language": "fr",
    "form_token": "x",
    "website": "",
}


def test_a_good_submission_is_normalised() -> None:
    sub = validate_submission(GOOD, CONFIG)
    assert sub.email == "ada.lovelace+rights@example.org"  # one form: NFKC, IDNA, lower case
    assert sub.message == "Line one\nLine two\twith a tab"
    assert dict(sub.custom) == {"order_number": "A-123", "country": "fr"}
    assert sub.language == "fr" and sub.regime == "gdpr"


def test_optional_fields_may_be_left_empty() -> None:
    sub = validate_submission(
        {
            "type": "other",
            "email": "a@b.co",
            "given_name": "A",
            "requester_type": "agent",
            # an agent gives their own name and address (docs/rights-widget.md#authorised-agents)
            "agent_name": "Ann",
            "agent_email": "ann@agency.example",
            "family_name": "  ",
            "custom": {"country": "us"},
        },
        CONFIG,
    )
    assert sub.family_name is None and sub.message is None


INVALID = [
    ("missing-type", {"type": None}, "type", "required"),
    ("type-not-offered", {"type": "gdpr_portability"}, "type", "not one of"),
    ("type-unknown", {"type": "steal_data"}, "type", "not one of"),
    ("email-missing", {"email": None}, "email", "required"),
    ("email-blank", {"email": "   "}, "email", "required"),
    ("email-not-text", {"email": ["a@b.co"]}, "email", "must be text"),
    ("email-no-at", {"email": "ada.example.org"}, "email", "not an email"),
    ("email-two-ats", {"email": "a@b@example.org"}, "email", "not an email"),
    ("email-space", {"email": "ada lovelace@example.org"}, "email", "not an email"),
    ("email-double-dot", {"email": "ada..l@example.org"}, "email", "not an email"),
    ("email-no-tld", {"email": "ada@localhost"}, "email", "domain"),
    ("email-ip-domain", {"email": "ada@127.0.0.1"}, "email", "domain"),
    ("email-trailing-dot", {"email": "ada@example.org."}, "email", "domain"),
    ("email-bad-label", {"email": "ada@-example.org"}, "email", "domain"),
    ("email-local-too-long", {"email": "a" * 65 + "@example.org"}, "email", "before @"),
    ("email-too-long", {"email": "a@" + "b" * 250 + ".org"}, "email", "too long"),
    ("email-newline", {"email": "ada@example.org\nBcc: x@y.z"}, "email", "control"),
    ("name-required", {"given_name": ""}, "given_name", "required"),
    ("name-too-long", {"given_name": "A" * 101}, "given_name", "too long"),
    ("name-control-char", {"given_name": "Ada\x00"}, "given_name", "control"),
    ("name-newline", {"given_name": "Ada\nLovelace"}, "given_name", "control"),
    ("name-bidi-override", {"family_name": "\u202eecalevol"}, "family_name", "control"),
    ("name-lone-surrogate", {"family_name": "\ud800"}, "family_name", "control"),
    ("name-number", {"family_name": 42}, "family_name", "must be text"),
    ("requester-unknown", {"requester_type": "lawyer"}, "requester_type", "self or agent"),
    ("requester-missing", {"requester_type": None}, "requester_type", "required"),
    ("message-too-long", {"message": "x" * 5001}, "message", "too long"),
    ("message-escape-char", {"message": "hi \x1b[31m"}, "message", "control"),
    ("field-turned-off", {"customer_reference": "C-1"}, "customer_reference", "not accepted"),
    ("unknown-field", {"password": "x"}, "", "1 unknown field"),
    ("custom-not-object", {"custom": "x"}, "custom", "must be an object"),
    ("custom-unknown", {"custom": {"country": "fr", "age": "9"}}, "custom", "1 unknown field"),
    (
        "custom-too-long",
        {"custom": {"country": "fr", "order_number": "1" * 13}},
        "custom.order_number",
        "too long",
    ),
    ("custom-select-other", {"custom": {"country": "de"}}, "custom.country", "not one of"),
    ("custom-required", {"custom": {}}, "custom.country", "required"),
    ("language-unknown", {"language": "xx"}, "language", "must be one of"),
]


@pytest.mark.parametrize(
    ("change", "field", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_each_rule_names_its_field(change: dict[str, Any], field: str, message: str) -> None:
    body = {**GOOD, **change}
    with pytest.raises(InvalidPayload) as exc:
        validate_submission(body, CONFIG)
    assert_typed(exc.value.errors)
    errors = {e["field"]: e["message"] for e in exc.value.errors}
    assert field in errors, errors
    assert message in errors[field]
    assert len(errors) == 1, errors
    # What was sent is never echoed: it may be personal data, and errors end up in logs.
    for value in change.values():
        if isinstance(value, str) and len(value) > 3:
            assert value not in str(exc.value.to_problem())


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidPayload) as exc:
        validate_submission({"email": "nope", "given_name": "", "custom": {}}, CONFIG)
    fields = {e["field"] for e in exc.value.errors}
    assert fields == {"type", "email", "given_name", "requester_type", "custom.country"}
    assert exc.value.to_problem()["code"] == "invalid_payload"


def test_references_are_readable_and_unguessable() -> None:
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    assert all(REFERENCE.match(r) for r in refs)
    used = set("".join(r[3:].replace("-", "") for r in refs))
    assert not used & set("01ILOU")
    assert len(used) == 30  # the whole alphabet is in use


UTC0 = datetime(2026, 1, 31, 23, 59, tzinfo=UTC)
DEADLINES = [
    ("gdpr-same-day-next-month", "gdpr", datetime(2026, 3, 15, 9, tzinfo=UTC), date(2026, 4, 15)),
    ("gdpr-31-jan-to-end-feb", "gdpr", UTC0, date(2026, 2, 28)),
    ("gdpr-leap-year", "gdpr", datetime(2028, 1, 30, tzinfo=UTC), date(2028, 2, 29)),
    ("gdpr-december", "gdpr", datetime(2026, 12, 20, tzinfo=UTC), date(2027, 1, 20)),
    ("other-like-gdpr", "other", datetime(2026, 5, 31, tzinfo=UTC), date(2026, 6, 30)),
    ("ccpa-45-days", "ccpa", datetime(2026, 3, 15, tzinfo=UTC), date(2026, 4, 29)),
    ("ccpa-over-year-end", "ccpa", datetime(2026, 12, 1, tzinfo=UTC), date(2027, 1, 15)),
]


@pytest.mark.parametrize(
    ("regime", "received", "expected"), [d[1:] for d in DEADLINES], ids=[d[0] for d in DEADLINES]
)
def test_respond_by(regime: str, received: datetime, expected: date) -> None:
    assert respond_by(regime, received) == expected


# The codes the rights form decides by (it shows its own text in the visitor's language).
CODES = [
    ("type-missing", {"type": ""}, "type", "missing_field"),
    ("type-not-offered", {"type": "gdpr_portability"}, "type", "not_an_option"),
    ("name-too-long", {"given_name": "A" * 101}, "given_name", "value_too_long"),
    ("email-no-tld", {"email": "ada@localhost"}, "email", "invalid_email"),
    ("email-too-long", {"email": "a@" + "b" * 250 + ".org"}, "email", "value_too_long"),
    ("name-control", {"given_name": "Ada\x00"}, "given_name", "control_characters"),
    ("name-number", {"family_name": 42}, "family_name", "invalid_field_type"),
    ("unknown-field", {"password": "x"}, "", "unknown_field"),
    ("custom-option", {"custom": {"country": "de"}}, "custom.country", "not_an_option"),
    ("custom-required", {"custom": {}}, "custom.country", "missing_field"),
]


@pytest.mark.parametrize(
    ("change", "field", "code"), [c[1:] for c in CODES], ids=[c[0] for c in CODES]
)
def test_each_problem_carries_a_stable_code(change: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(InvalidPayload) as exc:
        validate_submission({**GOOD, **change}, CONFIG)
    assert {e["field"]: e["code"] for e in exc.value.errors} == {field: code}
