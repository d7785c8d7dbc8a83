"""The consent records' bulk insert stores what SQLAlchemy's statement stores, value for value."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from gateway.records.bulk import BulkInsert
from gateway.records.convert import consent_row
from gateway.records.tables import consent_records
from tests.conftest import Database
from tests.support.records import T0, consent, open_store


def varied(n: int) -> dict[str, Any]:
    """Records that exercise every column's conversion: times with and without milliseconds and a
    given time, no language, GPC, non-ASCII text, a geo variant, no receipt or digest."""
    fields: list[dict[str, Any]] = [
        {},
        {"action": "withdraw", "gpc": True, "language": None},
        {"action": "custom", "given_at": "2025-03-01T09:59:58.123Z", "variant": "eu"},
        {"page_url": "https://shop.example/caf\u00e9?q=\u00fc", "user_agent": "B\u00f6t/1 \u2603"},
        {"action": "reject_all", "config_digest": None},
    ]
    record = consent(n, at=T0 + timedelta(seconds=n, microseconds=1000 * n), **fields[n % 5])
    return consent_row(record, None if n % 5 == 4 else f"receipt-{n}")


def stored(conn_rows: Any) -> list[tuple[Any, ...]]:
    # Everything but the id, as the database hands it back without any type conversion.
    return sorted(tuple(row[1:]) for row in conn_rows)


def test_bulk_rows_are_stored_as_sqlalchemy_stores_them(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            rows = [varied(n) for n in range(10)]
            theirs = [dict(row, record_id=f"sa_{row['record_id']}") for row in rows]
            bulk = BulkInsert(consent_records, "record_id", store.engine.dialect)
            cast = "::text" if database.dialect == "postgresql" else ""
            columns = ", ".join(f"{c}{cast}" for c in bulk.columns)
            async with store.engine.begin() as conn:
                insert = store.insert_statement(consent_records)
                await conn.execute(insert, theirs)
                new = await bulk.run(conn, rows)
                assert new == {row["record_id"] for row in rows}
                # Again, with one more: only that one is new.
                again = await bulk.run(conn, [*rows[:3], varied(10)])
                assert again == {varied(10)["record_id"]}
                query = f"SELECT {columns} FROM consent_records WHERE record_id LIKE "
                ours = (
                    await conn.execute(
                        text(query + "'cr_%' AND record_id != :last"),
                        {"last": varied(10)["record_id"]},
                    )
                ).all()
                sa = (await conn.execute(text(query + "'sa_%'"))).all()
            assert len(ours) == len(sa) == 10
            assert stored(ours) == stored(sa)

    database.run(scenario())


def test_a_batch_past_the_parameter_limit_is_split(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            bulk = BulkInsert(consent_records, "record_id", store.engine.dialect)
            rows = [varied(n) for n in range(bulk.max_rows + 5)]
            async with store.engine.begin() as conn:
                assert len(await bulk.run(conn, rows)) == len(rows)
            assert await store.count_consents() == len(rows)

    database.run(scenario())


def test_a_row_without_every_column_is_refused(database: Database) -> None:
    async def scenario() -> None:
        async with open_store(database.url) as store:
            bulk = BulkInsert(consent_records, "record_id", store.engine.dialect)
            row = varied(1)
            del row["receipt"]
            with pytest.raises(ValueError, match="every column"):
                bulk.parameters([row])

    database.run(scenario())
