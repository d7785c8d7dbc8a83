"""Which changes of the records store queue which webhook events, in the change's transaction:
new records only (a record stored twice is announced once), nothing for an import of old files,
and the due-soon scan once per request and due date, as one of the records jobs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from gateway.records.events import announce_due_soon
from gateway.records.importer import import_jsonl
from gateway.records.jobs import RecordsJobs
from gateway.webhooks.store import WebhookStore
from tests.conftest import Database
from tests.support.records import T0, consent, new, open_store, rights

EVENTS = [
    "rights_request.created",
    "rights_request.status_changed",
    "rights_request.overdue_soon",
    "consent.withdrawn",
]


async def queued_types(hooks: WebhookStore, endpoint: str) -> list[str]:
    page = await hooks.deliveries("acct-1", endpoint, limit=100)
    return sorted(d.event_type for d in page.items)


def test_changes_queue_their_events_once(database: Database) -> None:
    now = [T0]

    def clock() -> datetime:
        return now[0]

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            hooks = WebhookStore(store.engine, clock)
            endpoint = (await hooks.create("acct-1", "https://h.example/", EVENTS, "", True)).id
            other = await hooks.create("acct-2", "https://h.example/", EVENTS, "", True)
            withdrawal = new(consent(2, action="withdraw"))
            await store.add_consents([new(consent(1)), withdrawal])
            await store.add_consents([withdrawal])  # sent again by the widget: stored once
            await store.add_rights([rights(1)])
            await store.add_rights([rights(1)])
            await store.change_status(rights(1).reference, "verified", actor="ops")
            assert await queued_types(hooks, endpoint) == [
                "consent.withdrawn",
                "rights_request.created",
                "rights_request.status_changed",
            ]
            # The request is due a month after T0: not yet "soon"...
            assert await announce_due_soon(store, 7) == 0
            # ...until a week before; the scan then runs again and again (and on every
            # instance) but announces it once.
            now[0] = datetime.combine(rights(1).respond_by, T0.timetz()) - timedelta(days=6)
            assert await announce_due_soon(store, 7) == 1
            assert await announce_due_soon(store, 7) == 0
            assert (await queued_types(hooks, endpoint)).count("rights_request.overdue_soon") == 1
            # Another account's endpoint heard nothing of this one.
            assert (await hooks.deliveries("acct-2", other.id)).items == ()

    database.run(scenario())


def test_an_import_of_old_records_queues_nothing(database: Database, tmp_path: Path) -> None:
    lines = [
        json.dumps(consent(5, action="withdraw").to_json()),
        json.dumps(rights(5).to_json()),
    ]
    path = tmp_path / "old.jsonl"
    path.write_text("\n".join(lines) + "\n")

    async def scenario() -> None:
        async with open_store(database.url) as store:
            hooks = WebhookStore(store.engine)
            endpoint = (await hooks.create("acct-1", "https://h.example/", EVENTS, "", True)).id
            result = await import_jsonl(store, path)
            assert (result.consents_added, result.rights_added) == (1, 1)
            assert await queued_types(hooks, endpoint) == []

    database.run(scenario())


def test_the_due_soon_scan_is_a_records_job_run_by_one_instance(database: Database) -> None:
    due = datetime.combine(rights(1).respond_by, T0.timetz())
    now = [due - timedelta(days=6)]

    def clock() -> datetime:
        return now[0]

    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            hooks = WebhookStore(store.engine, clock)
            endpoint = (await hooks.create("acct-1", "https://h.example/", EVENTS, "", True)).id
            await store.add_rights([rights(1)], announce=False)
            # Two instances run the records jobs; the one holding the round's lease scans.
            first, second = (
                RecordsJobs(store, 3600, announce_due_soon=lambda: announce_due_soon(store, 7))
                for _ in range(2)
            )
            ran = await first.run_round()
            assert ran is not None and ran.events == 1
            assert await second.run_round() is None
            assert await queued_types(hooks, endpoint) == ["rights_request.overdue_soon"]
            # The next round is anyone's; the request and its due date are not announced again.
            now[0] += timedelta(hours=1)
            again = await second.run_round()
            assert again is not None and again.events == 0
            assert await queued_types(hooks, endpoint) == ["rights_request.overdue_soon"]

    database.run(scenario())
