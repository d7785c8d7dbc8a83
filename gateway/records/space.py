"""The requester's space in the store: the code that opens it and the sessions it opens.

A code is kept as its HMAC (the caller hashes, as for the address verification), one at a time
per request; each check spends one try first in one ``UPDATE … WHERE attempts < max``, so
concurrent guesses get no more tries than allowed, and a right code is deleted as it opens a
session. A session is found by the SHA-256 of the browser's random token: a copy of the table
opens none. It ends :attr:`idle` seconds after its last request or :attr:`absolute` seconds
after it was opened, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select, update

from gateway.records.model import CLOSED, StoredRightsRequest
from gateway.records.tables import rights_space_codes, rights_space_sessions
from gateway.records.verification import spend_try

if TYPE_CHECKING:
    from gateway.records.store import RecordStore


@dataclass(frozen=True)
class SpaceSession:
    """An open session of one request's space; ``csrf_token`` is its synchroniser token."""

    reference: str
    csrf_token: str
    created_at: datetime


def open_until(request: StoredRightsRequest, days: int) -> datetime | None:
    """Until when the request's space opens: ``days`` after closure; None while it is open.
    A request never confirmed, or anonymised, has no space (answered as unknown)."""
    if request.closed_at is None:
        return None
    return request.closed_at + timedelta(days=days)


def space_open(request: StoredRightsRequest, now: datetime, days: int) -> bool:
    if not request.email_verified or request.anonymised_at is not None:
        return False
    if request.status not in CLOSED:
        return True
    until = open_until(request, days)
    return until is not None and now < until


async def put_code(
    store: RecordStore,
    reference: str,
    code_hash: str,
    now: datetime,
    ttl: timedelta,
    *,
    not_before: datetime,
) -> bool:
    """Keep a new code for ``reference`` (its tries start again) unless the last one went out
    after ``not_before``; False when it is too soon."""
    c = rights_space_codes
    values = {"code_hash": code_hash, "code_expires_at": now + ttl, "attempts": 0, "sent_at": now}
    insert = store.insert_statement(c).values(reference=reference, **values)
    upsert = insert.on_conflict_do_update(
        index_elements=["reference"], set_=values, where=c.c.sent_at <= not_before
    )
    async with store.writing() as conn:
        return bool((await conn.execute(upsert)).rowcount == 1)


async def spend_code(
    store: RecordStore, reference: str, code_hash: str, now: datetime, max_attempts: int
) -> bool:
    """Spend one try of the request's code: True when ``code_hash`` is its code's and the code
    still works (the code is then used up); False otherwise, whatever the reason."""
    c = rights_space_codes
    async with store.writing() as conn:
        if not await spend_try(conn, c, reference, code_hash, now, max_attempts):
            return False
        await conn.execute(delete(c).where(c.c.reference == reference))
    return True


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(store: RecordStore, reference: str, now: datetime) -> tuple[str, str]:
    """A new session of ``reference``'s space: ``(token for the cookie, CSRF token)``."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    row = {
        "id_hash": token_hash(token),
        "reference": reference,
        "csrf_token": csrf,
        "created_at": now,
        "last_seen_at": now,
    }
    async with store.writing() as conn:
        await conn.execute(rights_space_sessions.insert().values(**row))
    return token, csrf


async def find_session(
    store: RecordStore, token: str, now: datetime, *, idle: float, absolute: float
) -> SpaceSession | None:
    """The session ``token`` opens, its idle clock restarted; None when unknown or ended (an
    ended one is deleted)."""
    if not token or len(token) > 100:
        return None
    s = rights_space_sessions
    digest = token_hash(token)
    async with store.reading() as conn:
        row = (await conn.execute(select(s).where(s.c.id_hash == digest))).first()
    if row is None:
        return None
    ended = row.last_seen_at <= now - timedelta(seconds=idle) or row.created_at <= now - timedelta(
        seconds=absolute
    )
    async with store.writing() as conn:
        if ended:
            await conn.execute(delete(s).where(s.c.id_hash == digest))
            return None
        await conn.execute(update(s).where(s.c.id_hash == digest).values(last_seen_at=now))
    return SpaceSession(row.reference, row.csrf_token, row.created_at)


async def end_session(store: RecordStore, token: str) -> None:
    s = rights_space_sessions
    async with store.writing() as conn:
        await conn.execute(delete(s).where(s.c.id_hash == token_hash(token)))


async def sweep_sessions(store: RecordStore, now: datetime, *, idle: float, absolute: float) -> int:
    """Delete every ended session; how many."""
    s = rights_space_sessions
    ended = or_(
        s.c.last_seen_at <= now - timedelta(seconds=idle),
        s.c.created_at <= now - timedelta(seconds=absolute),
    )
    async with store.writing() as conn:
        return int((await conn.execute(delete(s).where(ended))).rowcount or 0)
