"""Every change to run-time knowledge is recorded: who added, removed or restored which source, when.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_knowledge_changes_source_id", "knowledge_changes", ["source_id"])


def downgrade() -> None:
    op.drop_index("ix_knowledge_changes_source_id", table_name="knowledge_changes")
    op.drop_table("knowledge_changes")
