"""A key's rights form config: checked when saved, rendered per language."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.errors import InvalidPayload
from gateway.rights.config import (
    REQUEST_TYPES,
    parse_rights_config,
    public_config,
    resolve_language,
)
from gateway.rights.texts import TEXTS
from tests.support.problems import assert_typed


def test_the_default_form_offers_gdpr_types_and_every_field() -> None:
    out = public_config(parse_rights_config(None), "en")
    type_field, *rest = out["fields"]
    assert [o["value"] for o in type_field["options"]][:2] == ["gdpr_access", "gdpr_rectification"]
    assert "ccpa_know" not in [o["value"] for o in type_field["options"]]
    assert [f["id"] for f in rest] == [
        "email",
        "given_name",
        "family_name",
        "customer_reference",
        "requester_type",
        "message",
    ]
    assert rest[0]["required"] is True and rest[0]["label"] == "Email address"


def test_config_choices_and_languages_show_in_the_form() -> None:
    config = parse_rights_config(
        {
            "types": ["ccpa_know", "ccpa_opt_out"],
            "fields": {"message": "off", "family_name": "required"},
            "custom_fields": [
                {
                    "id": "store",
                    "type": "select",
                    "label": {"en": "Store", "de": "Filiale"},
                    "options": [{"value": "b", "label": {"en": "Berlin"}}],
                },
            ],
            "texts": {"de": {"title": "Ihre Rechte"}},
        }
    )
    out = public_config(config, "de")
    ids = [f["id"] for f in out["fields"]]
    assert "message" not in ids and ids[-1] == "store"
    store = out["fields"][-1]
    assert store["label"] == "Filiale" and store["options"] == [{"value": "b", "label": "Berlin"}]
    assert out["texts"]["title"] == "Ihre Rechte"
    assert out["texts"]["submit"] == "Anfrage senden"
    assert out["fields"][0]["options"][1]["label"].startswith("Dem Verkauf")


def test_every_language_has_every_text() -> None:
    for lang, texts in TEXTS.items():
        assert set(texts) == set(TEXTS["en"]), lang
    assert {f"type.{t}" for t in REQUEST_TYPES} <= set(TEXTS["en"])


BAD_CONFIGS: list[tuple[str, dict[str, Any], str]] = [
    (
        "policy-script",
        {"privacy_policy_url": "javascript:alert(1)"},
        "rights_config.privacy_policy_url",
    ),
    ("policy-relative", {"privacy_policy_url": "/privacy"}, "rights_config.privacy_policy_url"),
    ("unknown-setting", {"colour": "red"}, "rights_config"),
    ("empty-types", {"types": []}, "rights_config.types"),
    ("unknown-type", {"types": ["gdpr_access", "nope"]}, "rights_config.types"),
    ("unknown-field", {"fields": {"phone": "optional"}}, "rights_config.fields"),
    ("bad-mode", {"fields": {"message": "maybe"}}, "rights_config.fields.message"),
    ("email-off", {"fields": {"email": "off"}}, "rights_config.fields.email"),
    (
        "custom-clashes",
        {"custom_fields": [{"id": "email", "label": {"en": "E"}}]},
        "rights_config.custom_fields.0.id",
    ),
    ("custom-no-label", {"custom_fields": [{"id": "x"}]}, "rights_config.custom_fields.0.label"),
    (
        "custom-bad-type",
        {"custom_fields": [{"id": "x", "type": "file", "label": {"en": "X"}}]},
        "rights_config.custom_fields.0.type",
    ),
    (
        "select-no-options",
        {"custom_fields": [{"id": "x", "type": "select", "label": {"en": "X"}}]},
        "rights_config.custom_fields.0.options",
    ),
    ("bad-language", {"default_language": "tlh"}, "rights_config.default_language"),
    ("unknown-text", {"texts": {"en": {"nope": "x"}}}, "rights_config.texts.en"),
]


@pytest.mark.parametrize(
    ("raw", "field"), [b[1:] for b in BAD_CONFIGS], ids=[b[0] for b in BAD_CONFIGS]
)
def test_bad_configs_are_refused_with_the_setting_named(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidPayload) as exc:
        parse_rights_config(raw)
    assert field in [e["field"] for e in exc.value.errors]
    assert_typed(exc.value.errors)


LANGS = [
    ("query-wins", "de", "fr-FR,fr;q=0.9", "de"),
    ("query-region", "fr-CA", None, "fr"),
    ("query-unknown-falls-to-browser", "xx", "de-AT,de;q=0.8", "de"),
    ("browser-order", None, "sw-KE, fr;q=0.8, en;q=0.5", "fr"),
    ("browser-q-zero", None, "fr;q=0, de", "de"),
    ("nothing-known", None, "sw,am", "en"),
]


@pytest.mark.parametrize(
    ("query", "header", "expected"), [c[1:] for c in LANGS], ids=[c[0] for c in LANGS]
)
def test_resolve_language(query: str | None, header: str | None, expected: str) -> None:
    assert resolve_language(query, header) == expected


def test_the_form_links_the_owners_privacy_policy_and_says_what_happens_next() -> None:
    url = "https://shop.example/privacy"
    shown = public_config(parse_rights_config({"privacy_policy_url": url}), "fr")
    assert shown["privacy_policy_url"] == url
    assert "politique de confidentialité" in shown["texts"]["notice.policy"]
    assert "code" in shown["texts"]["notice.next"]
    assert "privacy_policy_url" not in public_config(parse_rights_config(None), "en")
