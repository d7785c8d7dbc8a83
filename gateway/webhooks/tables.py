"""The webhook tables, declared on the shared :data:`~gateway.db.metadata.metadata`.

- ``webhook_endpoints``: an account's receivers, the events each wants, its signing secret
  (and the previous one during a rotation's overlap);
- ``webhook_messages``: one row per event that some endpoint wanted, with the exact JSON body
  sent (so every attempt signs and sends the same bytes); ``dedupe_key`` makes an event that
  several instances notice (a request coming due) one message;
- ``webhook_deliveries``: one message to one endpoint — the durable outbox. A worker claims due
  rows with a lease (``lease_owner``, ``lease_until``), so several instances never send one
  delivery at the same time; ``status`` is ``pending``, ``delivered`` or ``dead``;
- ``webhook_attempts``: every attempt: when, how long, the HTTP status or the error's class —
  never the receiver's answer, which may hold personal data.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from gateway.db.metadata import Json, UtcDateTime, metadata

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account", String(128), nullable=False),
    Column("url", Text, nullable=False),
    Column("description", String(200), nullable=False),
    # The event types it wants, a JSON list.
    Column("events", Json, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("secret", String(100), nullable=False),
    Column("previous_secret", String(100)),
    Column("previous_secret_until", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "account", "created_at"),
)

webhook_messages = Table(
    "webhook_messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account", String(128), nullable=False),
    Column("type", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("dedupe_key", String(200), unique=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column(
        "message_id",
        String(40),
        ForeignKey("webhook_messages.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column(
        "endpoint_id",
        String(40),
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    # Failed attempts since it was queued (or replayed): what the backoff grows with.
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime()),
    Column("lease_owner", String(64)),
    Column("lease_until", UtcDateTime()),
    Column("last_status_code", Integer),
    Column("last_error", String(64)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Index(None, "status", "next_attempt_at"),
    Index(None, "endpoint_id", "created_at", "id"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "delivery_id",
        String(40),
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("at", UtcDateTime(), nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("status_code", Integer),
    # The class of what went wrong ("timeout", "connect_error", "http_status"…), or None.
    Column("error", String(64)),
    Column("outcome", String(16), nullable=False),
    Index(None, "delivery_id", "id"),
)
