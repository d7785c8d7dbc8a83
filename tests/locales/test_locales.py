"""The built-in locales: complete, translated, placeholders kept, directions, negotiation."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gateway import locales
from gateway.app import create_app
from gateway.portal.mails import CodeMail
from tests.gwclient import SITE, settings_for, stored_key

EU_OFFICIAL = [
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "fi",
    "fr",
    "ga",
    "hr",
    "hu",
    "it",
    "lt",
    "lv",
    "mt",
    "nl",
    "pl",
    "pt",
    "ro",
    "sk",
    "sl",
    "sv",
]
OTHERS = [
    "nb",
    "is",
    "ca",
    "eu",
    "gl",
    "cy",
    "sr",
    "bs",
    "sq",
    "mk",
    "uk",
    "ru",
    "tr",
    "ar",
    "he",
    "hi",
    "ja",
    "ko",
    "zh-Hans",
    "zh-Hant",
    "th",
    "vi",
    "id",
    "pt-BR",
]
RTL = {"ar", "he"}
TAGS = locales.available_locales()
NON_ENGLISH = [t for t in TAGS if t != "en"]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# Words that stay English in some languages ("Marketing", "Services" in French); more than this
# many texts equal to English means a file was copied and not translated.
MAX_SAME_AS_ENGLISH = 4


def every_text(tag: str) -> dict[str, str]:
    """All of a locale's texts, flat: ``consent.title``, ``rights.err.email``, ``categories.…``."""
    out = {f"consent.{k}": v for k, v in locales.texts("consent", tag).items()}
    out |= {f"rights.{k}": v for k, v in locales.texts("rights", tag).items()}
    out |= {f"requester.{k}": v for k, v in locales.texts("requester", tag).items()}
    for cid, texts in locales.category_texts(tag).items():
        out |= {f"categories.{cid}.{k}": v for k, v in texts.items()}
    return out


ENGLISH = every_text("en")


def test_the_promised_locales_are_built_in() -> None:
    assert set(EU_OFFICIAL) | set(OTHERS) <= set(TAGS)
    assert len(TAGS) >= 45
    assert TAGS[0] == "en"


@pytest.mark.parametrize("tag", NON_ENGLISH, ids=NON_ENGLISH)
def test_every_english_text_is_translated_with_its_placeholders(tag: str) -> None:
    texts = every_text(tag)
    assert set(texts) == set(ENGLISH)
    assert [key for key, text in texts.items() if not text.strip()] == []
    for key, english in ENGLISH.items():
        assert sorted(PLACEHOLDER.findall(texts[key])) == sorted(PLACEHOLDER.findall(english)), key
    same = [key for key, english in ENGLISH.items() if texts[key] == english]
    assert len(same) <= MAX_SAME_AS_ENGLISH, f"{tag} leaves {same} in English"


def test_english_placeholders_are_the_ones_the_widgets_fill() -> None:
    found = {p for text in ENGLISH.values() for p in PLACEHOLDER.findall(text)}
    # {service}: the click-to-load placeholder's texts (static/src/consent-extras.js); {email}:
    # the code step's; {mb}: the agent's document limit (static/src/rights-answer.js);
    # {reference}, {site}, {days}, {status}: the requester's e-mails; {reason} and {size}: the
    # requester's space; {agent} and {agent_email}: the data subject's e-mail and page.
    widgets = {"{max}", "{minutes}", "{date}", "{service}", "{email}", "{mb}"}
    requester = {"{reference}", "{site}", "{days}", "{status}", "{reason}", "{size}"}
    requester |= {"{agent}", "{agent_email}"}
    assert found == widgets | requester


@pytest.mark.parametrize("tag", TAGS, ids=TAGS)
def test_direction(tag: str) -> None:
    assert locales.direction(tag) == ("rtl" if tag in RTL else "ltr")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("ar-EG", "rtl"),
        ("fa", "rtl"),
        ("ur-PK", "rtl"),
        ("az-Arab", "rtl"),
        ("iw", "rtl"),
        ("sw", "ltr"),
        ("az-Latn", "ltr"),
    ],
    ids=[
        "region-of-built-in",
        "persian",
        "urdu",
        "arabic-script",
        "old-hebrew-code",
        "swahili",
        "latin-script",
    ],
)
def test_direction_of_tags_without_a_file(tag: str, expected: str) -> None:
    assert locales.direction(tag) == expected


NEGOTIATION = [
    ("exact", ["pt-BR"], "pt-BR"),
    ("case-insensitive", ["PT-br"], "pt-BR"),
    ("underscore", ["pt_BR"], "pt-BR"),
    ("region-to-primary", ["fr-CA"], "fr"),
    ("portugal", ["pt-PT"], "pt"),
    ("brazil-region-kept", ["pt-BR", "pt"], "pt-BR"),
    ("mainland-china", ["zh-CN"], "zh-Hans"),
    ("singapore", ["zh-SG"], "zh-Hans"),
    ("taiwan", ["zh-TW"], "zh-Hant"),
    ("hong-kong", ["zh-HK"], "zh-Hant"),
    ("macau", ["zh-MO"], "zh-Hant"),
    ("bare-chinese", ["zh"], "zh-Hans"),
    ("script-and-region", ["zh-Hant-TW"], "zh-Hant"),
    ("script-lower-case", ["zh-hans"], "zh-Hans"),
    ("norwegian", ["no"], "nb"),
    ("nynorsk", ["nn-NO"], "nb"),
    ("bokmal-region", ["nb-NO"], "nb"),
    ("old-hebrew", ["iw-IL"], "he"),
    ("old-indonesian", ["in"], "id"),
    ("serbo-croatian", ["sh"], "sr"),
    ("serbian-latin", ["sr-Latn-RS"], "sr"),
    ("private-use-dropped", ["de-x-formal"], "de"),
    ("first-known-wins", ["sw", "tlh", "ja-JP", "en"], "ja"),
    ("order-kept", ["it", "fr"], "it"),
    ("nothing-known", ["sw", "am"], "en"),
    ("empty-candidates", [], "en"),
    ("garbage", ["", "-", "x-", "*"], "en"),
]


