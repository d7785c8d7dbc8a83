"""The webhook events of the records store: what each one says, and the scan for requests
coming due.

Events are thin: they name what changed (a reference, a record id, a key) and carry no identity
of the requester or visitor beyond the pseudonymous consent id; a receiver reads the rest through
the API with its own credentials. They are queued in the same transaction as the change
(:func:`gateway.webhooks.outbox.emit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.records.model import CLOSED
from gateway.records.tables import rights_requests
from gateway.webhooks.model import (
    CONSENT_WITHDRAWN,
    RIGHTS_CREATED,
    RIGHTS_OVERDUE_SOON,
    RIGHTS_STATUS_CHANGED,
    Event,
)
from gateway.webhooks.outbox import emit, lock_for_writing, when

if TYPE_CHECKING:
    from gateway.records.store import RecordStore


def _day(value: date | datetime) -> str:
    return value.isoformat()


def rights_created(row: Mapping[str, Any]) -> Event:
    return Event(
        RIGHTS_CREATED,
        row["account"],
        {
            "reference": row["reference"],
            "public_key": row["public_key"],
            "type": row["type"],
            "law": row["law"],
            "language": row["language"],
            "status": row["status"],
            "received_at": when(row["received_at"]),
            "due_at": _day(row["due_at"]),
        },
        row["received_at"],
    )


def consent_withdrawn(row: Mapping[str, Any]) -> Event:
    return Event(
        CONSENT_WITHDRAWN,
        row["account"],
        {
            "record_id": row["record_id"],
            "consent_id": row["consent_id"],
            "public_key": row["public_key"],
            "origin": row["origin"],
            "policy_version": row["policy_version"],
            "received_at": when(row["received_at"]),
        },
        row["received_at"],
    )


async def announce_status_change(
    conn: AsyncConnection,
    reference: str,
    from_status: str,
    to_status: str,
    actor: str,
    at: datetime,
) -> bool:
    """Queue ``rights_request.status_changed`` in the change's transaction; whether any
    endpoint wanted it."""
    t = rights_requests
    query = select(t.c.account, t.c.public_key).where(t.c.reference == reference)
    row = (await conn.execute(query)).first()
    if row is None:
        return False
    event = Event(
        RIGHTS_STATUS_CHANGED,
        row.account,
        {
            "reference": reference,
            "public_key": row.public_key,
            "from_status": from_status,
            "to_status": to_status,
            "actor": actor,
            "changed_at": when(at),
        },
        at,
    )
    return bool(await emit(conn, [event]))


async def announce_due_soon(store: RecordStore, days: int) -> int:
    """Queue ``rights_request.overdue_soon`` for every open request due within ``days`` days
    (and not yet past due); each request and due date once, however often this runs and on
    however many instances. How many events were new."""
    now = store.clock()
    today = now.astimezone(UTC).date()
    t = rights_requests
    query = select(t.c.reference, t.c.account, t.c.public_key, t.c.status, t.c.due_at).where(
        t.c.status.not_in(sorted(CLOSED)),
        t.c.email_verified_at.is_not(None),  # an unverified request's clock has not started
        t.c.due_at >= today,
        t.c.due_at <= today + timedelta(days=days),
    )
    async with store.reading() as conn:
        rows = list(await conn.execute(query))
    events = [
        Event(
            RIGHTS_OVERDUE_SOON,
            row.account,
            {
                "reference": row.reference,
                "public_key": row.public_key,
                "status": row.status,
                "due_at": _day(row.due_at),
                "days_left": (row.due_at - today).days,
            },
            now,
            dedupe_key=f"{RIGHTS_OVERDUE_SOON}:{row.reference}:{row.due_at.isoformat()}",
        )
        for row in rows
    ]
    if not events:
        return 0
    async with store.writing() as conn:
        await lock_for_writing(conn)
        made = await emit(conn, events)
    if made:
        store.queued()
    return len(made)
