"""New rows of one table in one statement: ``INSERT … VALUES (…), (…) ON CONFLICT (key) DO
NOTHING RETURNING key``.

SQLAlchemy's executemany of the same statement ("insertmanyvalues") sends the same SQL, but builds
each row's parameters through its compiled statement, name by name: on a batch of consent records
that was about a fifth of the store's CPU time per record. Here the SQL is rendered once per row
count, and each value goes through the very bind processor SQLAlchemy would apply for its column
and dialect, so what is stored is what SQLAlchemy stores (``tests/records/test_bulk.py`` compares
the two on SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.errors import StoreUnavailable

# Under both databases' limit on parameters in one statement (32,766 on SQLite, 32,767 on
# PostgreSQL).
MAX_PARAMETERS = 30_000


class BulkInsert:
    """Inserts rows (dicts with every column of ``table``) that are not stored yet, by ``key``."""

    def __init__(self, table: Table, key: str, dialect: Dialect) -> None:
        if dialect.paramstyle not in ("qmark", "numeric_dollar"):
            raise ValueError(f"no bulk insert for the {dialect.paramstyle} parameter style")
        for column in table.c:
            if column.default is not None:
                # A Python-side default needs SQLAlchemy's statement to be applied.
                raise ValueError(f"{table.name}.{column.name} has a default")
        self.columns = [column.name for column in table.c]
        processors: list[Callable[[Any], Any] | None] = [
            column.type.dialect_impl(dialect).bind_processor(dialect) for column in table.c
        ]
        self._processors = list(zip(self.columns, processors, strict=True))
        self._dollar = dialect.paramstyle == "numeric_dollar"
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in self.columns)
        self._head = f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "
        self._tail = f" ON CONFLICT ({quote(key)}) DO NOTHING RETURNING {quote(key)}"
        self.max_rows = MAX_PARAMETERS // len(self.columns)
        self._sql: dict[int, str] = {}

    def sql(self, rows: int) -> str:
        """The statement for ``rows`` rows."""
        found = self._sql.get(rows)
        if found is None:
            width = len(self.columns)
            if self._dollar:
                values = ", ".join(
                    "(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")"
                    for r in range(rows)
                )
            else:
                values = ", ".join(["(" + ", ".join("?" * width) + ")"] * rows)
            found = self._sql[rows] = f"{self._head}VALUES {values}{self._tail}"
        return found

    def parameters(self, rows: Sequence[dict[str, Any]]) -> tuple[Any, ...]:
        """Every row's values, in column order, as the dialect's bind processors make them."""
        out: list[Any] = []
        append = out.append
        for row in rows:
            if len(row) != len(self.columns):
                raise ValueError("a row must give every column")
            for name, process in self._processors:
                # None too, as SQLAlchemy does: a JSON column's processor makes it JSON null.
                append(row[name] if process is None else process(row[name]))
        return tuple(out)

    def statements(self, rows: Sequence[dict[str, Any]]) -> Iterator[tuple[str, tuple[Any, ...]]]:
        """``(sql, parameters)`` for ``rows``, split under the parameter limit."""
        for start in range(0, len(rows), self.max_rows):
            chunk = rows[start : start + self.max_rows]
            try:
                parameters = self.parameters(chunk)
            except (ValueError, TypeError):
                # A value a bind processor refuses, which SQLAlchemy would report as its own.
                raise StoreUnavailable("The records store could not be written.") from None
            yield self.sql(len(chunk)), parameters

    async def run(self, conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> set[str]:
        """Insert ``rows``; the keys of those that were new."""
        new: set[str] = set()
        for sql, parameters in self.statements(rows):
            new.update((await conn.exec_driver_sql(sql, parameters)).scalars())
        return new
