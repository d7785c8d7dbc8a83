"""rights requests: the requester's space (its codes and sessions) and documents both ways.

Revision ID: 0009_requester_space
Revises: 0008_rights_agents
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_requester_space"
down_revision: str | None = "0008_rights_agents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)


def _reference(primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(
        "reference",
        sa.String(16),
        sa.ForeignKey("rights_requests.reference", ondelete="CASCADE"),
        primary_key=primary_key,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "rights_space_codes",
        _reference(primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("code_expires_at", TIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sent_at", TIME, nullable=False),
    )
    op.create_table(
        "rights_space_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        _reference(),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
    )
    op.create_index("ix_rights_space_sessions_reference", "rights_space_sessions", ["reference"])
    op.create_table(
        "rights_documents",
        sa.Column("id", sa.String(32), primary_key=True),
        _reference(),
        sa.Column("sender", sa.String(16), nullable=False),
        sa.Column("is_answer", sa.Boolean(), nullable=False, server_default="0"),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index(
        "ix_rights_documents_reference_created_at",
        "rights_documents",
        ["reference", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_rights_documents_reference_created_at", "rights_documents")
    op.drop_table("rights_documents")
    op.drop_index("ix_rights_space_sessions_reference", "rights_space_sessions")
    op.drop_table("rights_space_sessions")
    op.drop_table("rights_space_codes")
