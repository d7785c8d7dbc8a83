"""The per-key script ``/v1/{pk}/consent.js``: code and config in one cacheable answer."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.keys.model import ApiKey, NewKey, revoke_key
from gateway.web import assets
from tests.gwclient import SITE, settings_for, stored_key


@dataclasses.dataclass
class Gw:
    client: TestClient
    key: NewKey

    @property
    def url(self) -> str:
        return f"/v1/{self.key.key.public_key}/consent.js"

    def put(self, key: ApiKey) -> None:
        self.client.portal.call(self.client.app.state.services.store.put, key)  # type: ignore[attr-defined]


@pytest.fixture
def gw(data_dir: Path) -> Iterator[Gw]:
    settings = settings_for(data_dir, key_cache_ttl=0.0)
    key = stored_key(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Gw(client, key)


def inline_config(body: bytes) -> dict[str, object]:
    """The INLINE argument the script calls the widget with."""
    head = assets.served_assets()["consent"].head
    assert body.startswith(head)
    tail = body[len(head) :].decode()
    assert tail.startswith('"consent",') and tail.endswith(");\n")
    return json.loads(tail[len('"consent",') : -3])  # type: ignore[no-any-return]


def test_the_script_is_the_widget_called_with_the_keys_config(gw: Gw) -> None:
    r = gw.client.get(gw.url + "?lang=fr", headers={"Referer": SITE + "/shop/"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    inline = inline_config(r.content)
    assert inline["key"] == gw.key.key.public_key
    config = inline["config"]
    assert isinstance(config, dict) and config["lang"] == "fr"
    assert config["texts"]["accept_all"] == "Tout accepter"
    # Cacheable by browsers and CDNs: no RateLimit fields, no Vary on Origin.
    assert r.headers["cache-control"] == "public, max-age=300, stale-while-revalidate=3600"
    assert "ratelimit" not in r.headers and r.headers["vary"] == "Accept-Encoding"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_first_language_the_key_speaks_is_carried(gw: Gw) -> None:
    listed = gw.client.get(gw.url + "?lang=tlh,pt-BR,en")
    config = inline_config(listed.content)["config"]
    assert isinstance(config, dict) and config["lang"] == "pt-BR"
    # The same script as for the language alone: one rendering per language, whatever is sent.
    assert listed.content == gw.client.get(gw.url + "?lang=pt-br").content


def test_without_a_language_it_carries_the_keys_default_language(gw: Gw) -> None:
    gw.put(
        dataclasses.replace(
            gw.key.key,
            consent_config={"default_language": "de"},
            updated_at=gw.key.key.updated_at + 1,
        )
    )
    r = gw.client.get(gw.url)
    config = inline_config(r.content)["config"]
    assert isinstance(config, dict) and config["lang"] == "de"


def test_the_etag_revalidates_and_changes_with_the_config(gw: Gw) -> None:
    first = gw.client.get(gw.url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    again = gw.client.get(gw.url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    plain = gw.client.get(gw.url, headers={"Accept-Encoding": "identity"})
    assert plain.headers["etag"] != etag and "content-encoding" not in plain.headers
    raw = gw.client.stream("GET", gw.url, headers={"Accept-Encoding": "gzip"})
    with raw as streamed:
        assert gzip.decompress(b"".join(streamed.iter_raw())) == plain.content
    gw.put(
        dataclasses.replace(
            gw.key.key, consent_config={"policy_version": "7"}, updated_at=gw.key.key.updated_at + 1
        )
    )
    changed = gw.client.get(gw.url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    config = inline_config(changed.content)["config"]
    assert isinstance(config, dict) and config["version"] == "7"


@pytest.mark.parametrize(
    "headers",
    [{"Referer": "https://evil.example/page"}, {"Origin": "https://evil.example"}],
    ids=["referer", "origin"],
)
def test_a_page_of_another_site_is_refused(gw: Gw, headers: dict[str, str]) -> None:
    r = gw.client.get(gw.url, headers=headers)
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "origin_not_allowed"
    assert "public" not in r.headers.get("cache-control", "")


def test_a_page_that_names_no_origin_still_gets_the_script(gw: Gw) -> None:
    # Referrer-Policy: no-referrer leaves the gateway nothing to check; the config is public,
    # and the records the widget posts carry an Origin the guard checks.
    assert gw.client.get(gw.url).status_code == 200


def test_keys_that_may_not_show_the_banner_are_refused(gw: Gw) -> None:
    assert gw.client.get("/v1/pk_nonsense/consent.js").json()["code"] == "key_malformed"
    rights_only = dataclasses.replace(
        gw.key.key, widgets=("rights",), updated_at=gw.key.key.updated_at + 1
    )
    gw.put(rights_only)
    assert gw.client.get(gw.url).json()["code"] == "widget_disabled"
    gw.put(revoke_key(rights_only, now=rights_only.updated_at + 1))
    assert gw.client.get(gw.url).json()["code"] == "key_revoked"


def test_a_key_with_geo_rules_leaves_the_config_to_the_widgets_own_request(data_dir: Path) -> None:
    # The config answer of such a key depends on where the visitor is; a cacheable script cannot,
    # so it carries no config and the widget asks for the one for its visitor.
    variants = [
        {"id": "gdpr", "regions": ["EEA"], "mode": "opt_in"},
        {"id": "elsewhere", "regions": ["*"], "mode": "none"},
    ]
    settings = settings_for(data_dir, key_cache_ttl=0.0)
    key = stored_key(settings, consent_config={"variants": variants})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        r = client.get(f"/v1/{key.key.public_key}/consent.js", headers={"Referer": SITE + "/"})
    assert r.status_code == 200
    inline = inline_config(r.content)
    assert inline == {"key": key.key.public_key, "config": None}
