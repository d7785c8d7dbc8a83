"""Webhooks end to end, on SQLite and on PostgreSQL: what happens in the gateway reaches a real
receiver on loopback, signed (checked there with the Standard Webhooks library), once each; a
failing receiver gets retries, then the delivery is dead-lettered, and a replay delivers it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from gateway.records.events import announce_due_soon
from tests.support.wait import poll
from tests.webhooks.helpers import ALL_EVENTS, hooks_gateway


def test_each_event_reaches_the_receiver_once_and_verified(
    data_dir: Path, database_url: str
) -> None:
    with hooks_gateway(data_dir, database_url) as hooks:
        endpoint = hooks.register()
        assert endpoint["secret"].startswith("whsec_")
        assert endpoint["events"] == ALL_EVENTS
        # The secret is shown once: never again in a listing or a read.
        listed = hooks.api("GET", "/webhooks").json()["items"]
        assert [e["id"] for e in listed] == [endpoint["id"]]
        assert "secret" not in listed[0]
        assert "secret" not in hooks.api("GET", f"/webhooks/{endpoint['id']}").json()

        hooks.consent("visitor00000001", "accept_all")  # no event: not a withdrawal
        withdrawal = hooks.consent("visitor00000001", "withdraw")
        reference = hooks.rights("ada@example.com")
        moved = hooks.api("PATCH", f"/rights-requests/{reference}", json={"status": "verified"})
        assert moved.status_code == 200, moved.text
        # A private key in a widget URL: the key is flagged exposed, and its owner told.
        leaked = hooks.client.get(
            f"/v1/{hooks.pk}/consent/config", params={"k": hooks.key.private_key}
        )
        assert leaked.status_code == 403
        store = hooks.services.records
        assert store is not None
        # The scan for requests coming due, run twice (as two instances would): one event.
        for _ in range(2):
            hooks.client.portal.call(announce_due_soon, store, 40)  # type: ignore[union-attr]

        deliveries = hooks.settled(endpoint["id"], 5)
        assert Counter(d["status"] for d in deliveries) == {"delivered": 5}
        assert all(len(d["history"]) == 1 for d in deliveries)
        assert all(d["history"][0]["status_code"] == 204 for d in deliveries)

        receiver = hooks.receiver
        assert receiver.unverified == 0
        assert Counter(receiver.types()) == {
            "consent.withdrawn": 1,
            "rights_request.created": 1,
            "rights_request.status_changed": 1,
            "key.exposed": 1,
            "rights_request.overdue_soon": 1,
        }
        # Once each: one request per message id, and every id its own.
        assert set(receiver.hits.values()) == {1} and len(receiver.hits) == 5
        [withdrawn] = receiver.of_type("consent.withdrawn")
        assert withdrawn.payload["data"]["record_id"] == withdrawal
        assert withdrawn.payload["data"]["consent_id"] == "visitor00000001"
        [created] = receiver.of_type("rights_request.created")
        assert created.payload["data"]["reference"] == reference
        assert created.payload["data"]["status"] == "received"
        # Thin events: nothing of the requester's identity travels.
        assert "ada@example.com" not in str([r.payload for r in receiver.accepted])
        [changed] = receiver.of_type("rights_request.status_changed")
        assert (changed.payload["data"]["from_status"], changed.payload["data"]["to_status"]) == (
            "received",
            "verified",
        )
        [exposed] = receiver.of_type("key.exposed")
        assert exposed.payload["data"]["public_key"] == hooks.pk
        [due] = receiver.of_type("rights_request.overdue_soon")
        assert due.payload["data"]["reference"] == reference
        for received in receiver.accepted:
            assert set(received.payload) == {"type", "timestamp", "data"}
            assert received.headers["webhook-id"].startswith("msg_")


def test_a_failing_receiver_gets_retries_then_dead_letter_and_a_replay_delivers(
    data_dir: Path, database_url: str
) -> None:
    with hooks_gateway(data_dir, database_url) as hooks:
        endpoint = hooks.register(["rights_request.created"])
        hooks.receiver.mode = "fail"
        sent = hooks.api("POST", f"/webhooks/{endpoint['id']}/test")
        assert sent.status_code == 202, sent.text
        assert sent.json()["event_type"] == "webhook.test"

        [dead] = hooks.settled(endpoint["id"], 1)
        assert dead["status"] == "dead"
        # GATEWAY_WEBHOOK_MAX_ATTEMPTS=3: three attempts, each with its status and duration.
        assert [a["outcome"] for a in dead["history"]] == ["retry", "retry", "dead"]
        assert {a["status_code"] for a in dead["history"]} == {500}
        assert all(a["error"] == "http_status" and a["duration_ms"] >= 0 for a in dead["history"])
        message_id = dead["message_id"]
        assert hooks.receiver.hits[message_id] == 3 and hooks.receiver.accepted == []
        assert hooks.deliveries(endpoint["id"], status="dead")[0]["id"] == dead["id"]

        hooks.receiver.mode = "ok"
        replayed = hooks.api("POST", f"/webhooks/{endpoint['id']}/deliveries/{dead['id']}/replay")
        assert replayed.status_code == 202, replayed.text
        [delivered] = hooks.settled(endpoint["id"], 1)
        assert delivered["status"] == "delivered"
        assert [a["outcome"] for a in delivered["history"]][-1] == "delivered"
        # The same message, the same webhook-id, verified by the receiver this time.
        [received] = hooks.receiver.accepted
        assert received.message_id == message_id
        assert received.payload["type"] == "webhook.test"
        assert received.payload["data"]["endpoint_id"] == endpoint["id"]
        # Each attempt counted by its outcome, for the operator's dashboard and alerts.
        metrics = hooks.client.get("/metrics").text
        for outcome, count in (("retry", 2), ("dead", 1), ("delivered", 1)):
            assert f'gateway_webhook_attempts_total{{outcome="{outcome}"}} {count}.0' in metrics
        # The store's statements are timed too.
        assert "gateway_database_query_seconds_count " in metrics
        assert "gateway_database_query_seconds_count 0.0" not in metrics


def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(
    data_dir: Path, database_url: str
) -> None:
    with hooks_gateway(data_dir, database_url) as hooks:
        endpoint = hooks.register(["key.exposed"])
        rotated = hooks.api("POST", f"/webhooks/{endpoint['id']}/rotate-secret")
        assert rotated.status_code == 200, rotated.text
        new_secret = rotated.json()["secret"]
        assert new_secret.startswith("whsec_") and new_secret != endpoint["secret"]
        assert rotated.json()["previous_secret_until"] is not None
        hooks.receiver.secrets.append(new_secret)
        hooks.api("POST", f"/webhooks/{endpoint['id']}/test")
        poll(lambda: hooks.receiver.accepted, within=30)
        # Both secrets verify it: a receiver not yet updated keeps working.
        assert hooks.receiver.accepted[0].verified_with == [0, 1]


def test_a_disabled_endpoint_gets_nothing_and_a_deleted_one_is_gone(
    data_dir: Path, database_url: str
) -> None:
    with hooks_gateway(data_dir, database_url) as hooks:
        endpoint = hooks.register(["rights_request.created"])
        off = hooks.api("PATCH", f"/webhooks/{endpoint['id']}", json={"enabled": False})
        assert off.status_code == 200 and off.json()["enabled"] is False
        hooks.rights("grace@example.com")
        assert hooks.deliveries(endpoint["id"]) == []
        refused = hooks.api("POST", f"/webhooks/{endpoint['id']}/test")
        assert refused.status_code == 409
        changed = hooks.api(
            "PATCH",
            f"/webhooks/{endpoint['id']}",
            json={"enabled": True, "events": ["consent.withdrawn"], "description": "CRM"},
        )
        assert changed.json()["events"] == ["consent.withdrawn"]
        assert changed.json()["description"] == "CRM"
        hooks.rights("linus@example.com")  # not wanted any more
        hooks.consent("visitor00000002", "withdraw")
        [only] = hooks.settled(endpoint["id"], 1)
        assert only["event_type"] == "consent.withdrawn"
        assert hooks.api("DELETE", f"/webhooks/{endpoint['id']}").status_code == 204
        assert hooks.api("GET", f"/webhooks/{endpoint['id']}").status_code == 404
        assert hooks.api("GET", "/webhooks").json()["items"] == []
