"""rights requests filed by authorised agents: both halves of the confirmation, the document.

Revision ID: 0008_rights_agents
Revises: 0007_rights_verification
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_rights_agents"
down_revision: str | None = "0007_rights_verification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Requests of earlier releases have no row: they were all treated as filed by the person.
    op.create_table(
        "rights_agents",
        sa.Column(
            "reference",
            sa.String(16),
            sa.ForeignKey("rights_requests.reference", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("agent_confirmed_at", TIME, nullable=True),
        sa.Column("subject_state", sa.String(16), nullable=False, server_default="waiting"),
        sa.Column("subject_mailed_at", TIME, nullable=True),
        sa.Column("subject_answered_at", TIME, nullable=True),
        sa.Column("document", sa.LargeBinary(), nullable=True),
        sa.Column("document_type", sa.String(40), nullable=True),
        sa.Column("document_size", sa.Integer(), nullable=True),
        sa.Column("document_at", TIME, nullable=True),
    )
    op.create_index("ix_rights_agents_subject_state", "rights_agents", ["subject_state"])


def downgrade() -> None:
    op.drop_index("ix_rights_agents_subject_state", "rights_agents")
    op.drop_table("rights_agents")
