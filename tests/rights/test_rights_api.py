"""The rights endpoints in-process: config, submission, anti-spam, limits, duplicates, the sink."""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

from gateway.keys.model import NewKey
from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.rights.requests import respond_by
from gateway.settings import Settings
from gateway.signing import Signing
from gateway.web import assets
from tests.gwclient import SITE, client_for, settings_for, stored_key

RIGHTS_CONFIG = {
    "types": ["gdpr_access", "gdpr_erasure", "ccpa_delete"],
    "custom_fields": [{"id": "order_number", "type": "text", "label": {"en": "Order number"}}],
}
EMAIL = "Grace.Hopper@Example.com"


class Gw:
    def __init__(self, client: TestClient, key: NewKey, settings: Settings) -> None:
        self.client, self.key, self.settings = client, key, settings
        self.pk = key.key.public_key

    def token(self, age: float = 10.0, pk: str | None = None) -> str:
        """A form token as if the form had been shown ``age`` seconds ago (time injected)."""
        serializer = Signing(self.settings.signing_secrets()).serializer(PURPOSE)
        return FormTokens(serializer, 0, 1).issue(pk or self.pk, time.time() - age)

    def body(self, **changes: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "type": "gdpr_erasure",
            "email": EMAIL,
            "given_name": "Grace",
            "family_name": "Hopper",
            "customer_reference": "C-1906",
            "requester_type": "self",
            "message": "Please delete my account.\nThanks.",
            "custom": {"order_number": "A-42"},
            "language": "en",
            "form_token": self.token(),
            "website": "",
        }
        base.update(changes)
        return base

    def post(self, body: Any, content_type: str = "text/plain;charset=UTF-8") -> Any:
        return self.client.post(
            f"/v1/{self.pk}/rights",
            content=json.dumps(body).encode(),
            headers={"Origin": SITE, "Content-Type": content_type},
        )

    def records(self) -> list[dict[str, Any]]:
        path = self.settings.data_dir / "rights.jsonl"
        if not path.exists():
            return []
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return [line.get("record", line) for line in lines]


def make(
    data_dir: Path,
    redis_url: str | None = None,
    key_limits: dict[str, str] | None = None,
    **overrides: Any,
) -> Iterator[Gw]:
    settings = settings_for(data_dir, redis_url, **overrides)
    key = stored_key(settings, rights_config=RIGHTS_CONFIG, limits=key_limits or {})
    with client_for(settings) as client:
        yield Gw(client, key, settings)


@pytest.fixture
def gw(data_dir: Path) -> Iterator[Gw]:
    yield from make(data_dir)


def test_config_speaks_the_visitors_language_and_carries_a_fresh_token(gw: Gw) -> None:
    url = f"/v1/{gw.pk}/rights/config"
    r = gw.client.get(url + "?lang=de", headers={"Origin": SITE})
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["access-control-allow-origin"] == SITE
    body = r.json()
    assert body["language"] == "de" and body["texts"]["submit"] == "Anfrage senden"
    types = [o["value"] for o in body["fields"][0]["options"]]
    assert types == ["gdpr_access", "gdpr_erasure", "ccpa_delete"]
    assert "order_number" in [f["id"] for f in body["fields"]]
    again = gw.client.get(url, headers={"Origin": SITE, "Accept-Language": "fr-CH, en;q=0.5"})
    assert again.json()["language"] == "fr"
    assert again.json()["form_token"] != body["form_token"]


