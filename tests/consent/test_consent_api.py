"""The consent API in-process: config per language, records written before 201, receipts."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.clock import utc
from gateway.db.engine import records_url
from gateway.keys.model import NewKey, create_key, revoke_key
from gateway.settings import Settings
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.aio import run as run_async
from tests.support.records import open_store
from tests.support.wait import poll

PEER = ("198.51.100.23", 40000)


@dataclass
class Gw:
    client: TestClient
    key: NewKey
    settings: Settings

    @property
    def pk(self) -> str:
        return self.key.key.public_key

    def records(self) -> list[dict[str, Any]]:
        path = self.settings.data_dir / "consent.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def post(self, body: dict[str, Any], **headers: str) -> Any:
        return self.client.post(
            f"/v1/{self.pk}/consent",
            content=json.dumps(body),
            headers={"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8", **headers},
        )


def choice(**changes: Any) -> dict[str, Any]:
    data = {
        "consent_id": "c0ffee0123456789",
        "action": "accept_all",
        "categories": {"necessary": True, "functional": True, "analytics": True, "marketing": True},
        "policy_version": "1",
        "language": "en",
        "gpc": False,
        "page_url": SITE + "/shop?utm_source=mail&email=a%40b.example",
    }
    data.update(changes)
    return data


def make(data_dir: Path, **overrides: Any) -> Iterator[Gw]:
    settings = settings_for(data_dir, key_cache_ttl=0.0, **overrides)
    key = stored_key(settings, limits={"consent_per_ip": "3/minute"})
    with TestClient(create_app(settings), client=PEER, raise_server_exceptions=False) as client:
        yield Gw(client, key, settings)


@pytest.fixture
def gw(data_dir: Path) -> Iterator[Gw]:
    yield from make(data_dir)


def test_config_is_per_language_cacheable_and_revalidated(gw: Gw) -> None:
    url = f"/v1/{gw.pk}/consent/config?lang=fr-CA,en"
    r = gw.client.get(url, headers={"Origin": SITE})
    assert r.status_code == 200
    assert r.json()["texts"]["accept_all"] == "Tout accepter"
    assert r.headers["access-control-allow-origin"] == SITE
    # It carries RateLimit fields and varies by Origin: no shared or private cache may keep it.
    assert r.headers["cache-control"] == "no-store"
    assert "ratelimit" in r.headers
    again = gw.client.get(url, headers={"Origin": SITE, "If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    german = gw.client.get(url.replace("fr-CA", "de"), headers={"Origin": SITE})
    assert german.headers["etag"] != r.headers["etag"]


def test_a_changed_config_is_served_at_once_with_a_new_etag(gw: Gw) -> None:
    url = f"/v1/{gw.pk}/consent/config?lang=en"
    before = gw.client.get(url, headers={"Origin": SITE})
    changed = dataclasses.replace(
        gw.key.key, consent_config={"policy_version": "2"}, updated_at=gw.key.key.updated_at + 1
    )
    gw.client.portal.call(gw.client.app.state.services.store.put, changed)
    after = gw.client.get(url, headers={"Origin": SITE, "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["version"] == "2"
    assert after.headers["etag"] != before.headers["etag"]


def test_keys_on_equal_configs_share_one_parsed_and_one_rendered_copy(gw: Gw) -> None:
    # Ten thousand sites on the default config keep one copy of it in memory, not ten thousand.
    services = gw.client.app.state.services
    made = {
        "first": gw.key.key,
        "default": create_key("acct-2", "Blog", (SITE,)).key,
        "own": create_key(
            "acct-2", "Shop", (SITE,), consent_config={"policy_version": "7", "lifetime_days": 90}
        ).key,
        # The same config, written in another order: equal, so shared.
        "reordered": create_key(
            "acct-3", "Shop", (SITE,), consent_config={"lifetime_days": 90, "policy_version": "7"}
        ).key,
    }
    answers = {}
    for name, key in made.items():
        if name != "first":
            gw.client.portal.call(services.store.put, key)
        url = f"/v1/{key.public_key}/consent/config?lang=en"
        answers[name] = gw.client.get(url, headers={"Origin": SITE})
    assert {a.status_code for a in answers.values()} == {200}
    assert answers["default"].content == answers["first"].content
    assert answers["own"].json()["version"] == "7"
    assert answers["reordered"].content == answers["own"].content
    assert answers["own"].headers["etag"] != answers["first"].headers["etag"]
    parsed = {n: services.consent_configs[(k.public_key, k.updated_at)] for n, k in made.items()}
    rendered = {
        n: services.consent_rendered[(k.public_key, k.updated_at, "en", "")]
        for n, k in made.items()
    }
    for kept in (parsed, rendered):
        assert kept["default"] is kept["first"]
        assert kept["reordered"] is kept["own"]
        assert kept["own"] is not kept["first"]
    assert rendered["own"].etag == answers["own"].headers["etag"]


def test_record_is_stored_truncated_then_answered_with_a_receipt(gw: Gw) -> None:
    r = gw.post(choice(), **{"User-Agent": "TestBrowser/1.0"})
    assert r.status_code == 201, r.text
    answer = r.json()
    assert r.headers["access-control-allow-origin"] == SITE
    [record] = gw.records()
    assert record["record_id"] == answer["record_id"]
    assert record["client_ip"] == "198.51.100.0"
    assert record["page_url"] == SITE + "/shop"
    assert "a%40b" not in json.dumps(record)
    assert (record["public_key"], record["account"], record["origin"]) == (gw.pk, "acct-1", SITE)
    assert record["user_agent"] == "TestBrowser/1.0"

    verified = gw.client.post(
        "/v1/receipts/verify",
        json={"receipt": answer["receipt"]},
        headers={"X-API-Key": gw.key.private_key},
    )
    assert verified.status_code == 200
    assert verified.json()["valid"] is True
    assert verified.json()["record"]["record_id"] == answer["record_id"]
    assert "access-control-allow-origin" not in verified.headers


def test_receipt_is_not_valid_for_another_key(gw: Gw) -> None:
    receipt = gw.post(choice()).json()["receipt"]
    other = stored_key(gw.settings)
    r = gw.client.post(
        "/v1/receipts/verify", json={"receipt": receipt}, headers={"X-API-Key": other.private_key}
    )
    assert r.json() == {"valid": False, "reason": "other_key"}


def test_a_revoked_keys_private_key_verifies_nothing(gw: Gw) -> None:
    receipt = gw.post(choice()).json()["receipt"]
    store = gw.client.app.state.services.store
    gw.client.portal.call(store.put, revoke_key(gw.key.key))
    r = gw.client.post(
        "/v1/receipts/verify", json={"receipt": receipt}, headers={"X-API-Key": gw.key.private_key}
    )
    assert (r.status_code, r.json()["code"]) == (403, "key_revoked")


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, {"receipt": "x"}, 401, "unauthorized"),
        ({"X-API-Key": "sk_wrong"}, {"receipt": "x"}, 401, "unauthorized"),
        ({"Origin": SITE}, {"receipt": "x"}, 403, "private_key_exposed"),
        ({}, {"receipt": "x", "more": 1}, 422, "invalid_payload"),
    ],
    ids=["no-key", "malformed-key", "from-a-browser", "unknown-field"],
)
def test_verify_refusals(
    gw: Gw, headers: dict[str, str], body: Any, status: int, code: str
) -> None:
    if headers.get("X-API-Key") is None and code != "unauthorized":
        headers = {**headers, "X-API-Key": gw.key.private_key}
    r = gw.client.post("/v1/receipts/verify", json=body, headers=headers)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert "access-control-allow-origin" not in r.headers


def test_invalid_record_is_refused_readably_and_not_stored(gw: Gw) -> None:
    r = gw.post(choice(categories={"social": True}, action="sometimes"))
    assert r.status_code == 422
    assert r.headers["access-control-allow-origin"] == SITE
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"categories", "action"}  # the made-up category is counted, not named
    assert "social" not in r.text
    assert gw.records() == []


def test_records_are_limited_per_key_and_ip_with_the_key_override(gw: Gw) -> None:
    statuses = [gw.post(choice()).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    assert len(gw.records()) == 3


def test_a_record_carries_the_digest_of_the_config_answer_the_visitor_was_shown(gw: Gw) -> None:
    shown = gw.client.get(f"/v1/{gw.pk}/consent/config?lang=fr", headers={"Origin": SITE})
    digest = shown.json()["digest"]
    assert shown.headers["etag"] == f'"{digest}"'
    other = gw.client.get(f"/v1/{gw.pk}/consent/config?lang=de", headers={"Origin": SITE})
    assert other.json()["digest"] != digest  # other texts, another digest
    assert gw.post(choice(config_digest=digest)).status_code == 201
    [record] = gw.records()
    assert record["config_digest"] == digest
    refused = gw.post(choice(config_digest="not-a-digest"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "config_digest"


def test_each_banner_shown_is_counted_into_the_days_stats(gw: Gw) -> None:
    services = gw.client.app.state.services  # type: ignore[attr-defined]
    url = f"/v1/{gw.pk}/consent/shown"
    headers = {"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8"}
    for body in ('{"config_digest": "0123456789abcdef0123"}', "{}", "{}"):
        r = gw.client.post(url, content=body, headers=headers)
        assert r.status_code == 204 and r.headers["access-control-allow-origin"] == SITE
    assert gw.post(choice()).status_code == 201
    bad = gw.client.post(
        url, content='{"config_digest": "x", "email": "a@b.example"}', headers=headers
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"config_digest", "email"}
    other_site = gw.client.post(
        url, content="{}", headers={**headers, "Origin": "https://evil.example"}
    )
    assert other_site.status_code == 403
    gw.client.portal.call(services.impressions.flush)
    today = services.clock()
    [day] = gw.client.portal.call(services.records.stats, utc(today).date(), utc(today).date())
    assert (day.public_key, day.shown, day.records) == (gw.pk, 3, 1)


def test_banners_shown_are_written_on_their_own_and_at_shutdown(data_dir: Path) -> None:
    runs = make(data_dir)
    gw = next(runs)
    services = gw.client.app.state.services  # type: ignore[attr-defined]
    services.impressions.interval = 0.0  # every count is due: the first write happens on its own
    headers = {"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8"}
    url = f"/v1/{gw.pk}/consent/shown"
    today = utc(services.clock()).date()

    def stored() -> int:
        days = gw.client.portal.call(services.records.stats, today, today)
        return days[0].shown if days else 0

    assert gw.client.post(url, content="{}", headers=headers).status_code == 204
    poll(lambda: stored() == 1)
    services.impressions.interval = 3600.0  # the next ones wait: only the shutdown writes them
    for _ in range(2):
        assert gw.client.post(url, content="{}", headers=headers).status_code == 204
    assert stored() == 1
    with pytest.raises(StopIteration):
        next(runs)  # the gateway stops

    async def shown() -> int:
        async with open_store(str(records_url(gw.settings))) as store:
            [day] = await store.stats(today, today)
            return day.shown

    assert run_async(shown()) == 3
