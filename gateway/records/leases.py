"""Leases in the database: of several instances, the one holding a job's lease runs it.

:func:`acquire` is one statement, an ``INSERT … ON CONFLICT DO UPDATE … WHERE`` that takes the
lease only when nobody holds it or the one holding it let it expire (or is the caller), with
``RETURNING`` saying whether it was taken. On PostgreSQL a second instance's statement waits on
the row the first one wrote and then finds it held; on SQLite the write lock serialises them.
Either way exactly one instance gets each lease, without Redis and without clocks agreeing more
closely than the lease is long.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_

from gateway.records.tables import leases

if TYPE_CHECKING:
    from gateway.records.store import RecordStore


async def acquire(store: RecordStore, name: str, holder: str, ttl: timedelta) -> bool:
    """Take the lease ``name`` for ``ttl`` as ``holder``; False when another holds it."""
    now = store.clock()
    return await acquire_at(store, name, holder, now, now + ttl)


async def acquire_at(
    store: RecordStore, name: str, holder: str, now: datetime, until: datetime
) -> bool:
    statement = store.insert_statement(leases).values(name=name, holder=holder, expires_at=until)
    statement = statement.on_conflict_do_update(
        index_elements=["name"],
        set_={"holder": holder, "expires_at": until},
        where=or_(leases.c.expires_at <= now, leases.c.holder == holder),
    ).returning(leases.c.name)
    async with store.writing() as conn:
        return (await conn.execute(statement)).first() is not None


async def release(store: RecordStore, name: str, holder: str) -> None:
    """Give the lease back early (only if ``holder`` still holds it)."""
    async with store.writing() as conn:
        await conn.execute(leases.delete().where(leases.c.name == name, leases.c.holder == holder))
