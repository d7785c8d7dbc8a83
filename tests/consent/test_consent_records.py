"""Consent records and receipts: strict validation, what is kept, signing and verification."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.consent.choice import ConsentChoice
from gateway.consent.config import parse_config
from gateway.consent.receipts import issue, verify
from gateway.consent.record_ids import canonical_json, stable_record_id
from gateway.consent.records import build_record, parse_choice
from gateway.errors import InvalidPayload
from gateway.signing import Signing
from tests.support.problems import assert_typed

ORIGIN = "https://shop.example"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
CONFIG = parse_config(
    {
        "categories": [
            {"id": "necessary", "required": True},
            {"id": "analytics", "services": [{"id": "matomo", "name": "Matomo"}]},
            {"id": "marketing", "gpc": True},
        ]
    }
)


def body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "consent_id": "0f3a9c1d2e4b5a6978",
        "action": "custom",
        "categories": {"necessary": True, "analytics": True, "marketing": False},
        "services": {"matomo": True},
        "policy_version": "3",
        "language": "fr",
        "gpc": True,
        "page_url": "https://shop.example/cart?email=ann%40mail.example#pay",
        "given_at": "2025-03-01T11:59:58.000Z",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def record(**changes: Any) -> Any:
    choice = parse_choice(body(**changes), CONFIG, ORIGIN, now=NOW)
    return build_record(
        choice,
        public_key="pk_a",
        account="acct",
        origin=ORIGIN,
        client_ip="203.0.113.0",
        user_agent="Mozilla/5.0 " + "x" * 500,
        id_secret="s" * 40,
    )


def test_a_record_sent_again_keeps_its_id_and_others_do_not_share_it() -> None:
    first = record(record_key="k-12345678")
    again = record(record_key="k-12345678")
    other = record(record_key="k-87654321")
    assert first.record_id == again.record_id
    assert other.record_id != first.record_id
    assert record().record_id != record().record_id  # without a key: a fresh id each time
    assert first.record_id.startswith("cr_")


def test_record_keeps_the_choice_and_drops_query_and_fragment() -> None:
    r = record()
    assert r.page_url == "https://shop.example/cart"
    assert dict(r.categories) == {"necessary": True, "analytics": True, "marketing": False}
    assert (r.action, r.gpc, r.policy_version, r.language) == ("custom", True, "3", "fr")
    assert r.given_at == "2025-03-01T11:59:58Z"
    assert len(r.user_agent) == 300
    assert r.record_id.startswith("cr_")
    assert "ann" not in str(r.to_json())


def test_missing_categories_count_as_refused_and_required_as_given() -> None:
    r = record(categories={"analytics": True}, services={})
    assert dict(r.categories) == {"necessary": True, "analytics": True, "marketing": False}
    assert dict(r.services) == {"matomo": False}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"extra": 1}, ""),  # made-up names are counted at their object, never named
        ({"consent_id": None}, "consent_id"),
        ({"consent_id": "short"}, "consent_id"),
        ({"action": "maybe"}, "action"),
        ({"categories": {"social": True}}, "categories"),
        ({"categories": {"analytics": "yes"}}, "categories.analytics"),
        ({"categories": {"necessary": False}}, "categories.necessary"),
        ({"services": {"ga": True}}, "services"),
        ({"action": "reject_all"}, "action"),
        ({"gpc": "1"}, "gpc"),
        ({"page_url": "https://evil.example/"}, "page_url"),
        ({"page_url": "javascript:alert(1)"}, "page_url"),
        ({"page_url": "https://shop.example/" + "a" * 3000}, "page_url"),
        ({"given_at": "2019-01-01T00:00:00Z"}, "given_at"),
        ({"given_at": "yesterday"}, "given_at"),
        ({"policy_version": "x" * 41}, "policy_version"),
    ],
    ids=[
        "unknown-field",
        "no-consent-id",
        "short-consent-id",
        "action",
        "unknown-category",
        "non-bool",
        "necessary-refused",
        "unknown-service",
        "reject-with-consent",
        "gpc-type",
        "other-origin",
        "not-http",
        "url-too-long",
        "too-old",
        "not-a-time",
        "version-size",
    ],
)
def test_invalid_records_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidPayload) as caught:
        parse_choice(body(**changes), CONFIG, ORIGIN, now=NOW)
    assert field in [e["field"] for e in caught.value.errors]
    assert_typed(caught.value.errors)


def test_receipt_verifies_for_its_key_only_and_survives_rotation() -> None:
    old = Signing(["o" * 40])
    receipt = issue(old, record())
    rotated = Signing(["n" * 40, "o" * 40])
    check = verify(rotated, receipt, "pk_a")
    assert check.valid
    assert check.record is not None
    assert check.record["categories"]["analytics"] is True
    assert "client_ip" not in check.record
    assert verify(rotated, receipt, "pk_b").reason == "other_key"
    tampered = receipt[:-3] + ("AAA" if not receipt.endswith("AAA") else "BBB")
    assert verify(rotated, tampered, "pk_a").reason == "bad_signature"
    assert verify(Signing(["n" * 40]), receipt, "pk_a").reason == "bad_signature"
    assert verify(rotated, "nonsense", "pk_a").valid is False


def test_two_different_choices_under_one_record_key_get_different_ids() -> None:
    """Same consent_id and record_key, different content: the second is not a duplicate."""
    accepted = record(record_key="k-12345678", categories={"analytics": True})
    refused = record(record_key="k-12345678", categories={"analytics": False})
    retried = record(record_key="k-12345678", categories={"analytics": True})
    assert accepted.record_id != refused.record_id
    assert accepted.record_id == retried.record_id


@pytest.mark.parametrize(
    ("changes", "categories", "services"),
    [
        (
            {"gpc": False, "categories": {}, "services": {}},
            {"necessary": True, "analytics": True, "marketing": True},
            {"matomo": True},
        ),
        (
            {"gpc": True, "categories": {"analytics": True, "marketing": False}},
            {"necessary": True, "analytics": True, "marketing": False},
            {"matomo": True},
        ),
    ],
    ids=["missing-filled-in", "gpc-keeps-sale-off"],
)
def test_accept_all_turns_every_category_on(
    changes: dict[str, Any], categories: dict[str, bool], services: dict[str, bool]
) -> None:
    r = record(action="accept_all", **changes)
    assert dict(r.categories) == categories
    assert dict(r.services) == services


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"gpc": False, "categories": {"analytics": False}}, "categories.analytics"),
        ({"gpc": False, "categories": {"marketing": False}}, "categories.marketing"),
        ({"gpc": True, "services": {"matomo": False}}, "services.matomo"),
    ],
    ids=["optional-off", "gpc-category-off-without-gpc", "service-off"],
)
def test_accept_all_contradicted_by_its_map_is_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidPayload) as caught:
        record(action="accept_all", **changes)
    assert field in {e["field"] for e in caught.value.errors}


def test_a_receipt_verifies_in_one_spelling_only() -> None:
    """Unpadded base64 has spare bits: respelt receipts decode alike but must not verify."""
    from itsdangerous.encoding import base64_decode, base64_encode

    signing = Signing(["s" * 40])
    receipt = issue(signing, record())
    assert verify(signing, receipt, "pk_a").valid
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    parts = receipt.split(".")
    respelt = []
    for i, part in enumerate(parts):
        for char in alphabet if len(part) > 1 else ():
            other = part[:-1] + char
            if other != part and base64_decode(other) == base64_decode(part):
                respelt.append(".".join([*parts[:i], other, *parts[i + 1 :]]))
    assert respelt, "no spare bits in this receipt's parts"
    assert base64_encode(base64_decode(parts[-1])).decode() == parts[-1]
    assert all(verify(signing, r, "pk_a").reason == "malformed" for r in respelt)


CHOICE_TEXT = st.text(st.characters(codec=None, categories=None), max_size=12)


@settings(max_examples=300)
@given(
    st.dictionaries(
        CHOICE_TEXT,
        st.one_of(
            CHOICE_TEXT, st.booleans(), st.none(), st.dictionaries(CHOICE_TEXT, st.booleans())
        ),
        max_size=6,
    )
)
def test_record_ids_hash_the_canonical_form_they_always_hashed(content: dict[str, Any]) -> None:
    # Any text a visitor can send: ASCII, accents, DEL, control characters, lone surrogates.
    expected = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    assert canonical_json(content) == expected.encode()


def test_a_record_keeps_the_id_earlier_releases_gave_it() -> None:
    # Ids derived by earlier releases: a record sent again after an upgrade stays one record.
    plain = ConsentChoice(
        "0f3a9c1d2e4b5a6978", "custom", {"necessary": True, "analytics": False},
        {"matomo": True}, "3", "fr", True, "https://shop.example/cart", None, "rk1",
    )  # fmt: skip
    accented = ConsentChoice(
        "0f3a9c1d2e4b5a6978", "custom", {"nécessaire": True, "analytics": False},
        {"matomo": True}, "3", "fr", False, "https://boutique.example/panier-été",
        "2025-03-01T11:59:58.000Z", "rk1", None, "eu",
    )  # fmt: skip
    assert stable_record_id("s3cret", "pk_test", plain) == "cr_4ff6b4dc98c0cb012641f093b822"
    assert stable_record_id("s3cret", "pk_test", accented) == "cr_87d844064d1badbf77cd005fdf67"
