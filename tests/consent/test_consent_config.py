"""The consent config: defaults, validation of stored configs, language resolution."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.consent.config import parse_config, parse_languages, resolve
from gateway.errors import InvalidPayload
from tests.support.problems import assert_typed


def test_defaults_give_four_categories_with_only_necessary_required() -> None:
    widget = resolve(parse_config(None), ["en"])
    assert [c["id"] for c in widget["categories"]] == [
        "necessary",
        "functional",
        "analytics",
        "marketing",
    ]
    assert [c["required"] for c in widget["categories"]] == [True, False, False, False]
    marketing = widget["categories"][3]
    assert marketing["gpc"] is True
    assert marketing["consent_mode"] == ["ad_storage", "ad_user_data", "ad_personalization"]
    assert widget["lifetime_days"] == 182
    assert widget["texts"]["reject_all"] == "Reject all"


@pytest.mark.parametrize(
    ("wanted", "lang", "reject"),
    [
        (["fr-ca", "en"], "fr", "Tout refuser"),
        (["de"], "de", "Alle ablehnen"),
        (["sw", "de-at"], "de", "Alle ablehnen"),
        (["sw"], "en", "Reject all"),
        ([], "en", "Reject all"),
    ],
    ids=["region-falls-to-primary", "exact", "second-choice", "unknown", "none"],
)
def test_language_is_the_first_the_config_speaks(wanted: list[str], lang: str, reject: str) -> None:
    widget = resolve(parse_config(None), wanted)
    assert (widget["lang"], widget["texts"]["reject_all"]) == (lang, reject)


def test_site_texts_override_builtins_and_fall_back_per_text() -> None:
    config = parse_config(
        {
            "default_language": "de",
            "texts": {"sw": {"title": "Faragha yako"}, "de": {"title": "Privatsphäre"}},
            "categories": [
                {"id": "necessary", "required": True},
                {
                    "id": "video",
                    "texts": {"de": {"title": "Videos", "description": "YouTube"}},
                    "services": [{"id": "youtube", "name": "YouTube"}],
                },
            ],
        }
    )
    widget = resolve(config, parse_languages("sw-KE,en"))
    assert widget["lang"] == "sw"
    assert widget["texts"]["title"] == "Faragha yako"
    # No Swahili text for the button, here or built in: the config's default language, German.
    assert widget["texts"]["accept_all"] == "Alle akzeptieren"
    assert widget["categories"][1]["title"] == "Videos"
    assert widget["categories"][1]["services"] == [
        {"id": "youtube", "name": "YouTube", "description": ""}
    ]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"colour": "red"}, ""),  # a made-up name is counted, never named
        ({"lifetime_days": 900}, "lifetime_days"),
        ({"policy_version": "v 2"}, "policy_version"),
        ({"theme": {"accent": "blue"}}, "theme.accent"),
        ({"categories": [{"id": "a"}, {"id": "a"}]}, "categories.1.id"),
        ({"categories": [{"id": "x", "consent_mode": ["cookies"]}]}, "categories.0.consent_mode"),
        ({"texts": {"en": {"titel": "x"}}}, "texts.en"),
        ({"cookie_name": "a;b"}, "cookie_name"),
        (
            {
                "categories": [
                    {"id": "a", "services": [{"id": "s", "name": "S", "cookies": ["a b"]}]}
                ]
            },
            "categories.0.services.0.cookies",
        ),
        (
            {
                "categories": [
                    {"id": "a", "services": [{"id": "s", "name": "S", "hosts": ["A.com"]}]}
                ]
            },
            "categories.0.services.0.hosts",
        ),
        (
            {"categories": [{"id": "a", "services": [{"id": "s", "name": "S", "hosts": "x.com"}]}]},
            "categories.0.services.0.hosts",
        ),
    ],
    ids=[
        "unknown-field",
        "lifetime",
        "version",
        "accent",
        "duplicate-id",
        "consent-mode",
        "unknown-text",
        "cookie-name",
        "declared-cookie-with-space",
        "declared-host-upper-case",
        "declared-hosts-not-a-list",
    ],
)
def test_invalid_configs_are_refused_naming_the_field(config: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidPayload) as caught:
        parse_config(config)
    assert field in [e["field"] for e in caught.value.errors]
    assert_typed(caught.value.errors)


def test_a_listed_built_in_category_keeps_its_defaults() -> None:
    """Listing marketing to add a service keeps its GPC flag and Consent Mode types."""
    from gateway.consent.config import parse_config as parse

    config = parse(
        {
            "categories": [
                {"id": "necessary"},
                {"id": "analytics", "services": [{"id": "matomo", "name": "Matomo"}]},
                {"id": "marketing", "services": [{"id": "ads", "name": "Ads"}]},
                {"id": "functional", "consent_mode": ["functionality_storage"], "gpc": True},
            ]
        }
    )
    by_id = {c.id: c for c in config.categories}
    assert by_id["necessary"].required is True
    assert by_id["analytics"].consent_mode == ("analytics_storage",)
    assert by_id["marketing"].gpc is True
    assert by_id["marketing"].consent_mode == ("ad_storage", "ad_user_data", "ad_personalization")
    # What the config sets wins.
    assert by_id["functional"].consent_mode == ("functionality_storage",)
    assert by_id["functional"].gpc is True


def test_a_configs_language_tags_match_the_built_in_ones_in_any_case() -> None:
    # The config writes tags in lower case ("pt-br"); the built-in locale is "pt-BR".
    config = parse_config({"texts": {"pt-br": {"title": "Sua privacidade"}}})
    widget = resolve(config, parse_languages("pt-BR"))
    assert widget["texts"]["title"] == "Sua privacidade"
    assert widget["texts"]["reject_all"] == "Rejeitar todos"


def test_a_language_only_the_config_speaks_borrows_the_nearest_built_in_texts() -> None:
    config = parse_config({"texts": {"fr-ca": {"title": "Votre vie privée"}}})
    widget = resolve(config, parse_languages("fr-CA"))
    assert widget["lang"] == "fr-ca"
    assert widget["texts"]["title"] == "Votre vie privée"
    assert widget["texts"]["reject_all"] == "Tout refuser"


def test_services_may_declare_their_cookies_and_hosts_which_the_widget_is_not_sent() -> None:
    service = {
        "id": "ga",
        "name": "Google Analytics",
        "cookies": ["_ga", "_ga_*"],
        "hosts": ["google-analytics.com", "www.googletagmanager.com"],
    }
    config = parse_config({"categories": [{"id": "analytics", "services": [service]}]})
    parsed = config.categories[0].services[0]
    assert parsed.cookies == ("_ga", "_ga_*")
    assert parsed.hosts == ("google-analytics.com", "www.googletagmanager.com")
    # The banner needs neither: its config answer stays as small as before.
    assert resolve(config, ["en"])["categories"][0]["services"] == [
        {"id": "ga", "name": "Google Analytics", "description": ""}
    ]
