"""Writing records: once per id, concurrent writes sharing transactions, durable on return."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.util.concurrency import await_

from gateway.delivery.envelope import Envelope, Kind
from gateway.delivery.file import FileSink
from gateway.delivery.sinks import SinkGroup
from gateway.errors import SinkUnavailable
from gateway.records import verification
from gateway.records.sink import DatabaseSink
from gateway.records.store import RecordStore
from tests.conftest import Database
from tests.support.records import KEY, consent, day, new, open_store, rights


def test_the_same_record_twice_is_one_row_and_counted_once(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            assert await store.add_consents([new(consent(1)), new(consent(2))]) == 2
            # Again, alone and inside a batch with a new one: only the new one is added.
            assert await store.add_consents([new(consent(1))]) == 0
            assert await store.add_consents([new(consent(2)), new(consent(3))]) == 1
            assert await store.add_consents([new(consent(4)), new(consent(4))]) == 1
            assert await store.count_consents() == 4
            [stats] = await store.stats(day(0), day(0))
            assert stats.records == 4 and stats.accept_all == 4
            assert await store.add_rights([rights(1)]) == 1
            assert await store.add_rights([rights(1), rights(1)]) == 0
            history = await store.rights_history(rights(1).reference)
            assert [e.to_status for e in history] == ["received"]

    database.run(scenario())


def test_the_sink_stores_a_record_sent_twice_once(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            sink = DatabaseSink("consent", store, receipt=lambda r: f"receipt-of-{r.record_id}")
            record = consent(7).envelope()
            await sink.write(record)
            await sink.write(record)
            await sink.close()
            [stored] = await store.consent_proof(consent(7).consent_id)
            assert stored.record_id == consent(7).record_id
            assert stored.receipt == f"receipt-of-{stored.record_id}"

    database.run(scenario())


async def watch(engine: Any) -> list[tuple[str, object]]:
    """What the engine does, in order: ``("commit", None)`` and ``("insert", table)``.

    On SQLite the statements and commits are read from SQLite's own trace, which also sees what
    the store runs in the driver's thread, past SQLAlchemy's events
    (gateway.records.consent_writes), and a commit made through SQLAlchemy alike."""
    log: list[tuple[str, object]] = []

    def on_commit(_conn: Any) -> None:
        log.append(("commit", None))

    def on_statement(statement: str) -> None:
        if statement.startswith("INSERT INTO consent_records"):
            log.append(("insert", "consent_records"))
        elif statement == "COMMIT":
            log.append(("commit", None))

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        on_statement(statement)

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        driver = dbapi_connection.driver_connection
        await_(driver._execute(driver._conn.set_trace_callback, on_statement))

    if engine.dialect.name == "sqlite":
        await engine.dispose()  # every connection from now on is traced
        event.listen(engine.sync_engine, "connect", on_connect)
    else:
        event.listen(engine.sync_engine, "commit", on_commit)
        event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    return log


def test_concurrent_writes_share_one_transaction_and_return_after_its_commit(
    database: Database,
) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            log = await watch(store.engine)
            sink = DatabaseSink("consent", store)

            async def write(n: int) -> None:
                await sink.write(consent(n).envelope())
                log.append(("returned", n))

            await asyncio.gather(*(write(n) for n in range(50)))
            await sink.close()
            commits = [i for i, (what, _) in enumerate(log) if what == "commit"]
            inserts = [what for what, _ in log if what == "insert"]
            returned = [i for i, (what, _) in enumerate(log) if what == "returned"]
            # Fifty writers, one transaction with one INSERT statement.
            assert len(commits) == 1
            assert len(inserts) == 1
            assert len(returned) == 50
            # Nobody heard "stored" before the commit.
            assert commits[0] < min(returned)
            # And it is visible to everyone else: another engine counts every record.
            async with open_store(database.url) as reader:
                assert await reader.count_consents() == 50

    database.run(scenario())


def test_writes_arriving_during_a_transaction_share_the_next_one(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            log = await watch(store.engine)
            sink = DatabaseSink("consent", store)
            first = asyncio.ensure_future(sink.write(consent(0).envelope()))
            # Wait until the first record's transaction has started, then send 30 more.
            while not any(what == "insert" for what, _ in log):
                await asyncio.sleep(0)
            rest = [asyncio.ensure_future(sink.write(consent(n).envelope())) for n in range(1, 31)]
            await asyncio.gather(first, *rest)
            assert [what for what, _ in log if what == "commit"] == ["commit", "commit"]
            assert await store.count_consents() == 31

    database.run(scenario())


def test_a_record_the_database_refuses_fails_only_its_own_writer(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            sink = DatabaseSink("consent", store)
            broken = replace(consent(5), page_url=None)  # type: ignore[arg-type]
            records = [consent(n) for n in range(10) if n != 5] + [broken]
            results = await asyncio.gather(
                *(sink.write(r.envelope()) for r in records), return_exceptions=True
            )
            assert isinstance(results[-1], SinkUnavailable)
            assert results[:-1] == [None] * 9
            assert await store.count_consents() == 9
            [stats] = await store.stats(day(0), day(0), public_key=KEY)
            assert stats.records == 9

    database.run(scenario())


@pytest.mark.parametrize("service", ["consent", "rights"])
def test_a_malformed_record_is_refused_before_the_database(
    database: Database, service: str
) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            sink = DatabaseSink(service, store)
            kind: Kind = "consent" if service == "consent" else "rights_request"
            half = Envelope(kind, "cr_1", "2025-03-01T10:00:00.000Z", KEY, "a", "o", {"x": 1})
            with pytest.raises(SinkUnavailable):
                await sink.write(half)

    database.run(scenario())


def test_the_digest_of_the_config_shown_is_kept_and_older_records_have_none(
    database: Database,
) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            sink = DatabaseSink("consent", store)
            await sink.write(consent(8, config_digest="0123456789abcdef0123").envelope())
            # A record from before the widget sent the digest (a file import, say) lacks the field.
            old = consent(9).envelope()
            body = {k: v for k, v in old.body.items() if k != "config_digest"}
            await sink.write(replace(old, body=body))
            await sink.close()
            [shown] = await store.consent_proof(consent(8).consent_id)
            assert shown.config_digest == "0123456789abcdef0123"
            [older] = await store.consent_proof(consent(9).consent_id)
            assert older.config_digest is None

    database.run(scenario())


def test_banners_shown_are_added_to_the_days_rollup_beside_its_records(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            await store.add_shown([(day(0), KEY, "acct-1", 5)])
            await store.add_consents([new(consent(1)), new(consent(2, action="reject_all"))])
            await store.add_shown([(day(0), KEY, "acct-1", 2), (day(1), KEY, "acct-1", 1)])
            first, second = await store.stats(day(0), day(1))
            assert (first.shown, first.records, first.reject_all) == (7, 2, 1)
            assert (second.shown, second.records) == (1, 0)

    database.run(scenario())


def test_requests_arriving_with_their_codes_are_stored_with_them_in_one_commit(
    database: Database,
) -> None:
    # A request whose requester confirms by code is stored with that code, in the same
    # transaction; fifty arriving together share it (the rights POST's one durable write).
    async def scenario() -> None:
        async with open_store(database.url) as store:
            log = await watch(store.engine)
            sink = DatabaseSink("rights", store)
            requests = [
                replace(
                    rights(n, reference=f"RR-{n:04d}-CODE"),
                    email_verified=False,
                    code=(f"{n:064x}", rights(n).received_at + timedelta(minutes=10)),
                )
                for n in range(50)
            ]
            await asyncio.gather(*(sink.write(r.envelope()) for r in requests))
            await sink.close()
            assert [what for what, _ in log].count("commit") == 1
            for r in requests[:3]:
                waiting = await verification.pending(store, r.reference)
                assert waiting is not None and waiting.sends == 1
                assert waiting.sent_at == r.received_at
                at = r.received_at + timedelta(minutes=5)
                digest = f"{requests.index(r):064x}"
                confirmed = await verification.check_code(store, r.reference, digest, at, 5)
                assert confirmed is not None and confirmed.email_verified

    database.run(scenario())


def both_sinks(store: RecordStore, lines: Path) -> SinkGroup:
    """The embedded default's consent sinks: the records store and the JSON-lines file."""
    return SinkGroup("consent", [DatabaseSink("consent", store), FileSink("consent", lines)])


