"""What every records route needs first: the store, or a 503 when this gateway keeps none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.records.api.params import RecordsUnavailable
from gateway.records.store import RecordStore

if TYPE_CHECKING:
    from gateway.services import Services


def store_of(services: Services) -> RecordStore:
    if services.records is None:
        raise RecordsUnavailable(
            "This gateway keeps no records store: set GATEWAY_DATABASE_URL to keep records."
        )
    return services.records
