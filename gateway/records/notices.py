"""E-mails to an account's owners about its rights requests: one when a request arrives (for a
request whose requester must confirm their address, when they have), one when it is due within
:data:`DUE_SOON_DAYS` days; each once per request.

"Once" holds across instances and restarts: a notice is claimed by inserting its row in
``rights_notices`` (the primary key lets one instance win) before it is handed to the mail
queue, and the claim is removed again if the queue cannot take it, so the next round retries.
The messages say which request and when it is due, never who sent it: the owner reads the
rest in the console, behind sign-in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, delete, exists, select

from gateway.records.convert import stored_rights
from gateway.records.deadlines import days_left, law
from gateway.records.model import CLOSED, StoredRightsRequest
from gateway.records.store import RecordStore
from gateway.records.tables import rights_notices, rights_requests

log = logging.getLogger("gateway.records")

ARRIVED = "arrived"
DUE_SOON = "due_soon"
DUE_SOON_DAYS = 7
# Arrivals whose immediate notice was missed (the queue was down) are caught up this long.
CATCH_UP = timedelta(days=2)


@dataclass(frozen=True)
class OwnerNotice:
    """One message for every owner of ``request.account``."""

    kind: str
    request: StoredRightsRequest
    due: date
    days_left: int

    def subject(self) -> str:
        if self.kind == ARRIVED:
            return f"New privacy request {self.request.reference}, due {self.due.isoformat()}"
        return f"Privacy request {self.request.reference} is due in {self.days_left} days"

    def text(self, console_url: str) -> str:
        r = self.request
        opening = (
            "A new privacy request has arrived."
            if self.kind == ARRIVED
            else f"A privacy request is due in {self.days_left} days and is still open."
        )
        return (
            f"{opening}\n\n"
            f"Reference: {r.reference}\n"
            f"Type: {r.type}\n"
            f"Law: {law(r.law).name}\n"
            f"Status: {r.status}\n"
            f"Due: {self.due.isoformat()}\n\n"
            f"Open the console to answer it:\n\n{console_url}\n"
        )


# Hands one notice to the mail queue (for every owner); raises when it cannot be queued.
Send = Callable[[OwnerNotice], Awaitable[None]]


class OwnerNotices:
    def __init__(self, store: RecordStore, send: Send) -> None:
        self.store = store
        self.send = send

    async def arrived(self, references: Sequence[str]) -> int:
        """Notify the arrival of these newly stored requests; how many notices went out."""
        sent = 0
        for reference in references:
            found = await self.store.get_rights(reference)
            if found.email_verified:  # else on confirmation (see gateway.portal)
                sent += await self._notify(ARRIVED, found)
        return sent

    async def catch_up(self) -> int:
        """The due-soon notices now due, and arrivals whose notice was missed."""
        today = self.store.clock().date()
        t = rights_requests
        open_ = and_(
            t.c.status.not_in(sorted(CLOSED)),
            t.c.anonymised_at.is_(None),
            # Owners hear of a request once its requester confirmed their address.
            t.c.email_verified_at.is_not(None),
        )
        soon = and_(open_, t.c.paused_at.is_(None), t.c.due_at <= today + timedelta(DUE_SOON_DAYS))
        recent = and_(open_, t.c.received_at >= self.store.clock() - CATCH_UP)
        sent = 0
        for kind, where in ((ARRIVED, recent), (DUE_SOON, soon)):
            noticed = exists().where(
                rights_notices.c.reference == t.c.reference, rights_notices.c.kind == kind
            )
            query = select(t).where(where, ~noticed).order_by(t.c.due_at, t.c.reference)
            async with self.store.reading() as conn:
                rows = [stored_rights(row) for row in await conn.execute(query)]
            for found in rows:
                sent += await self._notify(kind, found)
        return sent

    async def _notify(self, kind: str, found: StoredRightsRequest) -> int:
        now = self.store.clock()
        claim = (
            self.store.insert_statement(rights_notices)
            .values(reference=found.reference, kind=kind, sent_at=now)
            .on_conflict_do_nothing(index_elements=["reference", "kind"])
            .returning(rights_notices.c.reference)
        )
        async with self.store.writing() as conn:
            if (await conn.execute(claim)).first() is None:
                return 0  # another instance (or an earlier round) sent it
        due = found.deadline.due(now.date())
        try:
            await self.send(OwnerNotice(kind, found, due, days_left(due, now.date())))
        except Exception:
            async with self.store.writing() as conn:
                await conn.execute(
                    delete(rights_notices).where(
                        rights_notices.c.reference == found.reference,
                        rights_notices.c.kind == kind,
                    )
                )
            raise
        return 1