async def stored_once(store: RecordStore, n: int) -> bool:
    return [s.record_id for s in await store.consent_proof(consent(n).consent_id)] == [
        consent(n).record_id
    ]


def test_a_record_goes_to_both_sinks_even_when_its_caller_gives_up(
    database: Database, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            group = both_sinks(store, tmp_path / "consent.jsonl")
            caller = asyncio.ensure_future(group.write(consent(21).envelope()))
            await asyncio.sleep(0)  # queued in both sinks, waiting for them
            caller.cancel()
            with pytest.raises(asyncio.CancelledError):
                await caller
            await group.close()
            assert await stored_once(store, 21)
            [line] = (tmp_path / "consent.jsonl").read_text().splitlines()
            assert json.loads(line)["record_id"] == consent(21).record_id

    database.run(scenario())


def test_one_sink_failing_fails_the_write_and_the_other_keeps_the_record(
    database: Database, tmp_path: Path
) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            blocked = tmp_path / "not-a-folder"
            blocked.write_text("a file where the sink's folder should be")
            group = both_sinks(store, blocked / "consent.jsonl")
            with pytest.raises(SinkUnavailable, match="record file"):
                await group.write(consent(22).envelope())
            await group.close()
            # The widget sends it again later; the store already has it, once.
            assert await stored_once(store, 22)

    database.run(scenario())


def test_on_sqlite_a_consent_batch_runs_in_one_trip_to_the_driver(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            seen: list[str] = []

            def on_execute(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
                seen.append(statement.split("(", 1)[0].strip())

            event.listen(store.engine.sync_engine, "before_cursor_execute", on_execute)
            assert await store.add_consents([new(consent(n)) for n in range(5)]) == 5
            through_sqlalchemy = list(seen)
            [stats] = await store.stats(day(0), day(0))
            assert stats.records == 5
            batch = [s for s in seen if s.startswith("INSERT INTO consent")]
            if database.dialect == "sqlite":
                # The whole transaction, BEGIN to COMMIT, went past SQLAlchemy's cursor.
                assert through_sqlalchemy == []
            else:
                assert batch == [
                    "INSERT INTO consent_records",
                    "INSERT INTO consent_daily",
                    "INSERT INTO consent_daily_categories",
                ]

    database.run(scenario())
