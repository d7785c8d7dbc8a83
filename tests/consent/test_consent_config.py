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
        ({"colour": "red"}, "colour"),
        ({"lifetime_days": 900}, "lifetime_days"),
        ({"policy_version": "v 2"}, "policy_version"),
        ({"theme": {"accent": "blue"}}, "theme.accent"),
        ({"categories": [{"id": "a"}, {"id": "a"}]}, "categories.1.id"),
        ({"categories": [{"id": "x", "consent_mode": ["cookies"]}]}, "categories.0.consent_mode"),
        ({"texts": {"en": {"titel": "x"}}}, "texts.en.titel"),
        ({"cookie_name": "a;b"}, "cookie_name"),
        (
            {
                "categories": [
                    {"id": "a", "services": [{"id": "s", "name": "S", "cookies": ["a b"]}]}
                ]
            },
            "categories.0.services.0.cookies.0.name",
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
    # The hosts stay on the gateway; the names go to the widget, for the cookie declaration.
    assert resolve(config, ["en"])["categories"][0]["services"] == [
        {
            "id": "ga",
            "name": "Google Analytics",
            "description": "",
            "cookies": [{"name": "_ga"}, {"name": "_ga_*"}],
        }
    ]


def declaring(*cookies: Any) -> dict[str, Any]:
    service = {"id": "yt", "name": "YouTube", "cookies": list(cookies)}
    return {"categories": [{"id": "marketing", "services": [service]}]}


def test_declared_cookies_carry_their_texts_in_the_visitors_language() -> None:
    config = parse_config(
        declaring(
            {
                "name": "VISITOR_INFO1_LIVE",
                "provider": "Google",
                "purpose": {"en": "Estimates bandwidth", "fr": "Estime la bande passante"},
                "duration": {"en": "6 months", "de": "6 Monate"},
            },
            "YSC",
        )
    )
    service = config.categories[0].services[0]
    assert service.cookies == ("VISITOR_INFO1_LIVE", "YSC")  # what the scanner and withdraw use
    [cookies] = [s["cookies"] for s in resolve(config, ["fr"])["categories"][0]["services"]]
    assert cookies == [
        # French where given; one provider for every language; English where French is missing
        {
            "name": "VISITOR_INFO1_LIVE",
            "provider": "Google",
            "purpose": "Estime la bande passante",
            "duration": "6 months",
        },
        {"name": "YSC"},
    ]
    german = resolve(config, ["de"])["categories"][0]["services"][0]["cookies"][0]
    assert german["duration"] == "6 Monate" and german["purpose"] == "Estimates bandwidth"


@pytest.mark.parametrize(
    ("cookies", "field", "code"),
    [
        ([{"provider": "Google"}], "categories.0.services.0.cookies.0.name", "missing_field"),
        ([{"name": "a b"}], "categories.0.services.0.cookies.0.name", "invalid_format"),
        (["_ga", {"name": "_ga"}], "categories.0.services.0.cookies.1.name", "duplicate_entry"),
        (
            [{"name": "_ga", "expires": "1y"}],
            "categories.0.services.0.cookies.0.expires",
            "unknown_field",
        ),
        (
            [{"name": "_ga", "purpose": 3}],
            "categories.0.services.0.cookies.0.purpose",
            "invalid_field_type",
        ),
        (
            [{"name": "_ga", "purpose": {"EN!": "x"}}],
            "categories.0.services.0.cookies.0.purpose.EN!",
            "invalid_format",
        ),
        (
            [{"name": "_ga", "duration": {"en": "x" * 301}}],
            "categories.0.services.0.cookies.0.duration.en",
            "value_too_long",
        ),
        ([7], "categories.0.services.0.cookies.0", "invalid_field_type"),
        ([f"c{i}" for i in range(31)], "categories.0.services.0.cookies", "too_many_entries"),
        ("_ga", "categories.0.services.0.cookies", "invalid_field_type"),
    ],
    ids=[
        "no-name",
        "bad-name",
        "twice",
        "unknown",
        "purpose-type",
        "bad-language",
        "too-long",
        "number",
        "too-many",
        "not-a-list",
    ],
)
def test_a_bad_cookie_declaration_is_refused_with_a_typed_problem(
    cookies: Any, field: str, code: str
) -> None:
    with pytest.raises(InvalidPayload) as caught:
        parse_config(
            declaring(*cookies)
            if isinstance(cookies, list)
            else {
                "categories": [
                    {
                        "id": "marketing",
                        "services": [{"id": "yt", "name": "YouTube", "cookies": cookies}],
                    }
                ]
            }
        )
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in caught.value.errors
    ]
