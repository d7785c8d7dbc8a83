"""Requests filed by an authorised agent, in the store: the two halves of their confirmation
and the sealed authorisation document.

A request whose ``requester_type`` is ``agent`` gets a row in ``rights_agents`` in the
transaction that stores it. Its code goes to the agent; when the agent confirms it,
:func:`mark_agent` records that half. The data subject answers the link mailed to them with
:func:`answer_subject`: ``confirmed`` (they gave the permission) or ``denied``. Each half is
recorded by one ``UPDATE … RETURNING`` that also reads the other half, so of two confirmations
arriving together the later one sees the earlier and starts the clock
(:func:`gateway.records.verification.confirm`).

The document arrives sealed (the caller seals; the store never sees it in the clear) and is
written once: a second upload finds the column set and changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from gateway.records.tables import rights_agents, rights_events, rights_requests

if TYPE_CHECKING:
    from gateway.records.store import RecordStore

WAITING = "waiting"
CONFIRMED = "confirmed"
DENIED = "denied"
SUBJECT = "data_subject"


@dataclass(frozen=True)
class AgentState:
    """Where an agent's request stands: both halves, and the document (never its bytes)."""

    reference: str
    agent_confirmed_at: datetime | None
    subject_state: str
    subject_mailed_at: datetime | None
    subject_answered_at: datetime | None
    document_type: str | None
    document_size: int | None
    document_at: datetime | None

    @property
    def agent_confirmed(self) -> bool:
        return self.agent_confirmed_at is not None


@dataclass(frozen=True)
class StoredDocument:
    """The sealed authorisation and what the gateway found it to be."""

    sealed: bytes
    media_type: str
    size: int


_STATE = (
    rights_agents.c.reference,
    rights_agents.c.agent_confirmed_at,
    rights_agents.c.subject_state,
    rights_agents.c.subject_mailed_at,
    rights_agents.c.subject_answered_at,
    rights_agents.c.document_type,
    rights_agents.c.document_size,
    rights_agents.c.document_at,
)


def _state(row: Any) -> AgentState:
    return AgentState(
        reference=row.reference,
        agent_confirmed_at=row.agent_confirmed_at,
        subject_state=row.subject_state,
        subject_mailed_at=row.subject_mailed_at,
        subject_answered_at=row.subject_answered_at,
        document_type=row.document_type,
        document_size=row.document_size,
        document_at=row.document_at,
    )


def filed_by_agent(identity: Mapping[str, Any]) -> bool:
    """Whether a request's fields say an authorised agent filed it."""
    return identity.get("requester_type") == "agent" and bool(identity.get("agent_email"))


def waits(row: Mapping[str, Any], new_refs: Collection[str]) -> bool:
    """Whether a rights row just stored is an agent's request that waits for its halves (the
    records store writes its ``rights_agents`` row in the same transaction)."""
    return (
        row["reference"] in new_refs
        and row.get("email_verified_at") is None
        and filed_by_agent(row.get("identity") or {})
    )


async def state(store: RecordStore, reference: str) -> AgentState | None:
    """The agent's request's state; None for a request filed by the person themselves."""
    query = select(*_STATE).where(rights_agents.c.reference == reference)
    async with store.reading() as conn:
        row = (await conn.execute(query)).first()
    return None if row is None else _state(row)


async def states(store: RecordStore, references: Iterable[str]) -> dict[str, AgentState]:
    """The states of those of ``references`` filed by agents (one query, for a list page)."""
    wanted = list(references)
    if not wanted:
        return {}
    query = select(*_STATE).where(rights_agents.c.reference.in_(wanted))
    async with store.reading() as conn:
        return {row.reference: _state(row) for row in await conn.execute(query)}


async def mark_agent(store: RecordStore, reference: str, now: datetime) -> AgentState | None:
    """Record that the agent confirmed their address; the state after, or None when that half
    was done already (or the request is no agent's)."""
    a = rights_agents
    query = (
        update(a)
        .where(a.c.reference == reference, a.c.agent_confirmed_at.is_(None))
        .values(agent_confirmed_at=now)
        .returning(*_STATE)
    )
    async with store.writing() as conn:
        row = (await conn.execute(query)).first()
        if row is not None:
            await conn.execute(_event(reference, "agent_verified", "requester", now))
    return None if row is None else _state(row)


async def mark_mailed(store: RecordStore, reference: str, now: datetime) -> None:
    a = rights_agents
    async with store.writing() as conn:
        await conn.execute(
            update(a).where(a.c.reference == reference).values(subject_mailed_at=now)
        )


async def answer_subject(
    store: RecordStore, reference: str, answer: str, now: datetime
) -> AgentState | None:
    """Record the data subject's answer (``confirmed`` or ``denied``), once; the state after,
    or None when they had answered already (or there is no such request)."""
    if answer not in (CONFIRMED, DENIED):
        raise ValueError(f"not an answer: {answer!r}")
    a = rights_agents
    query = (
        update(a)
        .where(a.c.reference == reference, a.c.subject_state == WAITING)
        .values(subject_state=answer, subject_answered_at=now)
        .returning(*_STATE)
    )
    kind = "subject_agreed" if answer == CONFIRMED else "subject_denied"
    async with store.writing() as conn:
        row = (await conn.execute(query)).first()
        if row is not None:
            await conn.execute(_event(reference, kind, SUBJECT, now))
    return None if row is None else _state(row)


async def put_document(
    store: RecordStore, reference: str, document: StoredDocument, now: datetime
) -> bool:
    """Keep the sealed document of an agent's request; False when it has one already."""
    a = rights_agents
    query = (
        update(a)
        .where(a.c.reference == reference, a.c.document.is_(None))
        .values(
            document=document.sealed,
            document_type=document.media_type,
            document_size=document.size,
            document_at=now,
        )
    )
    async with store.writing() as conn:
        return bool((await conn.execute(query)).rowcount == 1)


async def document(store: RecordStore, reference: str) -> StoredDocument | None:
    a = rights_agents
    query = select(a.c.document, a.c.document_type, a.c.document_size).where(
        a.c.reference == reference, a.c.document.is_not(None)
    )
    async with store.reading() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    return StoredDocument(bytes(row.document), row.document_type, int(row.document_size))


async def forget_documents(conn: Any, references: list[str]) -> None:
    """Remove the documents of requests whose personal data retention removes."""
    a = rights_agents
    await conn.execute(
        update(a)
        .where(a.c.reference.in_(references))
        .values(document=None, document_type=None, document_size=None)
    )


def _event(reference: str, kind: str, actor: str, now: datetime) -> Any:
    # The request keeps its status: from and to are the status it has now, read in the insert.
    status = (
        select(rights_requests.c.status)
        .where(rights_requests.c.reference == reference)
        .scalar_subquery()
    )
    return rights_events.insert().values(
        reference=reference,
        kind=kind,
        from_status=status,
        to_status=status,
        actor=actor,
        note=None,
        at=now,
    )


async def unasked(store: RecordStore, limit: int = 200) -> list[str]:
    """Agents' requests whose agent confirmed but whose data subject was not mailed yet."""
    a, t = rights_agents, rights_requests
    query = (
        select(a.c.reference)
        .join(t, t.c.reference == a.c.reference)
        .where(
            a.c.agent_confirmed_at.is_not(None),
            a.c.subject_mailed_at.is_(None),
            a.c.subject_state == WAITING,
            t.c.email_verified_at.is_(None),
        )
        .order_by(a.c.agent_confirmed_at)
        .limit(limit)
    )
    async with store.reading() as conn:
        return list((await conn.execute(query)).scalars())
