"""Database URLs: the two accepted forms, and how SQLite connections are set up."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway.db.engine import async_url, create_engine, observe_queries, safe_label
from tests.conftest import Database
from tests.support.aio import run


@pytest.mark.parametrize(
    "url, driver",
    [
        ("sqlite:////var/lib/gateway/records.db", "sqlite+aiosqlite"),
        ("postgresql://gw@db.internal:5432/records", "postgresql+asyncpg"),
        ("postgres://gw@db.internal/records", "postgresql+asyncpg"),
        ("postgresql+asyncpg://gw@db.internal/records", "postgresql+asyncpg"),
    ],
    ids=["sqlite", "postgresql", "postgres-alias", "explicit-driver"],
)
def test_urls_get_the_async_driver(url: str, driver: str) -> None:
    assert async_url(url).drivername == driver


@pytest.mark.parametrize(
    "url",
    ["mysql://gw@db/records", "sqlite://", "postgresql:///records", "not a url"],
    ids=["other-database", "sqlite-memory", "postgresql-no-host", "garbage"],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        async_url(url)


def test_the_label_hides_the_password() -> None:
    label = safe_label("postgresql://gw:hunter2@db.internal:5432/records")
    assert "hunter2" not in label
    assert "db.internal:5432/records" in label


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    async def pragmas() -> list[object]:
        engine = create_engine(f"sqlite:///{tmp_path / 'records.db'}")
        try:
            async with engine.connect() as conn:
                return [
                    (await conn.execute(text(f"PRAGMA {name}"))).scalar()
                    for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
                ]
        finally:
            await engine.dispose()

    # synchronous=2 is FULL: a commit is on disk before it returns.
    assert run(pragmas()) == ["wal", 10_000, 1, 2]


def test_each_statement_is_timed_and_a_failed_one_counted(database: Database) -> None:
    observed: list[bool] = []

    async def body() -> None:
        engine = create_engine(database.url)
        observe_queries(engine, lambda seconds, ok: observed.append(ok and seconds >= 0))
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                with pytest.raises(DBAPIError):
                    await conn.execute(text("SELECT * FROM no_such_table"))
        finally:
            await engine.dispose()

    database.run(body())
    assert observed[-2:] == [True, False]
