"""scan reports: each key's last report of ``widget-gateway scan --key``.

Revision ID: 0006_scan_reports
Revises: 0005_webhooks
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_scan_reports"
down_revision: str | None = "0005_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of gateway.db.metadata: a migration never changes meaning.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scan_reports",
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("account", sa.String(128), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("scanned_at", TIME, nullable=False),
        sa.Column("clean", sa.Boolean(), nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.PrimaryKeyConstraint("public_key", name=op.f("pk_scan_reports")),
    )
    op.create_index(
        op.f("ix_scan_reports_account_scanned_at"), "scan_reports", ["account", "scanned_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_scan_reports_account_scanned_at"), table_name="scan_reports")
    op.drop_table("scan_reports")
