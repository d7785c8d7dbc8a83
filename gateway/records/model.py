"""The typed records the store hands out, the filters it takes, and the rights workflow.

A rights request moves ``received → verified → in_progress → completed``; it may be ``refused``
at any step before it is closed (an identity that cannot be confirmed is refused at
verification, a manifestly unfounded request at any time). ``completed`` and ``refused`` are
final: the request is closed and ``closed_at`` set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from gateway.records.deadlines import Deadline

T = TypeVar("T")

ACTIONS = ("accept_all", "reject_all", "custom", "withdraw")

RECEIVED = "received"
VERIFIED = "verified"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
REFUSED = "refused"
STATUSES = (RECEIVED, VERIFIED, IN_PROGRESS, COMPLETED, REFUSED)
CLOSED = frozenset({COMPLETED, REFUSED})
TRANSITIONS: Mapping[str, frozenset[str]] = {
    RECEIVED: frozenset({VERIFIED, REFUSED}),
    VERIFIED: frozenset({IN_PROGRESS, REFUSED}),
    IN_PROGRESS: frozenset({COMPLETED, REFUSED}),
    COMPLETED: frozenset(),
    REFUSED: frozenset(),
}


@dataclass(frozen=True)
class StoredConsent:
    """One consent record as kept in the store: the proof of a visitor's choice."""

    record_id: str
    consent_id: str
    account: str
    public_key: str
    action: str
    categories: Mapping[str, bool]
    services: Mapping[str, bool]
    policy_version: str
    language: str | None
    gpc: bool
    page_url: str
    origin: str
    given_at: datetime | None
    received_at: datetime
    ip_truncated: str
    user_agent: str
    receipt: str | None
    config_digest: str | None = None  # which config and texts the visitor was shown
    variant: str | None = None  # the geo variant applied (never the visitor's location)


@dataclass(frozen=True)
class ConsentFilter:
    """Which consent records to list; every field left None does not filter.

    ``since`` is inclusive and ``until`` exclusive; ``category`` keeps the records that opted in
    to that category.
    """

    since: datetime | None = None
    until: datetime | None = None
    account: str | None = None
    public_key: str | None = None
    action: str | None = None
    category: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing, newest first; ``next_cursor`` is None on the last page."""

    items: tuple[T, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class CategoryStats:
    records: int
    granted: int

    @property
    def opt_in_rate(self) -> float:
        return self.granted / self.records if self.records else 0.0


@dataclass(frozen=True)
class DayStats:
    """One UTC day of one key: records per action, and opt-ins per category."""

    day: date
    public_key: str
    account: str
    records: int
    accept_all: int
    reject_all: int
    custom: int
    withdraw: int
    categories: Mapping[str, CategoryStats] = field(default_factory=dict)
    shown: int = 0  # banners shown to visitors without a choice


@dataclass(frozen=True)
class StoredRightsRequest:
    reference: str
    account: str
    public_key: str
    type: str
    email: str  # normalised: trimmed, lower-cased
    identity: Mapping[str, Any]  # every field as the visitor filled it in
    message: str | None
    language: str
    law: str
    origin: str
    status: str
    received_at: datetime
    due_at: date
    closed_at: datetime | None
    extended_at: datetime | None = None
    extension_reason: str | None = None
    paused_days: int = 0
    paused_at: datetime | None = None
    anonymised_at: datetime | None = None
    # When the requester confirmed their address; None: unverified, the legal clock not started.
    email_verified_at: datetime | None = None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def deadline(self) -> Deadline:
        """Its clock: started on the day the requester confirmed their address; while they have
        not, a provisional one from the day of receipt (see ``docs/deadlines.md``)."""
        started = self.email_verified_at or self.received_at
        return Deadline(
            self.law,
            started.date(),
            extended=self.extended_at is not None,
            paused_days=self.paused_days,
            paused_on=self.paused_at.date() if self.paused_at is not None else None,
        )

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


@dataclass(frozen=True)
class RightsFilter:
    """Which rights requests to list; ``overdue`` keeps open requests past their due date."""

    account: str | None = None
    public_key: str | None = None
    status: str | None = None
    type: str | None = None
    due_before: date | None = None
    overdue: bool = False
    # True: only requests whose requester confirmed their address; False: only unverified ones.
    email_verified: bool | None = None


@dataclass(frozen=True)
class RightsEvent:
    """One step in a request's history; the first one (``from_status`` None) is its arrival.

    ``kind`` is ``status`` for a change of status, else what happened (:data:`EVENT_KINDS`)
    while the request kept its status.
    """

    reference: str
    from_status: str | None
    to_status: str
    actor: str
    note: str | None
    at: datetime
    kind: str = "status"


EVENT_KINDS = (
    "status",
    "extension",
    "pause",
    "resume",
    "message",
    "anonymised",
    "verified",
    # a request filed by an agent: the agent confirmed their address; the data subject said
    # they gave the agent permission, or that they did not
    "agent_verified",
    "subject_agreed",
    "subject_denied",
)


@dataclass(frozen=True)
class RightsMessage:
    """A message from the site owner for the requester."""

    id: int
    reference: str
    author: str
    body: str
    at: datetime
