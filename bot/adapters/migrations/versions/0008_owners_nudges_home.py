"""Issue 12's state: items looked up by owner, `/ops nudges off`, and who has opened the App Home.

Nudges and morning digests need no table of their own: each (person or channel, day) is one row of
`reminder_deliveries`, claimed before anything is posted, as the weekly gaps digest is.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_checklist_items_owner", "checklist_items", ["owner"])
    op.create_table(
        "nudge_optouts",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_table(
        "home_views",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("opened_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("home_views")
    op.drop_table("nudge_optouts")
    op.drop_index("ix_checklist_items_owner", "checklist_items")