@pytest.mark.parametrize(
    ("candidates", "expected"), [c[1:] for c in NEGOTIATION], ids=[c[0] for c in NEGOTIATION]
)
def test_negotiate(candidates: list[str], expected: str) -> None:
    assert locales.negotiate(candidates, "en") == expected


def test_negotiate_among_a_configs_own_languages() -> None:
    among = {*TAGS, "fr-ca", "sw"}
    assert locales.negotiate(["fr-CA"], "en", among=among) == "fr-ca"
    assert locales.negotiate(["sw-KE"], "en", among=among) == "sw"
    assert locales.negotiate(["zh-TW"], "de", among={"en", "de"}) == "de"


def test_texts_of_an_unknown_locale_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        locales.texts("consent", "tlh")


def test_the_data_files_are_the_locales() -> None:
    folder = Path(locales.__file__).parent
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(TAGS)


# --- The config endpoints, in process ---------------------------------------------------------

ARABIC_CONSENT = {"default_language": "ar", "texts": {"ar": {"title": "خصوصيتك تهمنا"}}}


@pytest.fixture
def client(data_dir: Path) -> Iterator[tuple[TestClient, str]]:
    settings = settings_for(data_dir, key_cache_ttl=0.0)
    key = stored_key(
        settings, consent_config=ARABIC_CONSENT, rights_config={"default_language": "ar"}
    )
    with TestClient(create_app(settings), client=("198.51.100.23", 40000)) as c:
        yield c, key.key.public_key


def get(client: tuple[TestClient, str], path: str, **headers: str) -> Mapping[str, object]:
    c, pk = client
    r = c.get(f"/v1/{pk}/{path}", headers={"Origin": SITE, **headers})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "lang", ["ar-EG", "sw"], ids=["visitor-asks-arabic", "unknown-falls-to-the-keys-default"]
)
def test_consent_config_answers_arabic_right_to_left(
    client: tuple[TestClient, str], lang: str
) -> None:
    body = get(client, f"consent/config?lang={lang}")
    assert (body["lang"], body["dir"]) == ("ar", "rtl")
    texts = body["texts"]
    assert isinstance(texts, dict)
    assert texts["title"] == "خصوصيتك تهمنا"  # the key's own text…
    assert texts["accept_all"] == "قبول الكل"  # …and the built-in Arabic for the rest
    assert texts["reject_all"] == "رفض الكل"
    categories = body["categories"]
    assert isinstance(categories, list) and categories[0]["title"] == "ضرورية للغاية"


def test_consent_config_for_another_language_is_left_to_right(
    client: tuple[TestClient, str],
) -> None:
    body = get(client, "consent/config?lang=zh-TW")
    assert (body["lang"], body["dir"]) == ("zh-Hant", "ltr")


@pytest.mark.parametrize(
    ("query", "headers", "lang", "direction"),
    [
        ("", {}, "ar", "rtl"),
        ("", {"Accept-Language": "he-IL,he;q=0.9,en;q=0.5"}, "he", "rtl"),
        ("?lang=pt-BR", {"Accept-Language": "ar"}, "pt-BR", "ltr"),
    ],
    ids=["keys-default", "browser-languages", "page-language-first"],
)
def test_rights_config_answers_the_language_and_its_direction(
    client: tuple[TestClient, str], query: str, headers: dict[str, str], lang: str, direction: str
) -> None:
    body = get(client, f"rights/config{query}", **headers)
    assert (body["language"], body["dir"]) == (lang, direction)
    texts = body["texts"]
    assert isinstance(texts, dict)
    assert texts["submit"] == locales.texts("rights", lang)["submit"]


# --- The requester's e-mails ------------------------------------------------------------------


def code_mail(language: str) -> CodeMail:
    return CodeMail(
        to="visitor@example.org",
        language=language,
        reference="RR-7K2M9Q",
        origin="https://shop.example",
        code="123456",
        link="https://gateway.example/portal/#verify=t",
        minutes=10,
        days=7,
    )


@pytest.mark.parametrize("tag", TAGS, ids=TAGS)
def test_the_code_mail_is_written_in_the_requests_language(tag: str) -> None:
    mail = code_mail(tag).mail()
    texts = locales.texts("requester", tag)
    assert mail.subject == texts["mail.code.subject"].format(reference="RR-7K2M9Q")
    assert texts["mail.code.intro"].format(site="shop.example") in mail.text
    assert f'lang="{tag}" dir="{locales.direction(tag)}"' in mail.html


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("zh-TW", "zh-Hant"), ("pt-BR", "pt-BR"), ("de-CH", "de"), ("nn", "nb"), ("sw", "en")],
)
def test_a_regional_or_unknown_tag_mails_in_the_nearest_built_in_language(
    tag: str, expected: str
) -> None:
    assert code_mail(tag).mail().language == expected
