"""The typed records of webhooks: event types, endpoints, deliveries and their attempts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

RIGHTS_CREATED = "rights_request.created"
RIGHTS_STATUS_CHANGED = "rights_request.status_changed"
RIGHTS_OVERDUE_SOON = "rights_request.overdue_soon"
KEY_EXPOSED = "key.exposed"
CONSENT_WITHDRAWN = "consent.withdrawn"
TEST = "webhook.test"
# What an endpoint may subscribe to; ``webhook.test`` is sent on request, to one endpoint.
EVENT_TYPES = (
    RIGHTS_CREATED,
    RIGHTS_STATUS_CHANGED,
    RIGHTS_OVERDUE_SOON,
    KEY_EXPOSED,
    CONSENT_WITHDRAWN,
)

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"
DELIVERY_STATUSES = (PENDING, DELIVERED, DEAD)


@dataclass(frozen=True)
class Event:
    """Something that happened in one account, for the endpoints that want its ``type``.

    ``data`` is the payload's ``data`` object; ``dedupe_key``, when given, makes the event one
    message however many times (or by however many instances) it is emitted.
    """

    type: str
    account: str
    data: Mapping[str, Any]
    at: datetime
    dedupe_key: str | None = None


@dataclass(frozen=True)
class Endpoint:
    id: str
    account: str
    url: str
    description: str
    events: tuple[str, ...]
    enabled: bool
    created_at: datetime
    updated_at: datetime
    # Signing secrets: the current one, and the previous one until ``previous_secret_until``.
    secret: str = field(repr=False)
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_until: datetime | None = None

    def secrets_at(self, now: datetime) -> tuple[str, ...]:
        """The secrets a message sent at ``now`` is signed with (both during an overlap)."""
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            return (self.secret, self.previous_secret)
        return (self.secret,)


@dataclass(frozen=True)
class Attempt:
    at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    outcome: str


@dataclass(frozen=True)
class Delivery:
    id: str
    endpoint_id: str
    message_id: str
    event_type: str
    account: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
    history: tuple[Attempt, ...] = ()


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds under its lease: what it needs to send it."""

    id: str
    lease: str
    attempts: int
    message_id: str
    body: str
    endpoint: Endpoint
