"""Putting events into the webhook outbox, inside the transaction of the change they report.

:func:`emit` is called by whoever makes a change (the records store when a rights request is
stored or moves, a withdrawal arrives) on the connection of that change's own transaction: the
deliveries commit with the change or not at all, so an event is never lost and never announced
for a change that rolled back. It writes one message per event that some enabled endpoint of
the account wants, and one pending delivery per such endpoint; the workers
(:mod:`gateway.webhooks.dispatcher`) take it from there.

A transaction of its own (not one that already wrote) calls :func:`lock_for_writing` first.

The body is the Standard Webhooks payload: ``{"type", "timestamp", "data"}``, compact JSON, kept
as text so every attempt signs and sends the same bytes.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import false, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.webhooks.model import PENDING, Event
from gateway.webhooks.tables import webhook_deliveries, webhook_endpoints, webhook_messages


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(18)}"


def when(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def body_of(event: Event) -> str:
    payload = {"type": event.type, "timestamp": when(event.at), "data": dict(event.data)}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


async def lock_for_writing(conn: AsyncConnection) -> None:
    """Take SQLite's write lock now, in a transaction that would otherwise read first.

    A WAL transaction that reads and then writes cannot wait for the lock: when another writer
    committed in between, its write fails at once ("database is locked"). A write that changes
    nothing takes the lock (waiting the busy timeout) before anything is read. PostgreSQL needs
    nothing of the kind.
    """
    if conn.dialect.name == "sqlite":
        t = webhook_endpoints
        await conn.execute(update(t).where(false()).values(enabled=t.c.enabled))


async def subscribers(conn: AsyncConnection, accounts: Sequence[str]) -> dict[str, list[Any]]:
    """The enabled endpoints of each account, with the events they want."""
    t = webhook_endpoints
    query = select(t.c.id, t.c.account, t.c.events).where(
        t.c.account.in_(sorted(set(accounts))), t.c.enabled.is_(True)
    )
    found: dict[str, list[Any]] = {}
    for row in await conn.execute(query):
        found.setdefault(row.account, []).append(row)
    return found


async def emit(
    conn: AsyncConnection,
    events: Sequence[Event],
    *,
    only_endpoint: str | None = None,
) -> list[str]:
    """Queue ``events`` for the endpoints that want them; the ids of the deliveries made.

    ``only_endpoint`` sends to that one endpoint whatever it subscribed to (the test event).
    """
    if not events:
        return []
    wanting = await subscribers(conn, [e.account for e in events])
    made: list[str] = []
    for event in events:
        targets = [
            row.id
            for row in wanting.get(event.account, [])
            if (row.id == only_endpoint if only_endpoint else event.type in row.events)
        ]
        if not targets:
            continue
        message_id = await _message(conn, event)
        if message_id is None:
            continue  # the same event, emitted before (by this instance or another)
        rows = [_delivery(message_id, endpoint, event) for endpoint in targets]
        await conn.execute(webhook_deliveries.insert(), rows)
        made += [row["id"] for row in rows]
    return made


async def _message(conn: AsyncConnection, event: Event) -> str | None:
    row: Mapping[str, Any] = {
        "id": new_id("msg"),
        "account": event.account,
        "type": event.type,
        "body": body_of(event),
        "created_at": event.at,
        "dedupe_key": event.dedupe_key,
    }
    if event.dedupe_key is None:
        await conn.execute(webhook_messages.insert(), [row])
        return str(row["id"])
    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(webhook_messages)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(webhook_messages.c.id)
    )
    inserted = (await conn.execute(statement, [row])).scalar_one_or_none()
    return None if inserted is None else str(inserted)


def _delivery(message_id: str, endpoint: str, event: Event) -> dict[str, Any]:
    return {
        "id": new_id("dlv"),
        "message_id": message_id,
        "endpoint_id": endpoint,
        "account": event.account,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": event.at,
        "created_at": event.at,
    }