@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", "application/json"])
def test_a_request_is_stored_with_everything_typed_then_answered_202(
    gw: Gw, content_type: str
) -> None:
    r = gw.post(gw.body(), content_type)
    assert r.status_code == 202, r.text
    answer = r.json()
    # The embedded default stores requests in its records store: a code confirms the address.
    assert set(answer) == {"reference", "respond_by", "received_at", "verification"}
    assert answer["verification"] == "pending"
    assert answer["reference"].startswith("RR-") and len(answer["reference"]) == 12
    received = datetime.fromisoformat(answer["received_at"])
    assert abs(received.timestamp() - time.time()) < 60
    assert answer["respond_by"] == respond_by("gdpr", received).isoformat()
    assert r.headers["access-control-allow-origin"] == SITE
    assert EMAIL not in r.text
    [record] = gw.records()
    assert record["reference"] == answer["reference"]
    assert record["respond_by"] == answer["respond_by"]
    expected = {
        "type": "gdpr_erasure",
        "email": "grace.hopper@example.com",
        "given_name": "Grace",
        "family_name": "Hopper",
        "customer_reference": "C-1906",
        "requester_type": "self",
        "message": "Please delete my account.\nThanks.",
        "custom": {"order_number": "A-42"},
        "language": "en",
        "public_key": gw.pk,
        "account": "acct-1",
        "origin": SITE,
        "email_verified": False,
    }
    assert {k: record[k] for k in expected} == expected
    assert "form_token" not in record and "website" not in record


def test_ccpa_requests_get_45_days(gw: Gw) -> None:
    answer = gw.post(gw.body(type="ccpa_delete")).json()
    received = datetime.fromisoformat(answer["received_at"]).date()
    assert (date.fromisoformat(answer["respond_by"]) - received).days == 45


def test_invalid_fields_are_listed_for_the_form_without_echoing_them(gw: Gw) -> None:
    r = gw.post(gw.body(email="grace@@example", type="gdpr_portability", phone="555"))
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "invalid_payload"
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"email", "type", ""}  # "phone" is no field of the form: counted only
    assert "grace@@example" not in r.text and "555" not in r.text and "phone" not in r.text
    assert gw.records() == []


REFUSALS = [
    ("honeypot", {"website": "https://spam.example"}, 422, "spam_suspected"),
    ("no-token", {"form_token": None}, 403, "form_token_invalid"),
    ("forged-token", {"form_token": "eyJrIjoxfQ.Zm9v.YmFy"}, 403, "form_token_invalid"),
    ("too-old", {"form_token": "old"}, 422, "form_token_expired"),
    ("other-key", {"form_token": "other"}, 403, "form_token_invalid"),
]


@pytest.mark.parametrize(
    ("change", "status", "code"), [c[1:] for c in REFUSALS], ids=[c[0] for c in REFUSALS]
)
def test_spam_checks_refuse_and_store_nothing(
    gw: Gw, change: dict[str, Any], status: int, code: str
) -> None:
    if change.get("form_token") == "old":
        change = {"form_token": gw.token(age=gw.settings.rights_token_max_age + 60)}
    elif change.get("form_token") == "other":
        change = {"form_token": gw.token(pk="pk_" + "a" * 38)}
    r = gw.post(gw.body(**change))
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert r.headers["access-control-allow-origin"] == SITE
    assert gw.records() == []


def test_a_form_sent_right_after_it_was_shown_is_refused(data_dir: Path) -> None:
    for gw in make(data_dir, rights_token_min_age=60.0):
        token = gw.client.get(f"/v1/{gw.pk}/rights/config", headers={"Origin": SITE}).json()[
            "form_token"
        ]
        r = gw.post(gw.body(form_token=token))
        assert r.status_code == 422 and r.json()["code"] == "submitted_too_fast"
        assert r.json()["retry_after_ms"] > 0
        assert gw.records() == []


