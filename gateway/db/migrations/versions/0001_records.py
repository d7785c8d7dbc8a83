"""records: consent records, rights requests and their history, daily consent rollups.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of gateway.db.metadata: a migration never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consent_records",
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("consent_id", sa.String(64), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("choices", JSON, nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("gpc", sa.Boolean(), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(255), nullable=False),
        sa.Column("given_at", TIME, nullable=True),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("ip_truncated", sa.String(45), nullable=False),
        sa.Column("user_agent", sa.String(300), nullable=False),
        sa.Column("receipt", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_consent_records")),
    )
    for columns in (
        ["consent_id", "received_at"],
        ["received_at", "record_id"],
        ["public_key", "received_at", "record_id"],
        ["account", "received_at", "record_id"],
    ):
        op.create_index(op.f(f"ix_consent_records_{'_'.join(columns)}"), "consent_records", columns)

    op.create_table(
        "consent_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("accept_all", sa.Integer(), nullable=False),
        sa.Column("reject_all", sa.Integer(), nullable=False),
        sa.Column("custom", sa.Integer(), nullable=False),
        sa.Column("withdraw", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "public_key", name=op.f("pk_consent_daily")),
    )
    op.create_index(op.f("ix_consent_daily_public_key_day"), "consent_daily", ["public_key", "day"])

    op.create_table(
        "consent_daily_categories",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("granted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "public_key", "category", name=op.f("pk_consent_daily_categories")
        ),
    )
    op.create_index(
        op.f("ix_consent_daily_categories_public_key_day"),
        "consent_daily_categories",
        ["public_key", "day"],
    )

    op.create_table(
        "rights_requests",
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("identity", JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("law", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("due_at", sa.Date(), nullable=False),
        sa.Column("closed_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("reference", name=op.f("pk_rights_requests")),
    )
    for columns in (
        ["received_at", "reference"],
        ["public_key", "received_at", "reference"],
        ["status", "due_at"],
        ["email"],
    ):
        op.create_index(op.f(f"ix_rights_requests_{'_'.join(columns)}"), "rights_requests", columns)

    op.create_table(
        "rights_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(16), nullable=True),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["reference"],
            ["rights_requests.reference"],
            name=op.f("fk_rights_events_reference_rights_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_events")),
    )
    op.create_index(op.f("ix_rights_events_reference_id"), "rights_events", ["reference", "id"])


def downgrade() -> None:
    # Dropping a table drops its indexes; children before parents.
    for table in (
        "rights_events",
        "rights_requests",
        "consent_daily_categories",
        "consent_daily",
        "consent_records",
    ):
        op.drop_table(table)
