"""One bad record or one failed write never breaks the others: no poisoned store, no half change."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
import redis
from starlette.datastructures import Secret

from gateway.keys.model import create_key
from gateway.rights.config import parse_rights_config
from tests.gwclient import SITE, client_for, settings_for, stored_key

TOKEN = secrets.token_urlsafe(32)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def poison(good: dict[str, object]) -> list[tuple[str, object]]:
    """Records a hand edit or an older writer could have left: (public key, stored JSON)."""
    surrogate = {**good, "public_key": create_key("acct-1", "x").key.public_key, "name": "\ud800"}
    missing = {"public_key": create_key("acct-1", "y").key.public_key, "account": "acct-1"}
    wrong_type = {**good, "public_key": create_key("acct-1", "z").key.public_key, "origins": 5}
    return [(str(r["public_key"]), r) for r in (surrogate, missing, wrong_type)]


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_bad_records_are_skipped_and_the_others_still_listed(
    kind: str, data_dir: Path, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    redis_url = request.getfixturevalue("redis_url") if kind == "redis" else None
    settings = settings_for(data_dir, redis_url, admin_token=Secret(TOKEN), key_cache_ttl=0.0)
    good = stored_key(settings)
    bad = poison(good.key.to_json())
    if redis_url is None:
        doc = json.loads((data_dir / "keys.json").read_text())
        doc["keys"].update(dict(bad))
        # ensure_ascii keeps the lone surrogate as the \ud800 escape a file can hold
        (data_dir / "keys.json").write_text(json.dumps(doc))
    else:
        client = redis.Redis.from_url(redis_url)
        for n, (pk, record) in enumerate(bad, start=1):
            client.set(f"wg:key:{pk}", json.dumps(record))
            client.zadd("wg:keys", {pk: good.key.created_at + n})
        client.close()
    with client_for(settings) as http:
        listing = http.get("/admin/v1/keys", headers=AUTH)
        widget = [
            http.get(f"/v1/{pk}/consent/config", headers={"Origin": SITE}).status_code
            for pk, _ in bad
        ]
        still = http.get(f"/v1/{good.key.public_key}/consent/config", headers={"Origin": SITE})
    assert listing.status_code == 200
    assert [k["public_key"] for k in listing.json()["keys"]] == [good.key.public_key]
    assert widget == [401, 401, 401]
    assert still.status_code == 200
    skipped = [r.getMessage() for r in caplog.records if "unreadable key record" in r.getMessage()]
    assert skipped and all(any(pk in m for pk, _ in bad) for m in skipped)
    assert not any("\ud800" in m for m in skipped)


def test_a_change_whose_audit_fails_is_not_applied(data_dir: Path) -> None:
    settings = settings_for(data_dir, admin_token=Secret(TOKEN), key_cache_ttl=0.0)
    key = stored_key(settings)
    (data_dir / "audit.jsonl").mkdir()  # the trail cannot be appended to
    with client_for(settings) as http:
        changed = http.patch(
            f"/admin/v1/keys/{key.key.public_key}", json={"name": "Renamed"}, headers=AUTH
        )
        created = http.post(
            "/admin/v1/keys",
            json={"account": "acct-2", "name": "New", "origins": [SITE]},
            headers=AUTH,
        )
        after = http.get(f"/admin/v1/keys/{key.key.public_key}", headers=AUTH)
        listing = http.get("/admin/v1/keys?account=acct-2", headers=AUTH)
    assert changed.status_code == 503 and created.status_code == 503
    assert after.json()["name"] == "Shop"
    assert listing.json()["keys"] == []


@pytest.mark.parametrize("types", [[[]], [{}], [None], [1.5], "gdpr_access", []], ids=str)
def test_rights_types_of_any_shape_are_refused_not_crashed(types: object) -> None:
    from gateway.errors import InvalidPayload

    with pytest.raises(InvalidPayload):
        parse_rights_config({"types": types})
