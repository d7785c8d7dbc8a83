"""Running the migrations from code: at the gateway's start and from ``widget-gateway db``.

Several instances may start at once against the same database: on PostgreSQL an advisory lock,
held for the migration's transaction, lets one migrate while the others wait and then find
nothing left to do; on SQLite a file lock beside the database does the same for the processes
of one host.

A start against a database already at the newest revision reads that revision with one query
and never imports Alembic (and Mako behind it): about 5 MB less in every worker.
"""

from __future__ import annotations

import asyncio
import contextlib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.db.engine import async_url, create_engine
from gateway.durable import locked

if TYPE_CHECKING:
    from alembic.config import Config

HEAD = "head"
# The newest revision in ``migrations/versions``; a test holds it equal to Alembic's head.
NEWEST = "0009_requester_space"
# Any fixed number: the key of the advisory lock that serialises migrations on PostgreSQL.
_PG_LOCK_KEY = 0x57474442  # "WGDB"


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("gateway.db") / "migrations"))
    return cfg


async def upgrade(url: str, revision: str = HEAD) -> None:
    """Bring the database at ``url`` up to ``revision`` (the newest by default)."""
    from alembic import command

    await _run(url, lambda cfg: command.upgrade(cfg, revision))


async def ensure_newest(url: str) -> None:
    """The gateway's start: :func:`upgrade` unless the database is already at :data:`NEWEST`."""
    if await _recorded_revision(url) != NEWEST:
        await upgrade(url)


async def downgrade(url: str, revision: str) -> None:
    """Take the database at ``url`` back to ``revision`` (``base``: no tables at all)."""
    from alembic import command

    await _run(url, lambda cfg: command.downgrade(cfg, revision))


async def current(url: str) -> str | None:
    """The revision the database is at, or None for one never migrated."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


async def _recorded_revision(url: str) -> str | None:
    """The one revision in Alembic's version table; None without that table (or with more than
    one row, which only branched histories have: :func:`upgrade` sorts those out)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:
        return None
    finally:
        await engine.dispose()
    return str(rows[0][0]) if len(rows) == 1 else None


async def _run(url: str, step: object) -> None:
    engine = create_engine(url)
    try:
        with contextlib.ExitStack() as held:
            lock = _host_lock_path(url)
            if lock is not None:
                # Waiting for another process's migration must not stop this event loop.
                await asyncio.to_thread(held.enter_context, locked(lock))
            await _migrate(engine, step)
    finally:
        await engine.dispose()


async def _migrate(engine: AsyncEngine, step: object) -> None:
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Session-level, so it spans Alembic's own transaction; released before closing.
            await connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            await connection.commit()
        try:
            await connection.run_sync(_with_connection, step)
            await connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                await connection.commit()


def _with_connection(connection: Connection, step: object) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    step(cfg)  # type: ignore[operator]


def _host_lock_path(url: str) -> Path | None:
    """The lock file beside a SQLite database (None for PostgreSQL, which locks itself)."""
    target = async_url(url)
    if not target.drivername.startswith("sqlite") or not target.database:
        return None
    path = Path(target.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(path.name + ".migrate-lock")


def upgrade_sync(url: str) -> None:
    """:func:`upgrade` for callers without an event loop (scripts)."""
    asyncio.run(upgrade(url))
