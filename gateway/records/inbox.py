"""The rights inbox: an account's requests by due date, soonest first, open ones before closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import case, select

from gateway.records.convert import stored_rights
from gateway.records.model import CLOSED, StoredRightsRequest
from gateway.records.tables import rights_requests

if TYPE_CHECKING:
    from gateway.records.store import RecordStore

MAX_INBOX = 500


async def inbox(
    store: RecordStore, account: str, *, limit: int = MAX_INBOX
) -> list[StoredRightsRequest]:
    """Open requests by due date, then the most recently closed ones; at most ``limit``."""
    t = rights_requests
    closed = case((t.c.status.in_(sorted(CLOSED)), 1), else_=0)
    query = (
        select(t)
        .where(t.c.account == account)
        .order_by(closed, t.c.due_at, t.c.reference)
        .limit(min(limit, MAX_INBOX))
    )
    async with store.reading() as conn:
        return [stored_rights(row) for row in await conn.execute(query)]
