"""Migrations build the schema from an empty database, and come back down and up again."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from gateway.db.engine import create_engine
from gateway.db.metadata import metadata
from gateway.db.migrate import NEWEST, alembic_config, current, downgrade, ensure_newest, upgrade
from gateway.records import tables
from gateway.records.convert import rights_row
from gateway.records.store import RecordStore
from gateway.webhooks.store import WebhookStore
from tests.conftest import Database
from tests.support.records import consent, new, open_store, rights

# Revisions after 0001 come from other packages (0002_accounts: gateway.accounts,
# 0005_webhooks: gateway.webhooks); 0003 adds the rights workflow's deadlines, messages,
# notices, retention rules and job leases; 0004 the consent records' config digest; 0006 the
# scanner's last report per key (gateway.scanner); 0007 the requesters' e-mail verification;
# 0008 the requests filed by authorised agents; 0009 the requester's space (its codes,
# sessions and documents).
HEAD = "0009_requester_space"
PREVIOUS = "0004_consent_config_digest"
ACCOUNT_TABLES = {
    "accounts",
    "people",
    "memberships",
    "invitations",
    "recovery_codes",
    "password_resets",
    "console_sessions",
}
WEBHOOK_TABLES = {"webhook_endpoints", "webhook_messages", "webhook_deliveries", "webhook_attempts"}
SCAN_TABLES = {"scan_reports"}
RECORD_TABLES = {
    "consent_records",
    "consent_daily",
    "consent_daily_categories",
    "rights_requests",
    "rights_events",
    "rights_messages",
    "rights_notices",
    "retention_rules",
    "leases",
}
VERIFICATION_TABLES = {"rights_verifications", "rights_agents"}
SPACE_TABLES = {"rights_space_codes", "rights_space_sessions", "rights_documents"}
ALL_TABLES = (
    RECORD_TABLES
    | ACCOUNT_TABLES
    | WEBHOOK_TABLES
    | SCAN_TABLES
    | VERIFICATION_TABLES
    | SPACE_TABLES
)


async def schema(url: str) -> tuple[set[str], list[object]]:
    """The tables present, and how they differ from the declared ones (empty: identical)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def look(sync: object) -> tuple[set[str], list[object]]:
                names = set(inspect(sync).get_table_names()) - {"alembic_version"}
                context = MigrationContext.configure(sync, opts={"compare_type": True})  # type: ignore[arg-type]
                return names, list(compare_metadata(context, metadata))

            return await conn.run_sync(look)
    finally:
        await engine.dispose()


def test_an_empty_database_migrates_to_exactly_the_declared_schema(database: Database) -> None:
    async def scenario() -> None:
        assert await current(database.url) is None
        await upgrade(database.url)
        assert await current(database.url) == HEAD
        names, differences = await schema(database.url)
        assert names == ALL_TABLES
        assert differences == []
        # A second run (another instance starting) finds nothing to do.
        await upgrade(database.url)
        assert await current(database.url) == HEAD

    database.run(scenario())


