"""The widget editor's API: the built-in texts it shows as placeholders, drafts previewed as a
visitor would get them and checked as saving checks them (same problems, same pointers), and a
save that visitors get on their next config request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.accounts.helpers import ADMIN, Browser, Console, console_settings, open_console

SITE = "https://shop.example"
DRAFT: dict[str, Any] = {
    "consent_config": {
        "texts": {"fr": {"title": "Vos choix"}},
        "categories": [
            {"id": "necessary"},
            {
                "id": "marketing",
                "services": [
                    {
                        "id": "youtube",
                        "name": "YouTube",
                        "cookies": [{"name": "VISITOR_INFO1_LIVE", "provider": "Google"}],
                    }
                ],
            },
        ],
        "theme": {"position": "center", "accent": "#0b6e4f"},
    },
    "rights_config": {"types": ["gdpr_access", "ccpa_know"], "fields": {"message": "off"}},
}


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Console, str, Browser]]:
    with open_console(console_settings(tmp_path_factory.mktemp("editor"))) as console:
        account, owner = console.owner_of("Shop", "owner@shop.example")
        yield console, account, owner


def new_key(console: Console, account: str) -> str:
    r = console.client.post(
        "/admin/v1/keys",
        json={"account": account, "name": "Site", "origins": [SITE]},
        headers=ADMIN,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["public_key"])


def test_defaults_are_the_built_in_texts_of_the_language(
    opened: tuple[Console, str, Browser],
) -> None:
    _, _, owner = opened
    fr = owner.get("/console/api/widget-defaults?lang=fr").json()
    en = owner.get("/console/api/widget-defaults?lang=en").json()
    assert fr["consent"]["texts"]["accept_all"] == "Tout accepter"
    assert fr["consent"]["categories"]["marketing"]["title"] == "Marketing"
    assert fr["rights"]["texts"]["field.email"] != en["rights"]["texts"]["field.email"]
    assert "center" in fr["consent"]["positions"] and "ccpa_know" in fr["rights"]["types"]
    assert len(fr["languages"]) >= 45
    bad = owner.get("/console/api/widget-defaults?lang=xx-nope")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_query"


def test_a_draft_is_previewed_as_visitors_would_get_it_and_nothing_is_saved(
    opened: tuple[Console, str, Browser],
) -> None:
    console, account, owner = opened
    pk = new_key(console, account)
    path = f"/console/api/accounts/{account}/keys/{pk}"
    r = owner.post(path + "/preview", json={**DRAFT, "lang": "fr"})
    assert r.status_code == 200, r.text
    consent, rights = r.json()["consent"], r.json()["rights"]
    assert consent["texts"]["title"] == "Vos choix"
    assert consent["texts"]["accept_all"] == "Tout accepter"  # the built-in text, kept
    assert [c["id"] for c in consent["categories"]] == ["necessary", "marketing"]
    assert consent["categories"][1]["gpc"] is True  # a built-in category keeps its defaults
    assert consent["categories"][1]["services"][0]["cookies"][0]["provider"] == "Google"
    assert consent["theme"] == {"mode": "auto", "position": "center", "accent": "#0b6e4f"}
    types = next(f for f in rights["fields"] if f["id"] == "type")
    assert [o["value"] for o in types["options"]] == ["gdpr_access", "ccpa_know"]
    assert "message" not in {f["id"] for f in rights["fields"]}
    assert rights["language"] == "fr"
    assert owner.get(path).json()["consent_config"] is None  # a preview saves nothing


def test_draft_problems_point_where_saving_points(opened: tuple[Console, str, Browser]) -> None:
    console, account, owner = opened
    pk = new_key(console, account)
    path = f"/console/api/accounts/{account}/keys/{pk}"
    draft = {
        "consent_config": {
            "theme": {"accent": "blue"},
            "texts": {"fr": {"title": ""}},
            "categories": [{"id": "marketing", "services": [{"id": "yt", "name": ""}]}],
        },
        "rights_config": {"fields": {"email": "off"}},
    }
    previewed = owner.post(path + "/preview", json=draft)
    saved = owner.request("PATCH", path, json=draft)
    assert previewed.status_code == saved.status_code == 422
    pointers = [e["pointer"] for e in previewed.json()["errors"]]
    assert pointers == [e["pointer"] for e in saved.json()["errors"]]
    assert set(pointers) == {
        "/consent_config/theme/accent",
        "/consent_config/texts/fr/title",
        "/consent_config/categories/0/services/0/name",
        "/rights_config/fields/email",
    }
    # The rule on the key as a whole, too: the cookie domain must cover one of its origins.
    elsewhere = {"consent_config": {"cookie_domain": "elsewhere.example"}}
    for answer in (
        owner.post(path + "/preview", json=elsewhere),
        owner.request("PATCH", path, json=elsewhere),
    ):
        assert answer.status_code == 422
        assert [e["pointer"] for e in answer.json()["errors"]] == ["/consent_config/cookie_domain"]
    assert (
        owner.post(
            path + "/preview", json={"consent_config": {"cookie_domain": "shop.example"}}
        ).status_code
        == 200
    )
    unknown = owner.post(path + "/preview", json={"name": "x"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_field"


def test_saving_publishes_to_the_next_config_request(opened: tuple[Console, str, Browser]) -> None:
    console, account, owner = opened
    pk = new_key(console, account)
    visitor = {"Origin": SITE}
    before = console.client.get(f"/v1/{pk}/consent/config?lang=fr", headers=visitor).json()
    assert before["texts"]["title"] != "Vos choix"
    console.clock.advance(60)  # the owner saves a minute later (the frozen clock otherwise)
    saved = owner.request("PATCH", f"/console/api/accounts/{account}/keys/{pk}", json=DRAFT)
    assert saved.status_code == 200, saved.text
    after = console.client.get(f"/v1/{pk}/consent/config?lang=fr", headers=visitor).json()
    assert after["texts"]["title"] == "Vos choix"
    rights = console.client.get(f"/v1/{pk}/rights/config?lang=fr", headers=visitor).json()
    types = next(f for f in rights["fields"] if f["id"] == "type")
    assert [o["value"] for o in types["options"]] == ["gdpr_access", "ccpa_know"]
