"""Claiming due deliveries under a lease, and settling each attempt.

:func:`claim` is one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``: on
PostgreSQL, instances claiming at the same moment skip each other's rows; on SQLite the statement
runs under the database's one write lock. Either way a due delivery is leased to one worker, for
``lease`` seconds (longer than an attempt may take). A worker that dies mid-attempt leaves its
lease to run out; the delivery is then claimed again. :func:`settle` writes the attempt and the
delivery's next state only while the worker still holds the lease.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.webhooks.model import DEAD, DELIVERED, PENDING, Claimed
from gateway.webhooks.store import WebhookStore, endpoint_of
from gateway.webhooks.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    webhook_messages,
)


@dataclass(frozen=True)
class Result:
    """What one attempt came to: ``outcome`` ``delivered``, ``retry`` or ``dead``."""

    outcome: str
    duration_ms: int
    status_code: int | None = None
    error: str | None = None


async def claim(store: WebhookStore, limit: int, lease: float) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries of enabled endpoints to this caller."""
    now = store.clock()
    token = secrets.token_hex(16)
    d, e = webhook_deliveries, webhook_endpoints
    free = or_(d.c.lease_until.is_(None), d.c.lease_until < now)
    candidates = (
        select(d.c.id)
        .join(e, e.c.id == d.c.endpoint_id)
        .where(d.c.status == PENDING, d.c.next_attempt_at <= now, free, e.c.enabled.is_(True))
    )
    due = (
        candidates.order_by(d.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=d)
    )
    statement = (
        update(d)
        .where(d.c.id.in_(due.scalar_subquery()), d.c.status == PENDING, free)
        .values(lease_owner=token, lease_until=now + timedelta(seconds=lease))
        .returning(d.c.id)
    )
    # A read first: an idle outbox costs no write (and takes no SQLite write lock) per poll.
    async with store.reading() as conn:
        if (await conn.execute(candidates.limit(1))).first() is None:
            return []
    async with store.writing() as conn:
        ids = list((await conn.execute(statement)).scalars())
        if not ids:
            return []
        return await _details(conn, ids, token)


async def _details(conn: AsyncConnection, ids: Sequence[str], token: str) -> list[Claimed]:
    d, m, e = webhook_deliveries, webhook_messages, webhook_endpoints
    query = (
        select(d.c.id, d.c.attempts, d.c.message_id, m.c.body, e)
        .join(m, m.c.id == d.c.message_id)
        .join(e, e.c.id == d.c.endpoint_id)
        .where(d.c.id.in_(list(ids)))
    )
    out = []
    for row in await conn.execute(query):
        out.append(
            Claimed(
                id=row[0],
                lease=token,
                attempts=row[1],
                message_id=row[2],
                body=row[3],
                endpoint=endpoint_of(row),
            )
        )
    return out


async def settle(
    store: WebhookStore,
    claimed: Claimed,
    result: Result,
    *,
    started: datetime,
    max_attempts: int,
    delay: float,
) -> str | None:
    """Record the attempt and move the delivery on (done, retry in ``delay`` seconds, or dead
    after ``max_attempts``); the delivery's new status, or None when the lease was lost."""
    now = store.clock()
    failures = claimed.attempts + (0 if result.outcome == DELIVERED else 1)
    if result.outcome == DELIVERED:
        values = {"status": DELIVERED, "next_attempt_at": None, "finished_at": now}
    elif result.outcome == DEAD or failures >= max_attempts:
        values = {"status": DEAD, "next_attempt_at": None, "finished_at": now}
    else:
        values = {"status": PENDING, "next_attempt_at": now + timedelta(seconds=delay)}
    d = webhook_deliveries
    statement = (
        update(d)
        .where(and_(d.c.id == claimed.id, d.c.lease_owner == claimed.lease))
        .values(
            **values,
            attempts=failures,
            lease_owner=None,
            lease_until=None,
            last_status_code=result.status_code,
            last_error=result.error,
        )
    )
    async with store.writing() as conn:
        changed = await conn.execute(statement)
        if changed.rowcount != 1:
            return None
        await conn.execute(
            webhook_attempts.insert().values(
                delivery_id=claimed.id,
                at=started,
                duration_ms=result.duration_ms,
                status_code=result.status_code,
                error=result.error,
                outcome="retry" if values["status"] == PENDING else str(values["status"]),
            )
        )
    return str(values["status"])
