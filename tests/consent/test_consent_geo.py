"""Geo rules in-process: the config answer per location (trusted edge header or MaxMind-format
database), its caching fields, the variant in records and receipts, and the settings' checks."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.settings import Settings, SettingsError
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.geoip import write_database

EDGE = ("10.1.2.3", 443)  # the operator's edge, a trusted proxy
STRANGER = ("198.51.100.23", 40000)  # a client talking to the gateway directly (France)
VARIANTS = [
    {"id": "gdpr", "regions": ["EEA", "UK", "CH"], "mode": "opt_in"},
    {"id": "us-states", "regions": ["US-PRIVACY"], "mode": "opt_out"},
    {"id": "elsewhere", "regions": ["*"], "mode": "none"},
]
COUNTRY, REGION = "CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Region"


@pytest.fixture
def settings(data_dir: Path, tmp_path: Path) -> Settings:
    return settings_for(
        data_dir,
        key_cache_ttl=0.0,
        trusted_proxies=(ipaddress.ip_network("10.0.0.0/8"),),
        geo_country_header=COUNTRY,
        geo_region_header=REGION,
        geo_database=write_database(tmp_path / "geo.mmdb"),
    )


def client(settings: Settings, peer: tuple[str, int]) -> TestClient:
    return TestClient(create_app(settings), client=peer, raise_server_exceptions=False)


@pytest.fixture
def pk(settings: Settings) -> str:
    return stored_key(settings, consent_config={"variants": VARIANTS}).key.public_key


@pytest.fixture
def edge(settings: Settings) -> Iterator[TestClient]:
    with client(settings, EDGE) as c:
        yield c


def config(c: TestClient, pk: str, **headers: str) -> Any:
    return c.get(f"/v1/{pk}/consent/config?lang=en", headers={"Origin": SITE, **headers})


def test_the_edges_header_picks_the_variant_and_the_answer_says_it_varies(
    edge: TestClient, pk: str
) -> None:
    california = config(edge, pk, **{COUNTRY: "US", REGION: "CA"})
    assert california.status_code == 200
    assert (california.json()["mode"], california.json()["variant"]) == ("opt_out", "us-states")
    germany = config(edge, pk, **{COUNTRY: "DE", REGION: "BE"})
    assert (germany.json()["mode"], germany.json()["variant"]) == ("opt_in", "gdpr")
    japan = config(edge, pk, **{COUNTRY: "JP"})
    assert (japan.json()["mode"], japan.json()["variant"]) == ("none", "elsewhere")
    # Each variant has its own ETag, and no cache may hand one visitor's answer to another.
    assert len({r.headers["etag"] for r in (california, germany, japan)}) == 3
    vary = [v.strip() for v in california.headers["vary"].split(",")]
    assert {"Origin", COUNTRY, REGION} <= set(vary)
    assert california.headers["cache-control"] == "no-store"
    again = config(
        edge, pk, **{COUNTRY: "DE", REGION: "BE", "If-None-Match": california.headers["etag"]}
    )
    assert again.status_code == 200 and again.json()["variant"] == "gdpr"


def test_without_the_header_the_database_locates_the_client_behind_the_edge(
    edge: TestClient, pk: str
) -> None:
    assert config(edge, pk, **{"X-Forwarded-For": "192.0.2.7"}).json()["variant"] == "us-states"
    assert config(edge, pk, **{"X-Forwarded-For": "198.51.100.9"}).json()["variant"] == "gdpr"
    # A place the database does not know: the opt-in banner, under no variant.
    unknown = config(edge, pk, **{"X-Forwarded-For": "100.64.0.1"}).json()
    assert (unknown["mode"], unknown["variant"]) == ("opt_in", None)


def test_a_location_header_from_an_untrusted_client_is_ignored(settings: Settings, pk: str) -> None:
    with client(settings, STRANGER) as direct:
        # It claims California to get the opt-out notice; the database knows it is in France.
        answer = config(direct, pk, **{COUNTRY: "US", REGION: "CA"}).json()
    assert (answer["mode"], answer["variant"]) == ("opt_in", "gdpr")


def test_a_key_without_variants_gets_the_opt_in_banner_and_no_location_vary(
    edge: TestClient, settings: Settings
) -> None:
    plain = stored_key(settings).key.public_key
    r = config(edge, plain, **{COUNTRY: "US", REGION: "CA"})
    assert (r.json()["mode"], r.json()["variant"]) == ("opt_in", None)
    assert COUNTRY not in r.headers["vary"]


def record(**changes: Any) -> dict[str, Any]:
    body = {
        "consent_id": "c0ffee0123456789",
        "action": "custom",
        "categories": {"necessary": True, "functional": True, "analytics": True},
        "policy_version": "1",
        "gpc": True,
        "page_url": SITE + "/",
        "variant": "us-states",
    }
    body.update(changes)
    return body


def post(c: TestClient, pk: str, body: dict[str, Any]) -> Any:
    return c.post(
        f"/v1/{pk}/consent",
        content=json.dumps(body),
        headers={"Origin": SITE, "Content-Type": "text/plain", COUNTRY: "US", REGION: "CA"},
    )


def test_the_record_and_receipt_keep_the_variant_never_the_location(
    edge: TestClient, settings: Settings
) -> None:
    key = stored_key(settings, consent_config={"variants": VARIANTS})
    pk, private = key.key.public_key, key.private_key
    r = post(edge, pk, record())
    assert r.status_code == 201, r.text
    [stored] = [
        json.loads(line) for line in (settings.data_dir / "consent.jsonl").read_text().splitlines()
    ]
    assert stored["variant"] == "us-states"
    assert stored["categories"]["marketing"] is False and stored["gpc"] is True
    text = json.dumps(stored)
    assert "US-CA" not in text and '"CA"' not in text and "country" not in text
    # The receipt says it too, as the site's backend reads it back with the private key.
    verified = edge.post(
        "/v1/receipts/verify",
        json={"receipt": r.json()["receipt"]},
        headers={"X-API-Key": private},
    ).json()
    assert verified["valid"] is True and verified["record"]["variant"] == "us-states"


def test_a_variant_the_key_does_not_have_is_refused(edge: TestClient, pk: str) -> None:
    r = post(edge, pk, record(variant="made-up"))
    assert r.status_code == 422
    [problem] = r.json()["errors"]
    assert (problem["field"], problem["code"]) == ("variant", "not_an_option")
    assert post(edge, pk, record(variant=["us-states"])).status_code == 422


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"geo_country_header": "CF-IPCountry"}, "GEO_COUNTRY_HEADER"),  # no trusted proxy
        (
            {"geo_region_header": "CF-Region", "trusted_proxies": ("10.0.0.0/8",)},
            "GEO_REGION_HEADER",
        ),
        ({"geo_database": "/nonexistent/GeoLite2-City.mmdb"}, "GEO_DATABASE"),
        (
            {"geo_country_header": "CF IPCountry", "trusted_proxies": ("10.0.0.0/8",)},
            "GEO_COUNTRY_HEADER",
        ),
    ],
    ids=["header-without-trusted-proxies", "region-without-country", "no-database", "bad-name"],
)
def test_location_settings_that_cannot_work_stop_the_start(
    data_dir: Path, overrides: dict[str, Any], variable: str
) -> None:
    environ = {"GATEWAY_DATA_DIR": str(data_dir)}
    for name, value in overrides.items():
        text = ",".join(value) if isinstance(value, tuple) else str(value)
        environ[f"GATEWAY_{name.upper()}"] = text
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(environ)
    assert caught.value.variable == variable


def test_working_location_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    database = write_database(tmp_path / "geo.mmdb")
    settings = Settings.from_env(
        {
            "GATEWAY_DATA_DIR": str(tmp_path),
            "GATEWAY_TRUSTED_PROXIES": "10.0.0.0/8",
            "GATEWAY_GEO_COUNTRY_HEADER": "CF-IPCountry",
            "GATEWAY_GEO_DATABASE": str(database),
        }
    )
    assert replace(settings).geo_country_header == "CF-IPCountry"
    assert settings.geo_database == database
