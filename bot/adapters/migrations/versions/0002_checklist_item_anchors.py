"""Checklist items keep their own anchor, offset and "compressed" flag.

A stored checklist must not move when someone edits prompts/checklist.toml, so each item now records
where its due date comes from. Items saved before this revision are attributed from the template as it
was up to 782b98a (frozen below; it never changed in that history): its item ids are `<stage>-<n>`,
numbering the stage's items for the campaign's kind. A stage whose stored ids do not match that
numbering (a locally edited template) is left NULL: such items keep their stored due dates, and only
re-drafting from the current template moves them when the dates change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# stage key -> the template's items in order: (anchor, working days, only for these kinds).
TEMPLATE_782B98A: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {
    "goal": [("launch", -12, ()), ("launch", -11, ())],
    "planning": [
        ("launch", -10, ()),
        ("launch", -10, ()),
        ("launch", -9, ()),
        ("launch", -9, ("content", "brand")),
        ("launch", -9, ("content",)),
        ("launch", -8, ("content",)),
        ("launch", -8, ("activation",)),
        ("launch", -9, ("conversion",)),
    ],
    "resources": [("launch", -7, ()), ("launch", -6, ())],
    "promotion": [
        ("launch", -3, ()),
        ("launch", -4, ()),
        ("launch", -2, ()),
        ("launch", -2, ("acquisition",)),
        ("launch", -5, ("acquisition", "brand")),
        ("launch", -2, ("content", "brand")),
        ("launch", -3, ("content", "brand")),
        ("launch", -1, ("activation",)),
    ],
    "execution": [("launch", 0, ()), ("launch", 1, ()), ("launch", 1, ())],
    "review": [("end", 1, ()), ("end", 2, ()), ("end", 3, ()), ("end", 3, ()), ("end", 2, ("content",))],
}

campaigns = sa.table("campaigns", sa.column("id", sa.String), sa.column("kind", sa.String))
items = sa.table(
    "checklist_items",
    sa.column("campaign_id", sa.String),
    sa.column("item_id", sa.String),
    sa.column("stage_key", sa.String),
    sa.column("anchor", sa.String),
    sa.column("offset_workdays", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("checklist_items") as batch:
        batch.add_column(sa.Column("anchor", sa.String(8), nullable=True))
        batch.add_column(sa.Column("offset_workdays", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("compressed", sa.Boolean(), nullable=False, server_default=sa.false()))
    _attribute_legacy_items(op.get_bind())


def _attribute_legacy_items(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.select(items.c.campaign_id, campaigns.c.kind, items.c.stage_key, items.c.item_id)
        .select_from(items.join(campaigns, campaigns.c.id == items.c.campaign_id))
        .where(items.c.anchor.is_(None))
    )
    stages: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for campaign_id, kind, stage_key, item_id in rows:
        stages[(campaign_id, kind, stage_key)].add(item_id)
    for (campaign_id, kind, stage_key), stored in stages.items():
        specs = [spec for spec in TEMPLATE_782B98A.get(stage_key, []) if not spec[2] or kind in spec[2]]
        expected = {f"{stage_key}-{n}": spec for n, spec in enumerate(specs, start=1)}
        if set(expected) != stored:
            continue
        for item_id, (anchor, offset, _kinds) in expected.items():
            bind.execute(
                sa.update(items)
                .where(items.c.campaign_id == campaign_id, items.c.item_id == item_id)
                .values(anchor=anchor, offset_workdays=offset)
            )


def downgrade() -> None:
    with op.batch_alter_table("checklist_items") as batch:
        batch.drop_column("compressed")
        batch.drop_column("offset_workdays")
        batch.drop_column("anchor")
