"""The accounts package's tables, on the shared MetaData (migration ``0002_accounts``).

Times are stored as Unix seconds (``Float``) like the rest of the gateway's records, so the
clock that tests inject reaches every comparison unchanged.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from gateway.db.metadata import metadata

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("require_2fa", Boolean, nullable=False, server_default="0"),
    Column("created_at", Float, nullable=False),
)

people = Table(
    "people",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False, server_default=""),
    Column("password_hash", String(200)),
    Column("password_changed_at", Float),
    Column("totp_secret", String(200)),
    Column("totp_pending", String(200)),
    Column("totp_last_step", Integer),
    Column("created_at", Float, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("person_id", String(40), ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("account_id", String(40), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    UniqueConstraint("person_id", "account_id", name="uq_memberships_person_account"),
    Index("ix_memberships_account", "account_id"),
)

invitations = Table(
    "invitations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account_id", String(40), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(320), nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("expires_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("used_at", Float),
    Column("invited_by", String(40)),
)

recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("person_id", String(40), ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("used_at", Float),
    UniqueConstraint("person_id", "code_hash", name="uq_recovery_codes_person_code"),
)

password_resets = Table(
    "password_resets",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("person_id", String(40), ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float),
)

# Sessions live here only on the embedded default; with Redis they live in Redis.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("person_id", String(40), ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("data", Text, nullable=False),
    Index("ix_console_sessions_person", "person_id"),
)