@pytest.mark.parametrize("backend", ["embedded", "redis"])
def test_the_same_request_sent_again_gets_the_same_reference(
    data_dir: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    for gw in make(data_dir, url):
        first = gw.post(gw.body()).json()
        # Another token, the email in other letter case: still the same request.
        again = gw.post(gw.body(form_token=gw.token(age=20), email=EMAIL.lower())).json()
        assert again["reference"] == first["reference"]
        other = gw.post(gw.body(message="Also my newsletter subscription.")).json()
        assert other["reference"] != first["reference"]
        assert [r["reference"] for r in gw.records()] == [first["reference"], other["reference"]]


def test_duplicates_are_recognised_across_instances_sharing_redis(
    data_dir: Path, redis_url: str, tmp_path: Path
) -> None:
    for one in make(data_dir, redis_url):
        first = one.post(one.body()).json()
        settings = settings_for(tmp_path / "other", redis_url)
        with client_for(settings) as client:
            two = Gw(client, one.key, settings)
            assert two.post(two.body()).json()["reference"] == first["reference"]
            assert two.records() == []


def test_limit_per_key_and_ip_with_a_per_key_override(data_dir: Path) -> None:
    # The setting allows 20 an hour; this key's override, 2.
    for gw in make(data_dir, key_limits={"rights_per_ip": "2/hour"}, limit_rights_per_ip="20/hour"):
        for n in range(2):
            assert gw.post(gw.body(message=f"request {n}")).status_code == 202
        r = gw.post(gw.body(message="one too many"))
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
        assert int(r.headers["retry-after"]) > 0
        assert r.headers["access-control-allow-origin"] == SITE
        assert len(gw.records()) == 2
        # The config endpoint is not held back by the submission limit.
        assert gw.client.get(f"/v1/{gw.pk}/rights/config", headers={"Origin": SITE}).is_success


def test_limit_per_email_counts_the_address_whatever_its_case(
    data_dir: Path, redis_url: str
) -> None:
    for gw in make(data_dir, redis_url, limit_rights_per_email="2/hour"):
        accepted = gw.post(gw.body(message="one"))
        assert accepted.status_code == 202
        # Every limit in one field line each: the guard's and the per-email one together.
        policies = accepted.headers.get_list("ratelimit-policy")
        assert len(policies) == 1 and '"rights_email"' in policies[0] and '"ip"' in policies[0]
        assert len(accepted.headers.get_list("ratelimit")) == 1
        assert gw.post(gw.body(message="two", email=EMAIL.upper())).status_code == 202
        r = gw.post(gw.body(message="three", email=EMAIL.lower()))
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
        assert gw.post(gw.body(email="someone.else@example.com")).status_code == 202
        # The address is hashed in every key Redis holds.
        client = redis.Redis.from_url(redis_url)
        keys = b" ".join(client.keys("*")).decode().lower()
        client.close()
        assert "grace" not in keys and "example.com" not in keys


def test_bodies_too_large_or_of_another_type_are_refused(gw: Gw) -> None:
    big = gw.body(message="x" * (gw.settings.max_body_bytes + 10))
    assert gw.post(big).json()["code"] == "payload_too_large"
    assert gw.post(gw.body(), "application/x-www-form-urlencoded").json()["code"] == (
        "unsupported_media_type"
    )


def test_no_personal_data_in_logs_or_metrics(gw: Gw, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gw.post(gw.body())
    gw.post(gw.body(email="bad@", given_name="Grace\x00"))
    metrics = gw.client.get("/metrics").text
    for text in (caplog.text, metrics):
        assert "grace" not in text.lower() and "hopper" not in text.lower()
    assert 'gateway_rights_requests_total{regime="gdpr"} 1' in metrics


def test_the_widget_served_fits_its_size_budget(data_dir: Path) -> None:
    settings = settings_for(data_dir)
    with client_for(settings, assets.routes()) as client:
        r = client.get("/widgets/rights.js", headers={"Accept-Encoding": "identity"})
    assert r.status_code == 200
    assert r.content == assets.load_assets()["rights"].body
    size = len(gzip.compress(r.content, compresslevel=9))
    assert size <= 7 * 1024, f"rights.js is {size} bytes gzipped; the budget is 7168"
    # What follows an accepted request (and an agent's part of the form) comes on demand.
    answer = assets.load_assets()["rights-answer"].body
    size = len(gzip.compress(answer, compresslevel=9))
    assert size <= 5 * 1024, f"rights-answer.js is {size} bytes gzipped; the budget is 5120"


def test_a_request_that_could_not_be_stored_is_not_answered_as_accepted(
    data_dir: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    for gw in make(data_dir, rights_sink=f"file://{blocker}/rights.jsonl"):
        first = gw.post(gw.body())
        assert first.status_code == 503 and first.json()["code"] == "sink_unavailable"
        # Sent again, it is not mistaken for a duplicate of a request that was never stored.
        again = gw.post(gw.body(form_token=gw.token(age=30)))
        assert again.status_code == 503
        assert "Grace" not in first.text + again.text


@pytest.mark.parametrize("backend", ["embedded", "redis"])
def test_a_form_token_sends_one_request_only(
    data_dir: Path, backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("redis_url") if backend == "redis" else None
    for gw in make(data_dir, url):
        token = gw.token(age=30)
        first = gw.post(gw.body(form_token=token, message="first"))
        resent = gw.post(gw.body(form_token=token, message="first"))  # a double click
        replayed = gw.post(gw.body(form_token=token, message="something else"))
        assert first.status_code == 202
        assert resent.json()["reference"] == first.json()["reference"]
        assert replayed.status_code == 422 and replayed.json()["code"] == "form_token_used"
        # Another instance (Redis) or worker process (the same data folder) knows it too.
        other_dir = tmp_path / "other" if url else data_dir
        settings = settings_for(other_dir, url)
        with client_for(settings) as client:
            two = Gw(client, gw.key, settings)
            again = two.post(two.body(form_token=token, message="from elsewhere"))
        assert again.status_code == 422 and again.json()["code"] == "form_token_used"
        assert gw.post(gw.body(message="with a fresh token")).status_code == 202
        assert len(gw.records()) == 2


@pytest.mark.parametrize(
    "spelling",
    [
        "GRACE@EXAMPLE.COM",
        "".join(chr(ord(c) + 0xFEE0) for c in "grace") + "@example.com",
        "Grace@Example.Com",
    ],
    ids=["upper", "full-width", "mixed"],
)
def test_one_address_spelt_many_ways_is_one_address(data_dir: Path, spelling: str) -> None:
    for gw in make(data_dir, limit_rights_per_email="1/hour"):
        assert gw.post(gw.body(email="grace@example.com", message="one")).status_code == 202
        r = gw.post(gw.body(email=spelling, message="two"))
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"


def test_an_idn_address_is_stored_in_one_form(gw: Gw) -> None:
    assert gw.post(gw.body(email="Jürgen@Bücher.Example")).status_code == 202
    assert gw.records()[0]["email"] == "jürgen@xn--bcher-kva.example"


def test_a_rights_request_checks_all_its_limits_in_one_redis_call(
    data_dir: Path, redis_url: str
) -> None:
    # The guard's limits (per IP, per key, per key and IP) and the per-address limit, which
    # needs the body, go to the limiter together: one script evaluation in Redis per request.
    for gw in make(data_dir, redis_url):
        gw.post(gw.body(message="warm-up"))  # loads the script and the key
        client = redis.Redis.from_url(redis_url)
        counts = []
        try:
            # The outbox's promotion tick is a script too and may fall inside one window: a
            # request that needed two calls would count two in every try.
            for n in range(3):
                client.config_resetstat()
                body = gw.body(email=f"ada{n}@example.com", message="counted")
                assert gw.post(body).status_code == 202
                stats = client.info("commandstats")
                counts.append(
                    sum(
                        int(stats.get(f"cmdstat_{name}", {}).get("calls", 0))
                        for name in ("evalsha", "eval", "evalsha_ro", "eval_ro")
                    )
                )
        finally:
            client.close()
        assert min(counts) == 1


def test_an_invalid_rights_request_still_counts_against_the_limits(data_dir: Path) -> None:
    for gw in make(data_dir, key_limits={"rights_per_ip": "2/hour"}):
        for _ in range(2):
            assert gw.post(gw.body(email="not an address")).status_code == 422
        r = gw.post(gw.body())
        assert r.status_code == 429 and r.json()["code"] == "rate_limited"
