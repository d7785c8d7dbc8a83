"""consent records: the digest of the config answer the visitor was shown; banners shown per day.

Revision ID: 0004_consent_config_digest
Revises: 0003_rights_workflow
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_consent_config_digest"
down_revision: str | None = "0003_rights_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: records from before the widget sent it, and from widgets cached since, have none.
    op.add_column("consent_records", sa.Column("config_digest", sa.String(64), nullable=True))
    op.add_column(
        "consent_daily", sa.Column("shown", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    # In batch mode: SQLite before 3.35 cannot drop a column in place.
    with op.batch_alter_table("consent_daily") as batch:
        batch.drop_column("shown")
    with op.batch_alter_table("consent_records") as batch:
        batch.drop_column("config_digest")
