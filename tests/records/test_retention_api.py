"""``GET|PUT /api/v1/retention``: an account's retention rules through the site-owner API, in
process on the embedded default; the purge then keeps records by the rule the owner set."""

from __future__ import annotations

import json
from datetime import timedelta

from gateway.records import retention
from tests.oauth.helpers import client_credentials
from tests.records.test_api import Site, problem, site
from tests.support.records import consent, new

__all__ = ["site"]


def put(s: Site, body: object, token: str | None = None) -> object:
    headers = {**s.bearer(token), "Content-Type": "application/json"}
    return s.client.put("/api/v1/retention", content=json.dumps(body), headers=headers)


def test_the_owner_reads_the_defaults_sets_rules_and_the_purge_follows_them(site: Site) -> None:
    shown = site.get("/retention")
    assert shown.status_code == 200, shown.text
    assert shown.json()["consent_months"] == 13
    assert shown.json()["rights_days"] == 365
    assert shown.json()["defaults"] == {"consent_months": 13, "rights_days": 365}

    kept = put(site, {"consent_months": 2, "rights_days": 30})
    assert kept.status_code == 200, kept.text  # type: ignore[attr-defined]
    assert site.get("/retention").json()["consent_months"] == 2
    # The other account keeps the defaults.
    other = client_credentials(site.client, site.other).json()["access_token"]
    assert site.get("/retention", token=other).json()["consent_months"] == 13

    store = site.client.app.state.services.records  # type: ignore[attr-defined]
    now = store.clock()
    old = consent(1, at=now - timedelta(days=75), account="acct-1", public_key=site.pk)
    recent = consent(2, at=now - timedelta(days=30), account="acct-1", public_key=site.pk)
    elsewhere = consent(3, at=now - timedelta(days=75), account="acct-2")
    site.client.portal.call(store.add_consents, [new(old), new(recent), new(elsewhere)])  # type: ignore[union-attr]
    report = site.client.portal.call(retention.purge, store)  # type: ignore[union-attr]
    assert report.consents_deleted == 1
    assert site.get(f"/consents/{old.consent_id}").status_code == 404
    assert site.get(f"/consents/{recent.consent_id}").status_code == 200


def test_bad_rules_list_every_problem_with_its_pointer(site: Site) -> None:
    answer = put(site, {"consent_months": 0, "rights_days": "ten", "forever": True})
    problem(answer, 422, "invalid_payload")
    found = {(e["pointer"], e["code"]) for e in answer.json()["errors"]}  # type: ignore[attr-defined]
    assert found == {
        ("", "unknown_field"),
        ("/consent_months", "out_of_range"),
        ("/rights_days", "invalid_field_type"),
    }
    missing = put(site, {"consent_months": True})
    assert {(e["pointer"], e["code"]) for e in missing.json()["errors"]} == {  # type: ignore[attr-defined]
        ("/consent_months", "invalid_field_type"),
        ("/rights_days", "missing_field"),
    }
    problem(put(site, [1]), 422, "invalid_payload")
    assert site.get("/retention").json()["consent_months"] == 13


def test_setting_rules_needs_the_write_scope(site: Site) -> None:
    narrow = client_credentials(site.client, site.key, scope="rights:read").json()["access_token"]
    assert site.get("/retention", token=narrow).status_code == 200
    refused = put(site, {"consent_months": 6, "rights_days": 30}, token=narrow)
    problem(refused, 403, "insufficient_scope")
    assert site.get("/retention").json()["consent_months"] == 13
