"""The rights workflow in the store: listing filters and status changes.

A status change is a compare-and-set: the request's status is read, the transition checked
against :data:`~gateway.records.model.TRANSITIONS`, and the row updated only if its status is
still the one read, with the event in the same transaction. Two people changing one request at
once cannot both win; the loser sees the status the winner set. The write transaction starts
with its ``UPDATE``, so on SQLite it takes the write lock at once instead of upgrading a read.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, select, update

from gateway.errors import Conflict, InvalidPayload, NotFound
from gateway.records.events import announce_status_change
from gateway.records.model import CLOSED, STATUSES, TRANSITIONS, RightsFilter
from gateway.records.tables import rights_events, rights_requests

if TYPE_CHECKING:
    from gateway.records.store import RecordStore

MAX_ACTOR = 128
MAX_NOTE = 2000
# A change races another at most this many times before it gives up.
ATTEMPTS = 5


class InvalidStatusTransition(Conflict):
    """A request cannot move from its status to the one asked for (or there is no such status);
    ``extra`` names both. A 409 in the shared error tree."""

    code = "invalid_status_transition"
    title = "Status change not allowed"


def conditions(where: RightsFilter, today: date) -> list[ColumnElement[bool]]:
    t = rights_requests
    out: list[ColumnElement[bool]] = []
    for name in ("account", "public_key", "status", "type"):
        value = getattr(where, name)
        if value is not None:
            out.append(t.c[name] == value)
    if where.email_verified is not None:
        verified = t.c.email_verified_at
        out.append(verified.is_not(None) if where.email_verified else verified.is_(None))
    if where.due_before is not None:
        out.append(t.c.due_at < where.due_before)
    if where.overdue:
        out.append(t.c.status.not_in(sorted(CLOSED)))
        out.append(t.c.due_at < today)
        out.append(t.c.paused_at.is_(None))  # a paused clock is not running late
        out.append(t.c.email_verified_at.is_not(None))  # nor one that has not started
    return out


async def change_status(
    store: RecordStore, reference: str, to_status: str, *, actor: str, note: str | None
) -> None:
    if to_status not in STATUSES:
        raise InvalidStatusTransition(
            f"There is no status {to_status[:40]!r}.", extra={"to_status": to_status[:40]}
        )
    if not actor or len(actor) > MAX_ACTOR:
        raise InvalidPayload(f"The actor must be 1 to {MAX_ACTOR} characters.")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidPayload(f"The note must be at most {MAX_NOTE} characters.")
    t = rights_requests
    for _ in range(ATTEMPTS):
        async with store.reading() as conn:
            current = (
                await conn.execute(select(t.c.status).where(t.c.reference == reference))
            ).scalar_one_or_none()
        if current is None:
            raise NotFound("No rights request with that reference.")
        if to_status not in TRANSITIONS[current]:
            raise InvalidStatusTransition(
                f"A request that is {current} cannot become {to_status}.",
                extra={"from_status": current, "to_status": to_status},
            )
        now = store.clock()
        async with store.writing() as conn:
            changed = await conn.execute(
                update(t)
                .where(t.c.reference == reference, t.c.status == current)
                .values(status=to_status, closed_at=now if to_status in CLOSED else None)
            )
            if changed.rowcount != 1:
                continue  # changed by someone else meanwhile: decide again on what it is now
            await conn.execute(
                rights_events.insert().values(
                    reference=reference,
                    from_status=current,
                    to_status=to_status,
                    actor=actor,
                    note=note,
                    at=now,
                )
            )
            queued = await announce_status_change(conn, reference, current, to_status, actor, now)
        if queued:
            store.queued()
        await store.tell_requester(reference, "status")
        return
    raise InvalidStatusTransition("The request kept changing meanwhile; try again.")
