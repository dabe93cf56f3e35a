"""Issue 11's state: citations per answer, knowledge gaps, 👎 reasons, collections and channel scopes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_citations",
        sa.Column("answer_id", sa.String(32), primary_key=True),
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("cited_at", sa.Float, nullable=False),
    )
    op.create_index("ix_answer_citations_cited_at", "answer_citations", ["cited_at"])
    op.create_table(
        "knowledge_gaps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("answer_id", sa.String(32), nullable=True),
        sa.Column("asked_at", sa.Float, nullable=False),
        sa.Column("resolved_source_id", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.Float, nullable=True),
        sa.Column("notified_at", sa.Float, nullable=True),
    )
    op.create_index("ix_knowledge_gaps_answer_id", "knowledge_gaps", ["answer_id"])
    op.create_index("ix_knowledge_gaps_asked_at", "knowledge_gaps", ["asked_at"])
    op.create_table(
        "channel_scopes",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("collection", sa.String(64), primary_key=True),
        sa.Column("added_by", sa.String(32), nullable=False),
        sa.Column("added_at", sa.Float, nullable=False),
    )
    # batch mode: SQLite cannot add a column to a table with constraints in place otherwise
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("reason", sa.Text, nullable=True))
    with op.batch_alter_table("knowledge_sources") as batch:
        batch.add_column(sa.Column("collection", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("knowledge_sources") as batch:
        batch.drop_column("collection")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("reason")
    op.drop_table("channel_scopes")
    op.drop_index("ix_knowledge_gaps_asked_at", table_name="knowledge_gaps")
    op.drop_index("ix_knowledge_gaps_answer_id", table_name="knowledge_gaps")
    op.drop_table("knowledge_gaps")
    op.drop_index("ix_answer_citations_cited_at", table_name="answer_citations")
    op.drop_table("answer_citations")
