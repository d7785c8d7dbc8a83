"""Async engines from ``GATEWAY_DATABASE_URL``.

Two forms are accepted, and turned into SQLAlchemy's async drivers:

- ``sqlite:///path/records.db`` → ``sqlite+aiosqlite``; every connection gets WAL mode (readers
  never block the writer), a busy timeout (several processes may share the file), foreign keys
  and ``synchronous=FULL`` (a committed record survives a power cut);
- ``postgresql://user@host:5432/db`` → ``postgresql+asyncpg``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from gateway.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 10_000
_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def async_url(url: str) -> URL:
    """``url`` with the async driver of its database; raises ``ValueError`` for anything else."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError("GATEWAY_DATABASE_URL is not a database URL") from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ValueError("GATEWAY_DATABASE_URL must start with sqlite:/// or postgresql://")
    if driver.startswith("sqlite") and not parsed.database:
        raise ValueError("GATEWAY_DATABASE_URL: a sqlite URL needs a file path")
    if driver.startswith("postgresql") and not (parsed.host or parsed.query.get("host")):
        raise ValueError("GATEWAY_DATABASE_URL: a postgresql URL needs a host")
    return parsed.set(drivername=driver)


def records_url(settings: Settings) -> str | None:
    """The records store's URL: ``GATEWAY_DATABASE_URL``, or ``records.db`` in the data folder
    on the embedded default; None with Redis and no database."""
    if settings.database_url is not None:
        return str(settings.database_url)
    if settings.embedded:
        return f"sqlite:///{(settings.data_dir / 'records.db').absolute()}"
    return None


def safe_label(url: str) -> str:
    """The URL without its password, for logs and status output."""
    return async_url(url).render_as_string(hide_password=True)


def create_engine(url: str, **options: Any) -> AsyncEngine:
    """An async engine for a ``GATEWAY_DATABASE_URL``; SQLite connections are set up as above."""
    target = async_url(url)
    if target.drivername.startswith("sqlite"):
        # aiosqlite logs every statement with its parameters at DEBUG: records hold personal
        # data (emails, names), which must never reach a log.
        logging.getLogger("aiosqlite").setLevel(logging.INFO)
        engine = _create_async_engine(target, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling would BEGIN late; SQLAlchemy's events do it right.
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    options.setdefault("pool_pre_ping", True)
    return _create_async_engine(target, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA journal_mode=WAL",
        f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        "PRAGMA foreign_keys=ON",
        "PRAGMA synchronous=FULL",
    ):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def observe_queries(engine: AsyncEngine, observe: Callable[[float, bool], None]) -> None:
    """Call ``observe(seconds, ok)`` after each statement ``engine`` runs (for the metrics:
    the time only, never the statement or its parameters)."""

    def before(conn: Any, *_: Any) -> None:
        conn.info.setdefault("gateway_started", []).append(time.perf_counter())

    def after(conn: Any, *_: Any) -> None:
        observe(time.perf_counter() - conn.info["gateway_started"].pop(), True)

    def failed(context: Any) -> None:
        started = context.connection.info.get("gateway_started") if context.connection else None
        observe(time.perf_counter() - started.pop() if started else 0.0, False)

    sync_engine = engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", before)
    event.listen(sync_engine, "after_cursor_execute", after)
    event.listen(sync_engine, "handle_error", failed)
