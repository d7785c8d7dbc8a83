"""The webhook store: an account's endpoints, their deliveries, replays and test events.

Every read and change takes the account it acts for, and an endpoint or delivery of another
account is :class:`~gateway.errors.NotFound`, exactly like one that does not exist. Database
errors become :class:`~gateway.errors.StoreUnavailable`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, func, select, tuple_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.clock import now_utc
from gateway.errors import Conflict, InvalidQuery, NotFound, StoreUnavailable
from gateway.webhooks import outbox, signature
from gateway.webhooks.model import (
    DEAD,
    DELIVERED,
    PENDING,
    TEST,
    Attempt,
    Delivery,
    Endpoint,
    Event,
)
from gateway.webhooks.tables import (
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    webhook_messages,
)

MAX_ENDPOINTS = 20
MAX_PAGE = 100


class DeliveryPending(Conflict):
    """A delivery still waiting for an attempt cannot be replayed."""

    code = "delivery_pending"
    title = "Delivery still pending"


class TooManyEndpoints(Conflict):
    code = "too_many_endpoints"
    title = "Too many webhook endpoints"


@dataclass(frozen=True)
class DeliveryPage:
    items: tuple[Delivery, ...]
    next_cursor: str | None


def endpoint_of(row: Row[Any]) -> Endpoint:
    return Endpoint(
        id=row.id,
        account=row.account,
        url=row.url,
        description=row.description,
        events=tuple(row.events),
        enabled=bool(row.enabled),
        created_at=row.created_at,
        updated_at=row.updated_at,
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_secret_until=row.previous_secret_until,
    )


def _cursor(at: datetime, delivery_id: str) -> str:
    raw = json.dumps([at.isoformat(), delivery_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _position(cursor: str) -> tuple[datetime, str]:
    try:
        at, delivery_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(at), str(delivery_id)
    except (ValueError, TypeError, binascii.Error):
        raise InvalidQuery(
            "cursor: not a cursor of this listing", extra={"parameter": "cursor"}
        ) from None


class WebhookStore:
    """Reads and writes the webhook tables through one async engine (owned by the caller)."""

    def __init__(self, engine: AsyncEngine, clock: Callable[[], datetime] = now_utc) -> None:
        self.engine = engine
        self.clock = clock

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.begin() as conn:
                yield conn
        except SQLAlchemyError:
            raise StoreUnavailable("The webhook store could not be written.") from None

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError:
            raise StoreUnavailable("The webhook store could not be read.") from None

    # --- endpoints -----------------------------------------------------------------------------

    async def endpoints(self, account: str) -> list[Endpoint]:
        t = webhook_endpoints
        query = select(t).where(t.c.account == account).order_by(t.c.created_at, t.c.id)
        async with self.reading() as conn:
            return [endpoint_of(row) for row in await conn.execute(query)]

    async def endpoint(self, account: str, endpoint_id: str) -> Endpoint:
        t = webhook_endpoints
        query = select(t).where(t.c.id == endpoint_id, t.c.account == account)
        async with self.reading() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound("No webhook endpoint with that id in this account.")
        return endpoint_of(row)

    async def create(
        self, account: str, url: str, events: Sequence[str], description: str, enabled: bool
    ) -> Endpoint:
        """A new endpoint with a new signing secret (read it from the answer: it is shown once)."""
        now = self.clock()
        row = {
            "id": outbox.new_id("ep"),
            "account": account,
            "url": url,
            "description": description,
            "events": list(events),
            "enabled": enabled,
            "secret": signature.new_secret(),
            "created_at": now,
            "updated_at": now,
        }
        t = webhook_endpoints
        async with self.writing() as conn:
            await conn.execute(t.insert(), [row])
            count = (
                await conn.execute(select(func.count()).where(t.c.account == account))
            ).scalar_one()
            if count > MAX_ENDPOINTS:
                raise TooManyEndpoints(f"An account may have at most {MAX_ENDPOINTS} endpoints.")
        return await self.endpoint(account, str(row["id"]))

    async def update(self, account: str, endpoint_id: str, **changes: Any) -> Endpoint:
        """Change ``url``, ``events``, ``description`` or ``enabled`` (already validated)."""
        await self.endpoint(account, endpoint_id)
        if changes:
            if "events" in changes:
                changes["events"] = list(changes["events"])
            t = webhook_endpoints
            statement = (
                update(t)
                .where(t.c.id == endpoint_id, t.c.account == account)
                .values(**changes, updated_at=self.clock())
            )
            async with self.writing() as conn:
                await conn.execute(statement)
        return await self.endpoint(account, endpoint_id)

    async def rotate_secret(self, account: str, endpoint_id: str, grace: float) -> Endpoint:
        """A new signing secret; the old one keeps signing beside it for ``grace`` seconds."""
        current = await self.endpoint(account, endpoint_id)
        now = self.clock()
        t = webhook_endpoints
        statement = (
            update(t)
            .where(t.c.id == endpoint_id, t.c.account == account)
            .values(
                secret=signature.new_secret(),
                previous_secret=current.secret if grace > 0 else None,
                previous_secret_until=now + timedelta(seconds=grace) if grace > 0 else None,
                updated_at=now,
            )
        )
        async with self.writing() as conn:
            await conn.execute(statement)
        return await self.endpoint(account, endpoint_id)

    async def remove(self, account: str, endpoint_id: str) -> None:
        """Delete an endpoint with its deliveries (their messages stay for other endpoints)."""
        await self.endpoint(account, endpoint_id)
        t, d = webhook_endpoints, webhook_deliveries
        async with self.writing() as conn:
            # Explicit, so SQLite without foreign keys enforced would not keep orphans either.
            doomed = select(d.c.id).where(d.c.endpoint_id == endpoint_id)
            await conn.execute(
                delete(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(doomed))
            )
            await conn.execute(delete(d).where(d.c.endpoint_id == endpoint_id))
            await conn.execute(delete(t).where(t.c.id == endpoint_id, t.c.account == account))

    # --- events --------------------------------------------------------------------------------

    async def emit(self, events: Sequence[Event]) -> list[str]:
        """Queue ``events`` in a transaction of their own (for changes outside the records
        store, such as a key's exposure); the deliveries made."""
        async with self.writing() as conn:
            await outbox.lock_for_writing(conn)
            return await outbox.emit(conn, events)

    async def send_test(self, account: str, endpoint_id: str) -> Delivery:
        """Queue a ``webhook.test`` message for one endpoint, whatever it subscribed to."""
        endpoint = await self.endpoint(account, endpoint_id)
        event = Event(
            TEST,
            account,
            {"endpoint_id": endpoint.id, "message": "A test event from Widget Gateway."},
            self.clock(),
        )
        async with self.writing() as conn:
            await outbox.lock_for_writing(conn)
            made = await outbox.emit(conn, [event], only_endpoint=endpoint.id)
        if not made:
            raise Conflict("A disabled endpoint receives no test event; enable it first.")
        return await self.delivery(account, endpoint_id, made[0])

    # --- deliveries ----------------------------------------------------------------------------

    async def deliveries(
        self,
        account: str,
        endpoint_id: str,
        *,
        status: str | None = None,
        after: str | None = None,
        limit: int = 20,
    ) -> DeliveryPage:
        """The endpoint's deliveries, newest first, each with its attempts."""
        await self.endpoint(account, endpoint_id)
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidQuery(
                f"limit must be between 1 and {MAX_PAGE}", extra={"parameter": "limit"}
            )
        d, m = webhook_deliveries, webhook_messages
        query = (
            select(d, m.c.type)
            .join(m, m.c.id == d.c.message_id)
            .where(d.c.endpoint_id == endpoint_id, d.c.account == account)
        )
        if status is not None:
            query = query.where(d.c.status == status)
        if after is not None:
            query = query.where(tuple_(d.c.created_at, d.c.id) < tuple_(*_position(after)))
        query = query.order_by(d.c.created_at.desc(), d.c.id.desc()).limit(limit + 1)
        async with self.reading() as conn:
            rows = list(await conn.execute(query))
            history = await self._history(conn, [row.id for row in rows[:limit]])
        items = tuple(_delivery(row, history.get(row.id, ())) for row in rows[:limit])
        more = len(rows) > limit
        return DeliveryPage(items, _cursor(items[-1].created_at, items[-1].id) if more else None)

    async def delivery(self, account: str, endpoint_id: str, delivery_id: str) -> Delivery:
        d, m = webhook_deliveries, webhook_messages
        query = (
            select(d, m.c.type)
            .join(m, m.c.id == d.c.message_id)
            .where(d.c.id == delivery_id, d.c.endpoint_id == endpoint_id, d.c.account == account)
        )
        async with self.reading() as conn:
            row = (await conn.execute(query)).first()
            if row is None:
                raise NotFound("No delivery with that id at this endpoint.")
            history = await self._history(conn, [row.id])
        return _delivery(row, history.get(row.id, ()))

    async def _history(
        self, conn: AsyncConnection, ids: Sequence[str]
    ) -> dict[str, tuple[Attempt, ...]]:
        if not ids:
            return {}
        a = webhook_attempts
        query = select(a).where(a.c.delivery_id.in_(list(ids))).order_by(a.c.id)
        found: dict[str, list[Attempt]] = {}
        for row in await conn.execute(query):
            found.setdefault(row.delivery_id, []).append(
                Attempt(row.at, row.duration_ms, row.status_code, row.error, row.outcome)
            )
        return {key: tuple(value) for key, value in found.items()}

    async def replay(self, account: str, endpoint_id: str, delivery_id: str) -> Delivery:
        """Queue a finished delivery (dead, or delivered) again: same message, same
        ``webhook-id``, a fresh round of attempts."""
        current = await self.delivery(account, endpoint_id, delivery_id)
        if current.status == PENDING:
            raise DeliveryPending("This delivery is still pending; it will be attempted again.")
        d = webhook_deliveries
        statement = (
            update(d)
            .where(d.c.id == delivery_id, d.c.status.in_([DEAD, DELIVERED]))
            .values(
                status=PENDING,
                attempts=0,
                next_attempt_at=self.clock(),
                lease_owner=None,
                lease_until=None,
                finished_at=None,
            )
        )
        async with self.writing() as conn:
            await conn.execute(statement)
        return await self.delivery(account, endpoint_id, delivery_id)


def _delivery(row: Row[Any], history: tuple[Attempt, ...]) -> Delivery:
    return Delivery(
        id=row.id,
        endpoint_id=row.endpoint_id,
        message_id=row.message_id,
        event_type=row.type,
        account=row.account,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        finished_at=row.finished_at,
        history=history,
    )
