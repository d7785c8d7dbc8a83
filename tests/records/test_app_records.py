"""The gateway end to end, in-process: on the embedded default, what the widgets send lands in
the SQLite records store before the 201/202, once per record."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.db.engine import create_engine
from gateway.records.model import ConsentFilter
from gateway.records.store import RecordStore
from gateway.rights.form_tokens import PURPOSE, FormTokens
from gateway.signing import Signing
from tests.gwclient import SITE, settings_for, stored_key
from tests.support.aio import LOOPS, LoopKind, loop_factory
from tests.support.aio import run as run_async

RIGHTS_CONFIG = {"types": ["gdpr_erasure"]}


@pytest.mark.parametrize("loop", LOOPS)
def test_a_consent_and_a_rights_request_land_in_the_sqlite_store(
    data_dir: Path, loop: LoopKind
) -> None:
    settings = settings_for(data_dir)
    key = stored_key(settings, rights_config=RIGHTS_CONFIG)
    pk = key.key.public_key
    headers = {"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8"}
    consent: dict[str, Any] = {
        "consent_id": "c0ffee0123456789",
        "record_key": "retry-key-000001",
        "action": "custom",
        "categories": {"necessary": True, "functional": False, "analytics": True},
        "policy_version": "1",
        "page_url": SITE + "/basket?email=a%40b.example",
    }
    serializer = Signing(settings.signing_secrets()).serializer(PURPOSE)
    rights = {
        "type": "gdpr_erasure",
        "email": "Grace.Hopper@Example.com",
        "requester_type": "self",
        "form_token": FormTokens(serializer, 0, 1).issue(pk, time.time() - 10),
        "website": "",
    }
    app = create_app(settings)
    with TestClient(app, backend_options={"loop_factory": loop_factory(loop)}) as client:
        first = client.post(f"/v1/{pk}/consent", content=json.dumps(consent), headers=headers)
        # The widget sends it again after a lost answer: the same record, stored once.
        again = client.post(f"/v1/{pk}/consent", content=json.dumps(consent), headers=headers)
        asked = client.post(f"/v1/{pk}/rights", content=json.dumps(rights), headers=headers)
        assert (first.status_code, again.status_code, asked.status_code) == (201, 201, 202), (
            asked.text
        )
        record_id = first.json()["record_id"]
        assert again.json()["record_id"] == record_id
        # The receipt kept in the store verifies like the visitor's.

        async def stored_receipt() -> str | None:
            store = client.app.state.services.records  # type: ignore[attr-defined]
            return (await store.get_consent(record_id)).receipt  # type: ignore[no-any-return]

        kept = client.portal.call(stored_receipt)
        assert kept is not None
        verified = client.post(
            "/v1/receipts/verify", json={"receipt": kept}, headers={"X-API-Key": key.private_key}
        )
        assert verified.json()["valid"] is True
        assert verified.json()["record"]["record_id"] == record_id
        ready = client.get("/readyz").json()
        assert ready["checks"]["sink:consent"] == "ok"

    async def read_back() -> None:
        engine = create_engine(f"sqlite:///{data_dir / 'records.db'}")
        try:
            store = RecordStore(engine)
            page = await store.list_consents(ConsentFilter(public_key=pk))
            [stored] = page.items
            assert stored.record_id == record_id
            assert stored.action == "custom"
            assert stored.categories == {
                "necessary": True,
                "functional": False,
                "analytics": True,
                "marketing": False,  # not sent: refused
            }
            assert stored.page_url == SITE + "/basket"  # no query string
            assert stored.account == "acct-1" and stored.origin == SITE
            request = await store.get_rights(asked.json()["reference"])
            assert (request.status, request.email, request.public_key) == (
                "received",
                "grace.hopper@example.com",
                pk,
            )
            assert request.due_at.isoformat() == asked.json()["respond_by"]
        finally:
            await engine.dispose()

    run_async(read_back(), loop)
    # The JSON-lines files stay on beside the store on the embedded default.
    assert len((data_dir / "consent.jsonl").read_text().splitlines()) == 2
    assert (data_dir / "rights.jsonl").exists()
