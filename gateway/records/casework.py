"""What an owner does on a rights request besides changing its status: extend its deadline,
pause its clock while waiting on the requester, resume it on their reply, write them a message.

Each change is a compare-and-set, like a status change (:mod:`gateway.records.rights`): the row
is read, the change decided by :mod:`gateway.records.deadlines`, and the row updated only if it
is still as read, with an event in the request's history (its kind, actor and time) in the same
transaction. The stored ``due_at`` is the due date as it stands when written; while the clock is
paused the due date shown is computed for the day it is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from gateway.errors import Conflict, InvalidPayload, NotFound
from gateway.records.deadlines import Deadline, NoExtension
from gateway.records.deadlines import law as law_of
from gateway.records.model import CLOSED, RightsMessage, StoredRightsRequest
from gateway.records.rights import ATTEMPTS, MAX_ACTOR, MAX_NOTE
from gateway.records.tables import rights_events, rights_messages, rights_requests

if TYPE_CHECKING:
    from gateway.records.store import RecordStore

MAX_MESSAGE = 5000
# The author of the requester's own replies (from their space); every other author is the owner.
REQUESTER = "requester"


class ExtensionNotAllowed(Conflict):
    """The request's law allows no extension, or it had the one allowed (``extra``: the law)."""

    code = "extension_not_allowed"
    title = "Deadline extension not allowed"


class RequestClosed(Conflict):
    """The request is completed or refused (or anonymised): its clock no longer runs."""

    code = "request_closed"
    title = "Request closed"


class ClockConflict(Conflict):
    """A pause asked of a paused request, or a resume of a running one."""

    code = "clock_conflict"
    title = "Clock already in that state"


@dataclass(frozen=True)
class _Plan:
    values: dict[str, Any]
    kind: str
    note: str | None


def _text(value: str | None, name: str, limit: int, *, required: bool) -> str | None:
    if value is None or not value.strip():
        if required:
            raise InvalidPayload(
                f"{name} is required", errors=[{"field": name, "message": "required"}]
            )
        return None
    if len(value) > limit:
        raise InvalidPayload(
            f"{name} must be at most {limit} characters",
            errors=[{"field": name, "message": f"at most {limit} characters"}],
        )
    return value.strip()


def _check_actor(actor: str) -> None:
    if not actor or len(actor) > MAX_ACTOR:
        raise InvalidPayload(f"The actor must be 1 to {MAX_ACTOR} characters.")


async def extend(store: RecordStore, reference: str, *, actor: str, reason: str | None) -> None:
    """The law's one extension, with the reason the requester will be told."""
    _check_actor(actor)
    why = _text(reason, "reason", MAX_NOTE, required=True)

    def plan(found: StoredRightsRequest, now: datetime) -> _Plan:
        try:
            extended = found.deadline.extend()
        except NoExtension as exc:
            raise ExtensionNotAllowed(
                str(exc), extra={"law": found.law, "source": law_of(found.law).source}
            ) from None
        values = {
            "extended_at": now,
            "extension_reason": why,
            "due_at": extended.due(now.date()),
        }
        return _Plan(values, "extension", why)

    await _change(store, reference, actor, plan)


async def pause(store: RecordStore, reference: str, *, actor: str, note: str | None) -> None:
    """Stop the clock: the owner waits on the requester (``note``: for what)."""
    _check_actor(actor)
    what = _text(note, "note", MAX_NOTE, required=False)

    def plan(found: StoredRightsRequest, now: datetime) -> _Plan:
        if found.paused:
            raise ClockConflict("The request's clock is paused already.")
        return _Plan({"paused_at": now}, "pause", what)

    await _change(store, reference, actor, plan)


async def resume(store: RecordStore, reference: str, *, actor: str, note: str | None) -> None:
    """Start the clock again; the due date moves by the whole days it was paused."""
    _check_actor(actor)
    what = _text(note, "note", MAX_NOTE, required=False)

    def plan(found: StoredRightsRequest, now: datetime) -> _Plan:
        if not found.paused:
            raise ClockConflict("The request's clock is running; there is nothing to resume.")
        running: Deadline = found.deadline.resume(now.date())
        values = {
            "paused_at": None,
            "paused_days": running.paused_days,
            "due_at": running.due(now.date()),
        }
        return _Plan(values, "resume", what)

    await _change(store, reference, actor, plan)


async def add_message(store: RecordStore, reference: str, *, author: str, body: str) -> int:
    """Keep a message for the requester; its id."""
    _check_actor(author)
    text = _text(body, "body", MAX_MESSAGE, required=True)
    assert text is not None
    found = await store.get_rights(reference)
    if found.anonymised_at is not None:
        raise RequestClosed("The request has been anonymised; it takes no more messages.")
    now = store.clock()
    async with store.writing() as conn:
        inserted = await conn.execute(
            rights_messages.insert()
            .values(reference=reference, author=author, body=text, at=now)
            .returning(rights_messages.c.id)
        )
        message_id = int(inserted.scalar_one())
        await conn.execute(
            rights_events.insert().values(
                _event(reference, found.status, "message", author, None, now)
            )
        )
    if author != REQUESTER:
        await store.tell_requester(reference, "message")
    return message_id


# The columns a change is decided on: it is written only if none of them moved meanwhile.
_CLOCK = ("status", "extended_at", "paused_at", "paused_days")


Plan = Callable[[StoredRightsRequest, datetime], "_Plan"]


async def _change(store: RecordStore, reference: str, actor: str, plan: Plan) -> None:
    """Read, decide with ``plan``, write if the clock's columns are still as read, with its
    event; retried when someone else changed them meanwhile."""
    t = rights_requests
    for _ in range(ATTEMPTS):
        found = await store.get_rights(reference)
        if found.status in CLOSED or found.anonymised_at is not None:
            raise RequestClosed(f"The request is {found.status}; its deadline no longer runs.")
        now = store.clock()
        decided = plan(found, now)
        guards = [t.c.reference == reference]
        for column in _CLOCK:
            value = getattr(found, column)
            guards.append(t.c[column].is_(None) if value is None else t.c[column] == value)
        async with store.writing() as conn:
            changed = await conn.execute(update(t).where(*guards).values(**decided.values))
            if changed.rowcount != 1:
                continue
            await conn.execute(
                rights_events.insert().values(
                    _event(reference, found.status, decided.kind, actor, decided.note, now)
                )
            )
            return
    raise Conflict("The request kept changing meanwhile; try again.")


def _event(
    reference: str, status: str, kind: str, actor: str, note: str | None, at: datetime
) -> dict[str, Any]:
    return {
        "reference": reference,
        "kind": kind,
        "from_status": status,
        "to_status": status,
        "actor": actor,
        "note": note,
        "at": at,
    }


async def messages(store: RecordStore, reference: str) -> list[RightsMessage]:
    """The request's messages for the requester, oldest first."""
    query = (
        select(rights_messages)
        .where(rights_messages.c.reference == reference)
        .order_by(rights_messages.c.id)
    )
    async with store.reading() as conn:
        rows = list(await conn.execute(query))
    if not rows and not await _exists(store, reference):
        raise NotFound("No rights request with that reference.")
    return [RightsMessage(r.id, r.reference, r.author, r.body, r.at) for r in rows]


async def _exists(store: RecordStore, reference: str) -> bool:
    query = select(rights_requests.c.reference).where(rights_requests.c.reference == reference)
    async with store.reading() as conn:
        return (await conn.execute(query)).first() is not None
