"""The ``database`` sink: records go into the records store, the built-in consent and rights
service.

``write`` returns once the record is committed (durable before the widget's ``201``/``202``);
concurrent writes share transactions (:class:`~gateway.records.batch.GroupCommit`). The store's
``ON CONFLICT DO NOTHING`` makes a record written twice (a widget retrying after a lost answer)
one row. Consent records are kept with a receipt signed for them as they are stored, which
``POST /v1/receipts/verify`` accepts like the one the visitor got.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway.consent.records import ConsentRecord
from gateway.delivery.envelope import Envelope
from gateway.errors import InvalidPayload, SinkUnavailable, StoreUnavailable
from gateway.records.batch import GroupCommit
from gateway.records.convert import consent_record, rights_request
from gateway.records.store import NewConsent, RecordStore
from gateway.rights.requests import RightsRequest

LABEL = "database"


class DatabaseSink:
    """Writes one service's records (``consent`` or ``rights``) into the records store."""

    def __init__(
        self,
        service: str,
        store: RecordStore,
        *,
        receipt: Callable[[ConsentRecord], str] | None = None,
        max_batch: int = 500,
    ) -> None:
        if service not in ("consent", "rights"):
            raise ValueError(f"no database sink for {service!r}")
        self.service = service
        self.store = store
        self.receipt = receipt
        self._batches: GroupCommit[Any] = GroupCommit(self._add, max_batch=max_batch)

    @property
    def label(self) -> str:
        return LABEL

    async def write(self, record: Envelope) -> None:
        # A caller that gives up (client gone) does not stop the write of its record.
        await asyncio.shield(self.enqueue(record))

    def enqueue(self, record: Envelope) -> asyncio.Future[None]:
        """Queue the record for the next transaction (see :class:`~gateway.delivery.sinks.
        SinkGroup`); the future settles once it is committed, with ``SinkUnavailable`` if not."""
        try:
            item: NewConsent | RightsRequest
            if self.service == "consent":
                # Made in this process: the typed record rides along, no need to parse the body.
                source = record.source
                typed = source if isinstance(source, ConsentRecord) else consent_record(record.body)
                receipt = record.receipt
                if receipt is None and self.receipt is not None:
                    receipt = self.receipt(typed)
                item = NewConsent(typed, receipt)
            elif isinstance(record.source, RightsRequest):
                item = record.source
            else:
                item = rights_request(record.body)
        except InvalidPayload:
            raise SinkUnavailable(f"the {self.service} record cannot be stored") from None
        return self._batches.enqueue(item)

    async def _add(self, batch: Sequence[Any]) -> None:
        store = self.store
        add = store.add_consents if self.service == "consent" else store.add_rights
        try:
            await add(batch)
        except StoreUnavailable:
            raise SinkUnavailable(f"the {self.service} records store is unavailable") from None

    async def check(self) -> bool:
        try:
            async with self.store.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return False
        return True

    async def close(self) -> None:
        # The engine belongs to the app; only the writes in flight are ours.
        await self._batches.close()
