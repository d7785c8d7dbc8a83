"""Keyset cursors: the position after the last item of a page, opaque to callers.

A cursor is the sort key of that item, ``(received_at, id)``, with the listing's name so a
cursor of one listing is refused by another. Keyset pages stay fast at any depth (no ``OFFSET``)
and never skip or repeat a record when new ones arrive meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from gateway.errors import InvalidQuery

MAX_CURSOR = 200


def encode(listing: str, at: datetime, item_id: str) -> str:
    raw = json.dumps([listing, at.isoformat(), item_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(listing: str, cursor: str) -> tuple[datetime, str]:
    """The position in ``cursor``; raises :class:`InvalidQuery`."""
    if len(cursor) > MAX_CURSOR:
        raise InvalidQuery("The cursor is too long.")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, at, item_id = json.loads(raw)
        when = datetime.fromisoformat(at)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidQuery("The cursor is not one this listing handed out.") from None
    if name != listing or not isinstance(item_id, str) or when.tzinfo is None:
        raise InvalidQuery("The cursor is not one this listing handed out.")
    return when, item_id
