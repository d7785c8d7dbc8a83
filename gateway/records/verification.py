"""The requester's e-mail verification in the store: pending codes, their checks, confirmation,
the reminder and the expiry of requests never confirmed.

A request that needs it arrives with ``email_verified_at`` unset and with its row in
``rights_verifications`` holding its code's HMAC, written with it (:mod:`gateway.records.intake`;
the caller hashes, the store never sees a code). Every check spends one try first, in one ``UPDATE
… WHERE attempts < max``, and only then compares: concurrent guesses cannot get more tries than
allowed. Confirmation sets ``email_verified_at``, starts the legal clock on that day (the due date
computed anew) and writes a ``verified`` event to the history, once: the update applies only while
unverified.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, select, update

from gateway.errors import NotFound
from gateway.records import agents
from gateway.records.convert import stored_rights
from gateway.records.deadlines import Deadline
from gateway.records.model import CLOSED, StoredRightsRequest
from gateway.records.tables import (
    rights_agents,
    rights_events,
    rights_requests,
    rights_verifications,
)

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncConnection

    from gateway.records.store import RecordStore

REQUESTER = "requester"


@dataclass(frozen=True)
class Pending:
    """An unverified request and the state of its code."""

    request: StoredRightsRequest
    sends: int
    sent_at: datetime
    reminded_at: datetime | None


async def pending(store: RecordStore, reference: str) -> Pending | None:
    """The request if it is still waiting for its requester's confirmation, else None."""
    v, t = rights_verifications, rights_requests
    query = (
        select(t, v.c.sends, v.c.sent_at, v.c.reminded_at)
        .join(v, v.c.reference == t.c.reference)
        .where(t.c.reference == reference, t.c.email_verified_at.is_(None))
    )
    async with store.reading() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    return Pending(stored_rights(row), row.sends, row.sent_at, row.reminded_at)


async def renew_code(
    store: RecordStore,
    reference: str,
    code_hash: str,
    now: datetime,
    ttl: timedelta,
    *,
    not_before: datetime,
    reminder: bool = False,
) -> bool:
    """Replace the code (its tries start again) if the last one went out before
    ``not_before``; False when it is too soon or the request is not waiting any more."""
    v = rights_verifications
    values: dict[str, object] = {
        "code_hash": code_hash,
        "code_expires_at": now + ttl,
        "attempts": 0,
        "sends": v.c.sends + 1,
        "sent_at": now,
    }
    if reminder:
        values["reminded_at"] = now
    query = update(v).where(v.c.reference == reference, v.c.sent_at <= not_before).values(values)
    async with store.writing() as conn:
        return bool((await conn.execute(query)).rowcount == 1)


async def check_code(
    store: RecordStore, reference: str, code_hash: str, now: datetime, max_attempts: int
) -> StoredRightsRequest | None:
    """Spend one try of the request's code; the request, confirmed, when ``code_hash`` is its
    code's and the code still works; None otherwise (wrong, expired, tries used, unknown)."""
    async with store.writing() as conn:
        right = await spend_try(conn, rights_verifications, reference, code_hash, now, max_attempts)
    return await confirm_requester(store, reference, now) if right else None


async def spend_try(
    conn: AsyncConnection,
    table: Table,
    reference: str,
    code_hash: str,
    now: datetime,
    max_attempts: int,
) -> bool:
    """Spend one try of a mailed code kept in ``table`` (its ``code_hash``, ``code_expires_at``
    and ``attempts`` columns): True when ``code_hash`` is the code's and it still works, False
    whatever else (wrong, expired, tries used up, no code)."""
    spend = (
        update(table)
        .where(table.c.reference == reference, table.c.attempts < max_attempts)
        .values(attempts=table.c.attempts + 1)
        .returning(table.c.code_hash, table.c.code_expires_at)
    )
    row = (await conn.execute(spend)).first()
    if row is None or row.code_expires_at <= now:
        return False
    return hmac.compare_digest(row.code_hash, code_hash)


async def confirm_requester(
    store: RecordStore, reference: str, now: datetime
) -> StoredRightsRequest | None:
    """The person who sent the request proved their address (code or link). A request they
    filed for themselves is confirmed; one filed as an agent has the agent's half recorded (its
    code stops working), and is confirmed only if the data subject has already agreed. The
    request either way; None when it was not waiting."""
    try:
        found = await store.get_rights(reference)
    except NotFound:
        return None
    if not agents.filed_by_agent(found.identity):
        return await confirm(store, reference, now)
    half = await agents.mark_agent(store, reference, now)  # None without its row: fails closed
    if half is None:
        return None
    async with store.writing() as conn:
        await conn.execute(
            delete(rights_verifications).where(rights_verifications.c.reference == reference)
        )
    if half.subject_state == agents.CONFIRMED:
        return await confirm(store, reference, now)
    return await store.get_rights(reference)


async def confirm(store: RecordStore, reference: str, now: datetime) -> StoredRightsRequest | None:
    """Mark the request's address confirmed and start its clock today; None when it was not
    waiting (confirmed already, closed, or unknown)."""
    try:
        found = await store.get_rights(reference)
    except NotFound:
        return None
    if found.email_verified or found.status in CLOSED:
        return None
    today = now.date()
    t = rights_requests
    async with store.writing() as conn:
        changed = await conn.execute(
            update(t)
            .where(t.c.reference == reference, t.c.email_verified_at.is_(None))
            .values(email_verified_at=now, due_at=Deadline(found.law, today).due(today))
        )
        if changed.rowcount != 1:
            return None
        await conn.execute(
            delete(rights_verifications).where(rights_verifications.c.reference == reference)
        )
        await conn.execute(
            rights_events.insert().values(
                reference=reference,
                kind="verified",
                from_status=found.status,
                to_status=found.status,
                actor=REQUESTER,
                note=None,
                at=now,
            )
        )
    return await store.get_rights(reference)


async def due_reminders(store: RecordStore, received_before: datetime) -> list[Pending]:
    """Unverified requests received before ``received_before`` and not reminded yet."""
    v, t = rights_verifications, rights_requests
    query = (
        select(t, v.c.sends, v.c.sent_at, v.c.reminded_at)
        .join(v, v.c.reference == t.c.reference)
        .where(
            t.c.email_verified_at.is_(None),
            t.c.received_at <= received_before,
            v.c.reminded_at.is_(None),
        )
        .order_by(t.c.received_at)
        .limit(500)
    )
    async with store.reading() as conn:
        rows = list(await conn.execute(query))
    return [Pending(stored_rights(r), r.sends, r.sent_at, r.reminded_at) for r in rows]


async def expire(store: RecordStore, received_before: datetime) -> int:
    """Delete the requests never confirmed that arrived before ``received_before`` (with their
    code, history and messages): they were never requests in the law's sense. How many."""
    t, a = rights_requests, rights_agents
    # A request whose data subject said they gave no permission stays for the owner to decide.
    denied = select(a.c.reference).where(a.c.subject_state == agents.DENIED)
    stale = and_(
        t.c.email_verified_at.is_(None),
        t.c.received_at < received_before,
        t.c.reference.not_in(denied),
    )
    async with store.writing() as conn:
        return int((await conn.execute(delete(t).where(stale))).rowcount or 0)
