"""Baseline: the schema opsbot created with `metadata.create_all` before it had migrations (782b98a).

A database made by that version has these tables and no `alembic_version`. Creating only the tables
that are missing adopts it as is (its data untouched), and also mends one made without
`scheduler_leader`, which that version registered only if the scheduler module had been imported.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def _tables() -> list[tuple[str, list[SchemaItem]]]:
    """Frozen copies of 782b98a's tables: later edits to bot/adapters/schema.py must not change them."""
    return [
        (
            "answers",
            [
                sa.Column("id", sa.String(32), primary_key=True),
                sa.Column("question", sa.Text(), nullable=False),
                sa.Column("payload", sa.Text(), nullable=False),
                sa.Column("asked_by", sa.String(32), nullable=False),
                sa.Column("created_at", sa.Float(), nullable=False),
            ],
        ),
        (
            "feedback",
            [
                sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
                sa.Column("answer_id", sa.String(32), nullable=False),
                sa.Column("user_id", sa.String(32), nullable=False),
                sa.Column("vote", sa.String(8), nullable=False),
                sa.Column("created_at", sa.Float(), nullable=False),
                sa.UniqueConstraint("answer_id", "user_id", name="one_vote_per_user"),
            ],
        ),
        (
            "processed_events",
            [
                sa.Column("key", sa.String(200), primary_key=True),
                sa.Column("created_at", sa.Float(), nullable=False),
            ],
        ),
        (
            "greeted_users",
            [
                sa.Column("user_id", sa.String(32), primary_key=True),
                sa.Column("created_at", sa.Float(), nullable=False),
            ],
        ),
        (
            "campaigns",
            [
                sa.Column("id", sa.String(32), primary_key=True),
                sa.Column("name", sa.Text(), nullable=False),
                sa.Column("kind", sa.String(32), nullable=False),
                sa.Column("kind_label", sa.String(64), nullable=False),
                sa.Column("launch", sa.Date(), nullable=True),
                sa.Column("end_date", sa.Date(), nullable=True),
                sa.Column("notes", sa.Text(), nullable=False),
                sa.Column("stages", sa.Text(), nullable=False),
                sa.Column("channel", sa.String(32), nullable=False),
                sa.Column("message_ts", sa.String(32), nullable=False),
                sa.Column("created_by", sa.String(32), nullable=False),
                sa.Column("created_at", sa.Float(), nullable=False),
            ],
        ),
        (
            "checklist_items",
            [
                sa.Column("campaign_id", sa.String(32), primary_key=True),
                sa.Column("item_id", sa.String(64), primary_key=True),
                sa.Column("stage_key", sa.String(32), nullable=False),
                sa.Column("position", sa.Integer(), nullable=False),
                sa.Column("text", sa.Text(), nullable=False),
                sa.Column("due", sa.Date(), nullable=True),
                sa.Column("source", sa.Text(), nullable=True),
                sa.Column("owner", sa.String(32), nullable=True),
                sa.Column("done", sa.Boolean(), nullable=False),
                sa.Column("done_by", sa.String(32), nullable=True),
                sa.Column("updated_at", sa.Float(), nullable=False),
            ],
        ),
        (
            "campaign_reviews",
            [
                sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
                sa.Column("campaign_id", sa.String(32), nullable=False),
                sa.Column("author", sa.String(32), nullable=False),
                sa.Column("answers", sa.Text(), nullable=False),
                sa.Column("created_at", sa.Float(), nullable=False),
            ],
        ),
        (
            "reminders",
            [
                sa.Column("id", sa.String(32), primary_key=True),
                sa.Column("channel", sa.String(32), nullable=False),
                sa.Column("text", sa.Text(), nullable=False),
                sa.Column("creator", sa.String(32), nullable=False),
                sa.Column("timezone", sa.String(64), nullable=False),
                sa.Column("schedule", sa.Text(), nullable=False),
                sa.Column("kind", sa.String(16), nullable=False),
                sa.Column("campaign_id", sa.String(32), nullable=True),
                sa.Column("status", sa.String(16), nullable=False),
                sa.Column("created_at", sa.Float(), nullable=False),
            ],
        ),
        (
            "scheduler_leader",
            [
                sa.Column("name", sa.String(32), primary_key=True),
                sa.Column("holder", sa.String(64), nullable=False),
                sa.Column("expires_at", sa.Float(), nullable=False),
            ],
        ),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, items in _tables():
        if name not in existing:
            op.create_table(name, *items)


def downgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, _ in reversed(_tables()):
        if name in existing:
            op.drop_table(name)