def test_downgrade_to_nothing_and_upgrade_again(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            assert await store.add_consents([new(consent(1))]) == 1
        await downgrade(database.url, "base")
        assert await current(database.url) is None
        assert (await schema(database.url))[0] == set()
        async with open_store(database.url) as store:
            assert await current(database.url) == HEAD
            # The tables are back, empty, and take records again.
            assert await store.count_consents() == 0
            assert await store.add_consents([new(consent(1))]) == 1

    database.run(scenario())


def test_the_newest_revision_the_gateway_knows_is_alembics_head() -> None:
    # A new migration without NEWEST moved up would let a start skip it.
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == NEWEST == HEAD


def test_a_start_migrates_an_empty_database_and_one_that_is_behind(database: Database) -> None:
    async def scenario() -> None:
        await ensure_newest(database.url)
        assert await current(database.url) == HEAD
        await downgrade(database.url, PREVIOUS)
        await ensure_newest(database.url)
        assert await current(database.url) == HEAD
        names, differences = await schema(database.url)
        assert names == ALL_TABLES
        assert differences == []

    database.run(scenario())


def alembic_loaded_after_a_start(url: str) -> str:
    """Whether a fresh process that starts on ``url`` has Alembic and Mako in memory."""
    probe = (
        "import asyncio, sys\n"
        "from gateway.db.migrate import ensure_newest\n"
        f"asyncio.run(ensure_newest({url!r}))\n"
        "print('alembic' in sys.modules, 'mako' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout.strip()


def test_a_start_on_a_database_already_newest_leaves_alembic_unloaded(database: Database) -> None:
    # About 5 MB of every worker's memory. Behind, the same start does load it and migrates.
    database.run(upgrade(database.url, PREVIOUS))
    assert alembic_loaded_after_a_start(database.url) == "True True"
    assert database.run(current(database.url)) == HEAD
    assert alembic_loaded_after_a_start(database.url) == "False False"
    assert database.run(current(database.url)) == HEAD


def test_every_table_is_on_the_shared_metadata() -> None:
    assert {t.name for t in metadata.sorted_tables} >= RECORD_TABLES
    assert tables.consent_records.metadata is metadata
    # The naming convention names keys the same way on every dialect.
    assert tables.consent_records.primary_key.name == "pk_consent_records"


def test_instances_starting_together_migrate_once(database: Database) -> None:
    async def scenario() -> None:
        # Three instances start at the same moment: one migrates, the others wait and find
        # nothing left to do; none fails on a table that another just created.
        await asyncio.gather(*(upgrade(database.url) for _ in range(3)))
        assert await current(database.url) == HEAD
        assert (await schema(database.url))[1] == []

    database.run(scenario())


def test_a_database_of_the_previous_release_gains_the_webhook_tables(database: Database) -> None:
    async def scenario() -> None:
        await upgrade(database.url, PREVIOUS)
        assert (await schema(database.url))[0] == RECORD_TABLES | ACCOUNT_TABLES
        engine = create_engine(database.url)
        try:
            store = RecordStore(engine)
            # Written by the previous release, before there was any webhook table.
            assert await store.add_consents([new(consent(1))]) == 1
            await upgrade(database.url)
            assert await current(database.url) == HEAD
            names, differences = await schema(database.url)
            assert names == ALL_TABLES
            assert differences == []
            # What was there is still there, and the new tables work beside it.
            assert await store.count_consents() == 1
            hooks = WebhookStore(engine)
            made = await hooks.create(
                "acct-1", "https://hooks.example/in", ["key.exposed"], "", True
            )
            assert [e.id for e in await hooks.endpoints("acct-1")] == [made.id]
            # And back down to the previous release: the webhook tables go, the records stay.
            await downgrade(database.url, PREVIOUS)
            assert (await schema(database.url))[0] == RECORD_TABLES | ACCOUNT_TABLES
            assert await store.count_consents() == 1
        finally:
            await engine.dispose()

    database.run(scenario())


def test_requests_of_the_previous_release_count_as_verified_on_the_day_they_arrived(
    database: Database,
) -> None:
    async def scenario() -> None:
        await upgrade(database.url, "0006_scan_reports")
        engine = create_engine(database.url)
        try:
            # A request as the previous release wrote it: no verification column yet.
            row = rights_row(rights(1))
            del row["email_verified_at"]
            async with engine.begin() as conn:
                await conn.execute(tables.rights_requests.insert().values(**row))
            await upgrade(database.url)
            store = RecordStore(engine)
            found = await store.get_rights(row["reference"])
            assert found.email_verified_at == row["received_at"]
            assert found.due_at == row["due_at"]  # its clock and due date unchanged
            assert (await schema(database.url))[1] == []
            await downgrade(database.url, "0006_scan_reports")
            names = (await schema(database.url))[0]
            assert "rights_verifications" not in names
            async with engine.connect() as conn:
                kept = (await conn.execute(text("SELECT reference FROM rights_requests"))).all()
            assert [r[0] for r in kept] == [row["reference"]]
        finally:
            await engine.dispose()

    database.run(scenario())
