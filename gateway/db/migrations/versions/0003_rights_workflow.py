"""rights workflow: deadline extension and pauses, event kinds, messages for the requester,
notices sent, retention rules, and leases on periodic jobs.

Revision ID: 0003_rights_workflow
Revises: 0002_accounts
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_rights_workflow"
down_revision: str | None = "0002_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0001 declares times: timestamptz on PostgreSQL, naive UTC text on SQLite.
TIME = sa.DateTime(timezone=True)


def _reference(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["reference"],
        ["rights_requests.reference"],
        name=op.f(f"fk_{table}_reference_rights_requests"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("rights_requests") as batch:
        batch.add_column(sa.Column("extended_at", TIME, nullable=True))
        batch.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("paused_days", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("paused_at", TIME, nullable=True))
        batch.add_column(sa.Column("anonymised_at", TIME, nullable=True))
        batch.create_index(op.f("ix_rights_requests_closed_at"), ["closed_at"])
    with op.batch_alter_table("rights_events") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="status"))

    op.create_table(
        "rights_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        _reference("rights_messages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rights_messages")),
    )
    op.create_index(op.f("ix_rights_messages_reference_id"), "rights_messages", ["reference", "id"])
    op.create_table(
        "rights_notices",
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sent_at", TIME, nullable=False),
        _reference("rights_notices"),
        sa.PrimaryKeyConstraint("reference", "kind", name=op.f("pk_rights_notices")),
    )
    op.create_table(
        "retention_rules",
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("consent_months", sa.Integer(), nullable=False),
        sa.Column("rights_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("account", name=op.f("pk_retention_rules")),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    for table in ("leases", "retention_rules", "rights_notices", "rights_messages"):
        op.drop_table(table)
    with op.batch_alter_table("rights_events") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("rights_requests") as batch:
        batch.drop_index(op.f("ix_rights_requests_closed_at"))
        for column in ("anonymised_at", "paused_at", "paused_days", "extension_reason"):
            batch.drop_column(column)
        batch.drop_column("extended_at")
