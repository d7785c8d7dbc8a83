"""The records store: consent records and rights requests in SQLite or PostgreSQL.

Writes are idempotent by record id (``INSERT … ON CONFLICT DO NOTHING`` on both dialects), so a
record delivered twice, retried by a widget, or imported again is stored once; the daily rollups
are updated in the same transaction, for the new rows only. Listings are newest first with
keyset cursors (:mod:`gateway.records.cursor`). Database errors become
:class:`~gateway.errors.StoreUnavailable`.

The webhook events of a change (a request stored, a withdrawal, a status change) are queued in
the change's own transaction (:mod:`gateway.records.events`); ``on_queued``, when set, is told
after the commit so this instance's webhook worker sends them at once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, Table, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.clock import now_utc
from gateway.consent.records import ConsentRecord
from gateway.errors import InvalidQuery, NotFound, StoreUnavailable
from gateway.records import cursor, events, intake, rights
from gateway.records.consent_writes import ConsentWriter
from gateway.records.convert import consent_row, rights_row, stored_consent, stored_rights
from gateway.records.documents import DocumentSealer
from gateway.records.model import (
    ACTIONS,
    ConsentFilter,
    DayStats,
    Page,
    RightsEvent,
    RightsFilter,
    StoredConsent,
    StoredRightsRequest,
)
from gateway.records.stats import daily_stats
from gateway.records.tables import (
    consent_daily,
    consent_records,
    rights_events,
    rights_requests,
)
from gateway.rights.requests import RightsRequest
from gateway.webhooks.outbox import emit

log = logging.getLogger("gateway.records")

MAX_PAGE = 500
EVERY_CONSENT = ConsentFilter()
EVERY_REQUEST = RightsFilter()


@dataclass(frozen=True)
class NewConsent:
    """A consent record to store, with the receipt issued for it (None: none kept)."""

    record: ConsentRecord
    receipt: str | None = None


class RecordStore:
    """Reads and writes the record tables through one async engine (owned by the caller)."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime] = now_utc) -> None:
        self.engine = engine
        self.clock = clock
        self.on_queued: Callable[[], None] | None = None
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert: Any = dialect.insert
        # The write path's statements, built once: (table, key columns, …) -> statement.
        self._statements: dict[tuple[str, ...], Any] = {}
        self._consents: ConsentWriter | None = None
        # Called with the references of newly stored requests, after they are committed (the
        # owners' arrival e-mail); its failure never undoes or fails the write.
        self.on_new_rights: Callable[[list[str]], Awaitable[object]] | None = None
        # Called after an owner's change the requester is told of by e-mail, with the reference
        # and what happened ("status", "message"): the requester's space's e-mails. Its
        # failure never undoes or fails the change.
        self.on_requester_news: Callable[[str, str], Awaitable[object]] | None = None
        # Seals the documents of rights requests at rest (see gateway.records.documents); None:
        # the store keeps no documents.
        self.sealer: DocumentSealer | None = None

    def insert_statement(self, table: Table) -> Any:
        """An ``INSERT`` of this dialect, with its ``ON CONFLICT`` clauses."""
        return self._insert(table)

    # --- writing -------------------------------------------------------------------------------

    async def add_consents(self, batch: Sequence[NewConsent], *, announce: bool = True) -> int:
        """Store every record not stored yet, in one transaction; how many were new.

        ``announce`` queues the webhook events of new withdrawals (an import of old records
        does not)."""
        rows = list({c.record.record_id: consent_row(c.record, c.receipt) for c in batch}.values())
        if self._consents is None:
            self._consents = ConsentWriter(self.engine.dialect, self._counts_statement)
        if not (announce and any(r["action"] == "withdraw" for r in rows)):
            # Nothing to add in the transaction after the records: one trip on SQLite.
            alone = await self._consents.write_alone(self.engine, rows)
            if alone is not None:
                return len(alone)
        async with self.writing() as conn:
            new_ids = await self._consents.write(conn, rows)
            fresh = [row for row in rows if row["record_id"] in new_ids]
            withdrawn = [
                events.consent_withdrawn(r) for r in fresh if announce and r["action"] == "withdraw"
            ]
            made = await emit(conn, withdrawn)
        if made:
            self.queued()
        return len(new_ids)

    async def add_shown(self, counts: Sequence[tuple[date, str, str, int]]) -> None:
        """Add banner impressions, ``(day, public_key, account, count)``, to the daily rollups."""
        rows = [
            {"day": d, "public_key": k, "account": a, "records": 0, "shown": n}
            | dict.fromkeys(ACTIONS, 0)
            for d, k, a, n in sorted(counts)
        ]
        if rows:
            async with self.writing() as conn:
                await self._add_counts(conn, consent_daily, ["day", "public_key"], rows)

    async def add_rights(self, batch: Sequence[RightsRequest], *, announce: bool = True) -> int:
        """Store every request not stored yet (status ``received``), with what comes with it
        (:mod:`gateway.records.intake`), in one transaction; ``announce`` queues their
        ``rights_request.created`` events."""
        requests = {r.reference: r for r in batch}
        rows = [rights_row(r) for r in requests.values()]
        async with self.writing() as conn:
            new_refs = await self._insert_new(conn, rights_requests, "reference", rows)
            fresh = [row for row in rows if row["reference"] in new_refs]
            await intake.record_arrivals(conn, fresh, requests)
            made = await emit(conn, [events.rights_created(r) for r in fresh if announce])
        if made:
            self.queued()
        # Owners hear of a request once its requester has confirmed it (gateway.portal).
        verified = sorted(r["reference"] for r in fresh if r["email_verified_at"] is not None)
        if verified and self.on_new_rights is not None:
            try:
                await self.on_new_rights(verified)
            except Exception as exc:  # the periodic catch-up sends what this missed
                log.warning("arrival notice not sent now: %s", type(exc).__name__)
        return len(new_refs)

    async def tell_requester(self, reference: str, what: str) -> None:
        """Hand an owner's change to :attr:`on_requester_news`, after it is committed."""
        if self.on_requester_news is None:
            return
        try:
            await self.on_requester_news(reference, what)
        except Exception as exc:  # the change stands; the e-mail is what is lost
            log.warning("requester e-mail not queued: %s", type(exc).__name__)

    def queued(self) -> None:
        """Webhook deliveries were committed: wake this instance's worker."""
        if self.on_queued is not None:
            self.on_queued()

    async def _insert_new(
        self, conn: AsyncConnection, table: Table, key: str, rows: list[dict[str, Any]]
    ) -> set[str]:
        """Insert ``rows``, skipping ids already stored; the ids that were new."""
        if not rows:
            return set()
        # One statement, built once and executed for many rows: SQLAlchemy batches it into
        # multi-row INSERTs ("insertmanyvalues"), RETURNING included, on both dialects.
        statement = self._statements.get((table.name, key))
        if statement is None:
            insert = self._insert(table).on_conflict_do_nothing(index_elements=[key])
            statement = self._statements[(table.name, key)] = insert.returning(table.c[key])
        return set((await conn.execute(statement, rows)).scalars())

    async def _add_counts(
        self, conn: AsyncConnection, table: Table, keys: list[str], rows: list[dict[str, Any]]
    ) -> None:
        await conn.execute(self._counts_statement(table, keys, rows), rows)

    def _counts_statement(self, table: Table, keys: list[str], rows: list[dict[str, Any]]) -> Any:
        """``INSERT … ON CONFLICT (keys) DO UPDATE`` adding the rows' counters (every column
        of the first row but the keys and ``account``) to those stored."""
        counters = [c for c in rows[0] if c not in keys and c != "account"]
        name = (table.name, *keys, "+", *counters)
        statement = self._statements.get(name)
        if statement is None:
            insert = self._insert(table)
            statement = self._statements[name] = insert.on_conflict_do_update(
                index_elements=keys,
                set_={c: table.c[c] + insert.excluded[c] for c in counters},
            )
        return statement

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError:
            raise StoreUnavailable("The records store could not be written.") from None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError:
            raise StoreUnavailable("The records store could not be read.") from None

    # --- consent records -----------------------------------------------------------------------

    async def consent_proof(
        self, consent_id: str, public_key: str | None = None, *, account: str | None = None
    ) -> tuple[StoredConsent, ...]:
        """Every record of one visitor's consent id, oldest first: the history of their choice."""
        query = select(consent_records).where(consent_records.c.consent_id == consent_id)
        if public_key is not None:
            query = query.where(consent_records.c.public_key == public_key)
        if account is not None:
            query = query.where(consent_records.c.account == account)
        query = query.order_by(consent_records.c.received_at, consent_records.c.record_id)
        async with self.reading() as conn:
            return tuple(stored_consent(row) for row in await conn.execute(query))

    async def get_consent(self, record_id: str) -> StoredConsent:
        query = select(consent_records).where(consent_records.c.record_id == record_id)
        async with self.reading() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound("No consent record with that id.")
        return stored_consent(row)

    async def list_consents(
        self, where: ConsentFilter = EVERY_CONSENT, after: str | None = None, limit: int = 100
    ) -> Page[StoredConsent]:
        t = consent_records
        conditions: list[ColumnElement[bool]] = []
        for name in ("account", "public_key", "action", "origin"):
            value = getattr(where, name)
            if value is not None:
                conditions.append(t.c[name] == value)
        if where.since is not None:
            conditions.append(t.c.received_at >= where.since)
        if where.until is not None:
            conditions.append(t.c.received_at < where.until)
        if where.category is not None:
            conditions.append(t.c.choices[("categories", where.category)].as_boolean())
        query = select(t).where(*conditions)
        page = await self._page(query, t.c.received_at, t.c.record_id, "consents", after, limit)
        items = tuple(stored_consent(row) for row in page)
        return _paged(items, limit, "consents", lambda c: (c.received_at, c.record_id))

    async def _page(
        self,
        query: Select[Any],
        at: ColumnElement[datetime],
        key: ColumnElement[str],
        listing: str,
        after: str | None,
        limit: int,
    ) -> list[Row[Any]]:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidQuery(f"limit must be between 1 and {MAX_PAGE}")
        if after is not None:
            position = cursor.decode(listing, after)
            query = query.where(tuple_(at, key) < tuple_(*position))
        query = query.order_by(at.desc(), key.desc()).limit(limit + 1)
        async with self.reading() as conn:
            return list(await conn.execute(query))

    async def stats(
        self,
        since: date,
        until: date,
        *,
        account: str | None = None,
        public_key: str | None = None,
    ) -> list[DayStats]:
        """Per UTC day (``since`` to ``until``, both included) and key, from the rollups."""
        async with self.reading() as conn:
            return await daily_stats(conn, since, until, account=account, public_key=public_key)

    async def count_consents(self) -> int:
        async with self.reading() as conn:
            return int(
                (await conn.execute(select(func.count()).select_from(consent_records))).scalar_one()
            )

    # --- rights requests -----------------------------------------------------------------------

    async def get_rights(self, reference: str) -> StoredRightsRequest:
        query = select(rights_requests).where(rights_requests.c.reference == reference)
        async with self.reading() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound("No rights request with that reference.")
        return stored_rights(row)

    async def rights_language(self, reference: str | None) -> str | None:
        """The language a rights request was filed in; None for no reference or an unknown one
        (what the pages an e-mailed link opens need, for their texts)."""
        if reference is None:
            return None
        query = select(rights_requests.c.language).where(rights_requests.c.reference == reference)
        async with self.reading() as conn:
            language: str | None = (await conn.execute(query)).scalar_one_or_none()
        return language

    async def rights_history(self, reference: str) -> tuple[RightsEvent, ...]:
        """The request's history, oldest first: status changes, extension, pauses, messages."""
        query = (
            select(rights_events)
            .where(rights_events.c.reference == reference)
            .order_by(rights_events.c.id)
        )
        async with self.reading() as conn:
            rows = list(await conn.execute(query))
        return tuple(
            RightsEvent(r.reference, r.from_status, r.to_status, r.actor, r.note, r.at, r.kind)
            for r in rows
        )

    async def list_rights(
        self, where: RightsFilter = EVERY_REQUEST, after: str | None = None, limit: int = 100
    ) -> Page[StoredRightsRequest]:
        t = rights_requests
        query = select(t).where(*rights.conditions(where, self.clock().date()))
        page = await self._page(query, t.c.received_at, t.c.reference, "rights", after, limit)
        items = tuple(stored_rights(row) for row in page)
        return _paged(items, limit, "rights", lambda r: (r.received_at, r.reference))

    async def change_status(
        self, reference: str, to_status: str, *, actor: str, note: str | None = None
    ) -> StoredRightsRequest:
        """Move a request to ``to_status``, recording who did it and why.

        Raises :class:`~gateway.errors.NotFound` or
        :class:`~gateway.records.rights.InvalidStatusTransition`.
        """
        await rights.change_status(self, reference, to_status, actor=actor, note=note)
        return await self.get_rights(reference)


def _paged(
    items: tuple[Any, ...],
    limit: int,
    listing: str,
    position: Callable[[Any], tuple[datetime, str]],
) -> Page[Any]:
    if len(items) <= limit:
        return Page(items, None)
    kept = items[:limit]
    return Page(kept, cursor.encode(listing, *position(kept[-1])))
