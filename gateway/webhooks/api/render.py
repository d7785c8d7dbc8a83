"""The JSON shapes of endpoints and deliveries, as the API (and the console) answer them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.webhooks.model import Attempt, Delivery, Endpoint


def _when(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def endpoint(found: Endpoint, *, secret: bool = False) -> dict[str, Any]:
    """An endpoint; its signing secret only with ``secret`` (on creation and rotation)."""
    out: dict[str, Any] = {
        "id": found.id,
        "url": found.url,
        "description": found.description,
        "events": list(found.events),
        "enabled": found.enabled,
        "created_at": _when(found.created_at),
        "updated_at": _when(found.updated_at),
        "previous_secret_until": _when(found.previous_secret_until),
    }
    if secret:
        out["secret"] = found.secret
    return out


def attempt(found: Attempt) -> dict[str, Any]:
    return {
        "at": _when(found.at),
        "duration_ms": found.duration_ms,
        "status_code": found.status_code,
        "error": found.error,
        "outcome": found.outcome,
    }


def delivery(found: Delivery) -> dict[str, Any]:
    return {
        "id": found.id,
        "endpoint_id": found.endpoint_id,
        "message_id": found.message_id,
        "event_type": found.event_type,
        "status": found.status,
        "attempts": found.attempts,
        "next_attempt_at": _when(found.next_attempt_at),
        "last_status_code": found.last_status_code,
        "last_error": found.last_error,
        "created_at": _when(found.created_at),
        "finished_at": _when(found.finished_at),
        "history": [attempt(a) for a in found.history],
    }
