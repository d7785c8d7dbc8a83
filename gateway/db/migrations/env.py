"""Alembic's environment: migrations on a connection handed over by
:mod:`gateway.db.migrate`, or, under the ``alembic`` command, on an async engine of its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from gateway.accounts.tables import accounts as accounts_table
from gateway.db.engine import create_engine
from gateway.db.metadata import metadata
from gateway.records.tables import consent_records
from gateway.scanner.tables import scan_reports
from gateway.webhooks.tables import webhook_endpoints

# Every table must be declared before autogenerate compares them with the database.
DECLARED = (accounts_table, consent_records, webhook_endpoints, scan_reports)

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


def main() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported; run them on a database")
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url (a GATEWAY_DATABASE_URL) to run migrations")
    asyncio.run(run_with_own_engine(url))


main()
