"""A batch of consent records into the store: the records, then the daily roll-ups of the new ones.

On SQLite the whole batch runs in one trip to the driver's thread. Through SQLAlchemy's async
adapter every statement takes three or four trips there and back (a cursor, the statement, the
fetch, closing the cursor), which made a transaction's fixed cost most of a record's cost. The
statements are the same on both routes (:class:`~gateway.records.bulk.BulkInsert` for the records,
the roll-ups' ``INSERT … ON CONFLICT DO UPDATE`` compiled by SQLAlchemy for the dialect) and run
on the transaction's own connection, so the commit, the rollback on failure and any statement
after them in the transaction (the webhook events of withdrawals) stay SQLAlchemy's.

A batch with nothing to add after its records (no withdrawal to announce) goes further:
:meth:`ConsentWriter.write_alone` runs the whole transaction, ``BEGIN`` to ``COMMIT``, in that one
trip, on a connection checked out of SQLAlchemy's pool. Through SQLAlchemy the ``BEGIN`` and the
commit took four more trips, and their bookkeeping was most of the main thread's share of a
batch (about 400 µs of ~800 µs for a batch of one).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, date
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.errors import StoreUnavailable
from gateway.records.bulk import BulkInsert
from gateway.records.model import ACTIONS
from gateway.records.tables import consent_daily, consent_daily_categories, consent_records

Rows = list[dict[str, Any]]
DAY_KEYS = ["day", "public_key"]
CATEGORY_KEYS = ["day", "public_key", "category"]


def rollup_rows(fresh: Sequence[dict[str, Any]]) -> tuple[Rows, Rows]:
    """The counts that newly stored records add: per day and key, per day, key and category.

    Sorted, so concurrent writers lock rollup rows in one order and never deadlock."""
    days: dict[tuple[date, str], Counter[str]] = {}
    accounts: dict[str, str] = {}
    categories: dict[tuple[date, str, str], list[int]] = {}  # [records, granted]
    for row in fresh:
        day = row["received_at"].astimezone(UTC).date()
        key = row["public_key"]
        accounts[key] = row["account"]
        counts = days.get((day, key))
        if counts is None:
            counts = days[(day, key)] = Counter()
        counts["records"] += 1
        counts[row["action"]] += 1
        for category, granted in row["choices"]["categories"].items():
            per = categories.get((day, key, category))
            if per is None:
                per = categories[(day, key, category)] = [0, 0]
            per[0] += 1
            per[1] += bool(granted)
    day_rows = [
        {"day": d, "public_key": k, "account": accounts[k], "records": c["records"]}
        | {a: c[a] for a in ACTIONS}
        for (d, k), c in sorted(days.items())
    ]
    category_rows = [
        {"day": d, "public_key": k, "category": cat, "records": n, "granted": granted}
        for (d, k, cat), (n, granted) in sorted(categories.items())
    ]
    return day_rows, category_rows


def _rollups(rows: Rows, new: set[str]) -> list[tuple[Table, list[str], Rows]]:
    """The roll-up tables the newly stored rows add to, with their keys and rows."""
    day_rows, category_rows = rollup_rows([r for r in rows if r["record_id"] in new])
    return [
        (table, keys, counts)
        for table, keys, counts in (
            (consent_daily, DAY_KEYS, day_rows),
            (consent_daily_categories, CATEGORY_KEYS, category_rows),
        )
        if counts
    ]


class _Compiled:
    """One statement as the dialect's SQL text, with its parameters in order, each through its
    column's bind processor."""

    def __init__(self, statement: Any, table: Table, columns: Sequence[str], dialect: Dialect):
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        self.sql = str(compiled)
        names = list(compiled.positiontup or ())
        self._plan: list[tuple[str, Callable[[Any], Any] | None]] = [
            (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        ]

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [
            tuple(row[n] if process is None else process(row[n]) for n, process in self._plan)
            for row in rows
        ]


class ConsentWriter:
    """Writes batches of consent rows in the current transaction; see the module's docstring."""

    def __init__(self, dialect: Dialect, counts_statement: Callable[..., Any]) -> None:
        self._dialect = dialect
        self._counts_statement = counts_statement
        self._records = BulkInsert(consent_records, "record_id", dialect)
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}
        self.one_trip = dialect.name == "sqlite"

    async def write(self, conn: AsyncConnection, rows: Rows) -> set[str]:
        """Insert the rows not stored yet and count them in the roll-ups; their ids."""
        if not rows:
            return set()
        if self.one_trip:
            new = await _in_driver_thread(conn, self._write_sqlite, rows)
            if new is not None:
                return new
        new = await self._records.run(conn, rows)
        for table, keys, counts in _rollups(rows, new):
            await conn.execute(self._counts_statement(table, keys, counts), counts)
        return new

    async def write_alone(self, engine: AsyncEngine, rows: Rows) -> set[str] | None:
        """On SQLite, ``rows`` in a transaction of their own, made in one trip; the ids that were
        new. None when this route is not open (another database, an aiosqlite without the call
        it needs): the caller writes them through SQLAlchemy instead."""
        if not self.one_trip or not rows:
            return None
        try:
            async with engine.connect() as conn:  # a pooled connection, no transaction begun
                return await _in_driver_thread(conn, self._transaction_sqlite, rows, alone=True)
        except SQLAlchemyError:
            raise StoreUnavailable("The records store could not be written.") from None

    def _transaction_sqlite(self, db: sqlite3.Connection, rows: Rows) -> set[str]:
        # In the driver's thread. The connection is in autocommit mode (SQLAlchemy's BEGIN is
        # the one in gateway.db.engine), so the transaction is this function's own.
        db.execute("BEGIN")
        try:
            new = self._write_sqlite(db, rows)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return new

    def _write_sqlite(self, db: sqlite3.Connection, rows: Rows) -> set[str]:
        new: set[str] = set()
        for sql, parameters in self._records.statements(rows):
            cursor = db.execute(sql, parameters)
            new.update(row[0] for row in cursor.fetchall())
            cursor.close()
        for table, keys, counts in _rollups(rows, new):
            compiled = self._compiled_counts(table, keys, counts)
            db.executemany(compiled.sql, compiled.parameters(counts))
        return new

    def _compiled_counts(self, table: Table, keys: list[str], rows: Rows) -> _Compiled:
        columns = tuple(rows[0])
        found = self._compiled.get((table.name, columns))
        if found is None:
            statement = self._counts_statement(table, keys, rows)
            found = self._compiled[(table.name, columns)] = _Compiled(
                statement, table, columns, self._dialect
            )
        return found


async def _in_driver_thread(
    conn: AsyncConnection,
    work: Callable[[sqlite3.Connection, Rows], set[str]],
    rows: Rows,
    *,
    alone: bool = False,
) -> set[str] | None:
    """``work(db, rows)`` in aiosqlite's thread, on ``conn``'s own SQLite connection; None when
    this aiosqlite has no such call (the caller takes SQLAlchemy's route)."""
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    run = getattr(driver, "_execute", None)  # aiosqlite's call in its own thread
    if run is None:
        return None
    try:
        new: set[str] = await run(work, driver._conn, rows)
    except (sqlite3.Error, ValueError, TypeError):
        # As SQLAlchemy's own errors are (a value its bind processor refuses too).
        if alone:
            # The connection's state is not known after a failed ROLLBACK: not reused.
            await conn.invalidate()
        raise StoreUnavailable("The records store could not be written.") from None
    return new
