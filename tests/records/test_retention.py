"""Retention on SQLite and PostgreSQL: old consent proofs go and new ones stay, closed requests
are anonymised after their period and open ones are kept, per account; a lease lets one purger
run at a time; ``widget-gateway records purge`` runs it by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from gateway.cli import main as cli
from gateway.clock import now_utc
from gateway.db.engine import create_engine
from gateway.errors import InvalidPayload
from gateway.records import casework, leases, retention
from gateway.records.jobs import PURGE_LEASE, RecordsJobs, purge_exclusively
from gateway.records.retention import RetentionRule
from gateway.records.store import RecordStore
from tests.conftest import Database
from tests.support.aio import in_thread
from tests.support.records import consent, new, open_store, rights

NOW = datetime(2027, 6, 15, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def fill(store: RecordStore, now: datetime = NOW) -> None:
    """Consents of acct-1 and acct-2 aged 14 and 12 months; requests of acct-1 closed 400 and
    30 days ago, and one open since 500 days."""
    original = store.clock
    ages = {1: 14, 2: 12, 3: 14, 4: 12}
    await store.add_consents(
        [
            new(
                consent(
                    n,
                    received_at=iso(now - timedelta(days=30 * months + 5)),
                    account="acct-1" if n <= 2 else "acct-2",
                )
            )
            for n, months in ages.items()
        ]
    )
    for n, days in ((1, 400), (2, 30), (3, 500)):
        request = rights(n, at=now - timedelta(days=days + 10))
        await store.add_rights([request])
        if n != 3:
            store.clock = lambda d=days: now - timedelta(days=d)
            await casework.add_message(store, request.reference, author="ops", body="Your data")
            await store.change_status(request.reference, "refused", actor="ops", note="no match")
    store.clock = original


def test_old_records_go_and_new_ones_stay(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await fill(store)
            dry = await retention.purge(store, dry_run=True)
            assert (dry.consents_deleted, dry.rights_anonymised, dry.dry_run) == (2, 1, True)
            assert await store.count_consents() == 4  # a dry run changes nothing
            done = await retention.purge(store)
            assert (done.consents_deleted, done.rights_anonymised) == (2, 1)
            kept = await store.list_consents()
            assert sorted(c.record_id for c in kept.items) == [
                consent(2).record_id,
                consent(4).record_id,
            ]
            old = await store.get_rights(rights(1).reference)
            assert (old.email, old.identity, old.message) == ("", {}, None)
            assert old.anonymised_at == NOW and old.status == "refused"
            history = await store.rights_history(old.reference)
            assert all(e.note is None for e in history) and history[-1].kind == "anonymised"
            assert await casework.messages(store, old.reference) == []
            for recent in (rights(2).reference, rights(3).reference):
                assert (await store.get_rights(recent)).email.startswith("person")
            assert (await retention.purge(store)).rights_anonymised == 0  # once only

    database.run(scenario())


def test_an_account_rule_replaces_the_defaults_for_that_account_only(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url, clock) as store:
            await fill(store)
            await retention.set_rule(store, "acct-2", RetentionRule(consent_months=24))
            await retention.set_rule(store, "acct-1", RetentionRule(11, rights_days=20))
            assert await retention.rule_for(store, "acct-1") == RetentionRule(11, 20)
            assert await retention.rule_for(store, "acct-9") == RetentionRule(13, 365)
            done = await retention.purge(store)
            # acct-1 keeps 11 months (both its consents go), acct-2 24 (both stay); both of
            # acct-1's closed requests are past 20 days.
            assert (done.consents_deleted, done.rights_anonymised) == (2, 2)
            left = {c.record_id for c in (await store.list_consents()).items}
            assert left == {consent(3).record_id, consent(4).record_id}
            with pytest.raises(InvalidPayload):
                await retention.set_rule(store, "acct-1", RetentionRule(consent_months=0))

    database.run(scenario())


def test_two_purgers_never_run_at_once(database: Database) -> None:
    async def scenario() -> None:
        await open_store(database.url).__aenter__()  # migrated
        engines = [create_engine(database.url) for _ in range(4)]
        stores = [RecordStore(e, clock) for e in engines]
        try:
            await fill(stores[0])
            # Four instances race for the lease: exactly one gets it.
            taken = await asyncio.gather(
                *(
                    leases.acquire(s, PURGE_LEASE, f"instance-{i}", timedelta(minutes=15))
                    for i, s in enumerate(stores)
                )
            )
            assert sorted(taken) == [False, False, False, True]
            winner = taken.index(True)
            other = stores[(winner + 1) % 4]
            assert await purge_exclusively(other, "instance-x") is None
            assert await other.count_consents() == 4  # it did not run
            await leases.release(stores[winner], PURGE_LEASE, f"instance-{winner}")
            report = await purge_exclusively(other, "instance-x")
            assert report is not None and report.consents_deleted == 2
        finally:
            for engine in engines:
                await engine.dispose()

    database.run(scenario())


def test_a_round_of_the_jobs_runs_on_one_instance_per_interval(database: Database) -> None:
    now = [NOW]

    async def scenario() -> None:
        async with open_store(database.url, lambda: now[0]) as store:
            await fill(store)
            first, second = RecordsJobs(store, 3600), RecordsJobs(store, 3600)
            ran = await first.run_round()
            assert ran is not None and ran.purge is not None and ran.purge.consents_deleted == 2
            assert await second.run_round() is None  # this round is the first one's
            now[0] += timedelta(hours=1)
            assert await second.run_round() is not None  # the next round is anyone's
            assert await first.run_round() is None

    database.run(scenario())


def test_the_purge_command_counts_then_purges(
    database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def setup() -> None:
        async with open_store(database.url) as store:
            await fill(store, now_utc())  # the command reads the real clock

    database.run(setup())
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database.url)
    assert in_thread(cli.main, ["records", "purge", "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == (
        "consent records would delete: 2; rights requests would anonymise: 1"
    )
    assert in_thread(cli.main, ["records", "retention", "acct-1", "--consent-months", "120"]) == 0
    assert "kept 120 months" in capsys.readouterr().out
    assert in_thread(cli.main, ["records", "purge"]) == 0
    assert capsys.readouterr().out.strip() == (
        "consent records deleted: 1; rights requests anonymised: 1"
    )
    assert in_thread(cli.main, ["records", "retention", "acct-1", "--rights-days", "-1"]) == 2
