"""The consent cookie's domain is checked against the key's origins whenever either changes."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.datastructures import Secret
from starlette.testclient import TestClient

from gateway.consent.cookie_domain import covers
from tests.gwclient import client_for, settings_for

TOKEN = secrets.token_urlsafe(32)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def admin(data_dir: Path) -> Iterator[TestClient]:
    with client_for(settings_for(data_dir, admin_token=Secret(TOKEN))) as client:
        yield client


def create(admin: TestClient, origins: list[str], domain: str) -> Any:
    body = {
        "account": "acct-1",
        "name": "Shop",
        "origins": origins,
        "consent_config": {"cookie_domain": domain},
    }
    return admin.post("/admin/v1/keys", json=body, headers=AUTH)


@pytest.mark.parametrize(
    ("origins", "domain"),
    [
        (["https://www.shop.example"], "shop.example"),
        (["https://shop.example"], ".shop.example"),  # the leading dot of old habits
        (["https://*.shop.example"], "shop.example"),
        (["https://*.shop.example"], "eu.shop.example"),  # shared by some of its subdomains
        (["https://www.shop.co.uk", "https://staging.other.example"], "shop.co.uk"),
    ],
    ids=["parent", "leading-dot", "wildcard-base", "under-wildcard", "one-of-several"],
)
def test_a_domain_over_an_allowed_origin_is_saved(
    admin: TestClient, origins: list[str], domain: str
) -> None:
    r = create(admin, origins, domain)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("origins", "domain"),
    [
        (["https://www.shop.example"], "other.example"),
        (["https://www.shop.example"], "hop.example"),  # a suffix, but not a parent
        (["https://shop.example"], "www.shop.example"),  # a child of the only origin
        (["https://www.shop.co.uk"], "co.uk"),  # a public suffix
        (["https://me.github.io"], "github.io"),  # a public suffix of the private section
    ],
    ids=["unrelated", "string-suffix", "child", "public-suffix", "private-suffix"],
)
def test_a_domain_no_origin_is_under_is_refused(
    admin: TestClient, origins: list[str], domain: str
) -> None:
    r = create(admin, origins, domain)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_widget_config"
    assert "consent_config.cookie_domain" in [e["field"] for e in r.json()["errors"]]


def test_changing_the_origins_away_from_the_domain_is_refused(admin: TestClient) -> None:
    r = create(admin, ["https://www.shop.example"], "shop.example")
    pk = r.json()["public_key"]
    moved = admin.patch(
        f"/admin/v1/keys/{pk}", json={"origins": ["https://www.other.example"]}, headers=AUTH
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "consent_config.cookie_domain"
    kept = admin.get(f"/admin/v1/keys/{pk}", headers=AUTH).json()
    assert kept["origins"] == ["https://www.shop.example"]


def test_covers_is_whole_labels() -> None:
    assert covers("shop.example", "www.shop.example")
    assert not covers("shop.example", "myshop.example")
    assert not covers("www.shop.example", "shop.example")
