"""rights requests: the requester's e-mail verification (its time, and the pending codes).

Revision ID: 0007_rights_verification
Revises: 0006_scan_reports
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_rights_verification"
down_revision: str | None = "0006_scan_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("rights_requests", sa.Column("email_verified_at", TIME, nullable=True))
    # Requests of earlier releases had no verification step: they count as verified on the day
    # they arrived, so their clocks and due dates stay exactly as they were.
    op.execute("UPDATE rights_requests SET email_verified_at = received_at")
    op.create_index(
        "ix_rights_requests_email_verified_at_received_at",
        "rights_requests",
        ["email_verified_at", "received_at"],
    )
    op.create_table(
        "rights_verifications",
        sa.Column(
            "reference",
            sa.String(16),
            sa.ForeignKey("rights_requests.reference", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("code_expires_at", TIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sends", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("sent_at", TIME, nullable=False),
        sa.Column("reminded_at", TIME, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("rights_verifications")
    op.drop_index("ix_rights_requests_email_verified_at_received_at", "rights_requests")
    # In batch mode: SQLite before 3.35 cannot drop a column in place.
    with op.batch_alter_table("rights_requests") as batch:
        batch.drop_column("email_verified_at")
