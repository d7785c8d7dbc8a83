"""Records for store tests, and a migrated store to put them in."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gateway.consent.records import ConsentRecord
from gateway.db.engine import create_engine
from gateway.db.migrate import upgrade
from gateway.records.store import NewConsent, RecordStore
from gateway.rights.requests import RightsRequest, Submission, respond_by

KEY = "pk_" + "a" * 38
OTHER_KEY = "pk_" + "b" * 38
T0 = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
CHOICES = {
    "accept_all": {"necessary": True, "analytics": True, "marketing": True},
    "reject_all": {"necessary": True, "analytics": False, "marketing": False},
    "custom": {"necessary": True, "analytics": True, "marketing": False},
    "withdraw": {"necessary": True, "analytics": False, "marketing": False},
}


def consent(n: int, *, at: datetime | None = None, **fields: Any) -> ConsentRecord:
    """The ``n``-th test record: one a minute from ``T0`` unless ``at`` says otherwise."""
    action = fields.pop("action", "accept_all")
    received = at or T0 + timedelta(minutes=n)
    base: dict[str, Any] = {
        "record_id": f"cr_{n:028d}",
        "consent_id": f"visitor-{n:06d}",
        "action": action,
        "categories": CHOICES[action],
        "services": {"matomo": action != "reject_all"},
        "policy_version": "3",
        "language": "en",
        "gpc": False,
        "page_url": "https://shop.example/",
        "given_at": None,
        "public_key": KEY,
        "account": "acct-1",
        "origin": "https://shop.example",
        "received_at": received.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "client_ip": "203.0.113.0",
        "user_agent": "Mozilla/5.0 (test)",
    }
    base.update(fields)
    return ConsentRecord(**base)


def new(record: ConsentRecord, receipt: str | None = None) -> NewConsent:
    return NewConsent(record, receipt)


def rights(
    n: int, *, at: datetime | None = None, type_: str = "gdpr_erasure", **fields: Any
) -> RightsRequest:
    received = at or T0 + timedelta(hours=n)
    submission = Submission(
        type=type_,
        email=fields.pop("email", f"Person{n}@Example.org"),
        given_name="Ada",
        message="Please delete my account.",
        custom=(("order_number", f"A-{n}"),),
        language="en",
    )
    regime = submission.regime
    return RightsRequest(
        reference=fields.pop("reference", f"RR-{n:04d}-TEST"[:12]),
        submission=submission,
        public_key=fields.pop("public_key", KEY),
        account=fields.pop("account", "acct-1"),
        origin="https://shop.example",
        received_at=received,
        respond_by=fields.pop("respond_by", respond_by(fields.get("law") or regime, received)),
        law=fields.pop("law", ""),
    )


@contextlib.asynccontextmanager
async def open_store(
    url: str, clock: Callable[[], datetime] | None = None
) -> AsyncIterator[RecordStore]:
    """The store on a migrated database at ``url``; the engine is disposed afterwards."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        yield RecordStore(engine, clock) if clock else RecordStore(engine)
    finally:
        await engine.dispose()


def day(n: int) -> date:
    return (T0 + timedelta(days=n)).date()
