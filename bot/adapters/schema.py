"""Every table of the state database, on one `metadata`: what the stores use and Alembic compares.

APScheduler's `apscheduler_jobs` is deliberately not here. The job store creates it on start and owns
its layout (which may change with an APScheduler upgrade); declaring a copy would let the two drift
apart silently. The migration environment leaves it out of autogenerate, and the one migration that
touches its rows (0003) names only the two columns it reads and writes.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

# Tables created by APScheduler, not by our migrations.
# APScheduler's job table: created in its own layout by `migrate.upgrade`, used by the job store.
JOB_TABLE = "apscheduler_jobs"
FOREIGN_TABLES = frozenset({JOB_TABLE})

answers = Table(
    "answers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("question", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("asked_by", String(32), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("answer_id", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),
    Column("vote", String(8), nullable=False),
    Column("created_at", Float, nullable=False),
    # Why a 👎 was given, when the voter said (revision 0007).
    Column("reason", Text, nullable=True),
    UniqueConstraint("answer_id", "user_id", name="one_vote_per_user"),
)
processed_events = Table(
    "processed_events",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("created_at", Float, nullable=False),
)
greeted_users = Table(
    "greeted_users",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("created_at", Float, nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("kind_label", String(64), nullable=False),
    Column("launch", Date, nullable=True),
    Column("end_date", Date, nullable=True),
    Column("notes", Text, nullable=False, default="[]"),
    Column("stages", Text, nullable=False),
    Column("channel", String(32), nullable=False, default=""),
    Column("message_ts", String(32), nullable=False, default=""),
    Column("created_by", String(32), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
)
checklist_items = Table(
    "checklist_items",
    metadata,
    Column("campaign_id", String(32), primary_key=True),
    Column("item_id", String(64), primary_key=True),
    Column("stage_key", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("due", Date, nullable=True),
    Column("source", Text, nullable=True),
    Column("owner", String(32), nullable=True),
    Column("done", Boolean, nullable=False, default=False),
    Column("done_by", String(32), nullable=True),
    Column("updated_at", Float, nullable=False),
    # Where the due date comes from ("launch"/"end" and working days), so a template edit never moves
    # it. NULL for items saved before revision 0002 that the migration could not attribute.
    Column("anchor", String(8), nullable=True),
    Column("offset_workdays", Integer, nullable=True),
    Column("compressed", Boolean, nullable=False, server_default=false()),
    # Revision 0008: the morning nudges and "my open items" look items up by owner.
    Index("ix_checklist_items_owner", "owner"),
)
campaign_reviews = Table(
    "campaign_reviews",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", String(32), nullable=False),
    Column("author", String(32), nullable=False),
    Column("answers", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("creator", String(32), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("schedule", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("campaign_id", String(32), nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_at", Float, nullable=False),
)
scheduler_leader = Table(
    "scheduler_leader",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)

# One row per (reminder, due time): the delivery's state, so a crash, a Slack fault or a second process
# never posts it twice and never loses it. status: claimed → sent | failed (after the last retry).
reminder_deliveries = Table(
    "reminder_deliveries",
    metadata,
    Column("reminder_id", String(32), primary_key=True),
    Column("due", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(64), nullable=False, default=""),
    # Machine time until which the claimer owns the attempt; a sweep takes over expired claims.
    Column("claimed_until", Float, nullable=False, default=0.0),
    Column("next_attempt_at", Float, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("updated_at", Float, nullable=False),
)

# Knowledge added at run time (reviews, documents, threads): the database is the source of truth, so
# every process indexes the same sources. Removal is a tombstone (deleted_at) other processes can see.
knowledge_sources = Table(
    "knowledge_sources",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("campaign_id", String(32), nullable=True),
    Column("channel", String(32), nullable=False, default=""),
    Column("created_by", String(32), nullable=False, default=""),
    Column("created_at", Float, nullable=False),
    Column("deleted_at", Float, nullable=True),
    # Which collection the entry belongs to (revision 0007); None means its kind's default collection.
    Column("collection", String(64), nullable=True),
)

# Who added, removed or restored which run-time source, and when (revision 0006).
knowledge_changes = Table(
    "knowledge_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("actor", String(32), nullable=False),
    Column("at", Float, nullable=False),
)

# Which sources each stored answer cited (revision 0007): `/ops docs` counts citations per source.
answer_citations = Table(
    "answer_citations",
    metadata,
    Column("answer_id", String(32), primary_key=True),
    Column("source", String(200), primary_key=True),
    Column("cited_at", Float, nullable=False, index=True),
)

# What opsbot could not answer (revision 0007): "not covered" answers, 👎 votes, questions asked again
# right after an answer. `resolved_source_id` is the entry an editor wrote with "Answer this".
knowledge_gaps = Table(
    "knowledge_gaps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("question", Text, nullable=False),
    Column("reason", Text, nullable=True),
    Column("user_id", String(32), nullable=False, default=""),
    Column("channel", String(32), nullable=False, default=""),
    Column("answer_id", String(32), nullable=True, index=True),
    Column("asked_at", Float, nullable=False, index=True),
    Column("resolved_source_id", String(64), nullable=True),
    Column("resolved_at", Float, nullable=True),
    Column("notified_at", Float, nullable=True),
)

# The collections a channel answers from besides the playbook (revision 0007): `/ops scope add 活动方案`.
channel_scopes = Table(
    "channel_scopes",
    metadata,
    Column("channel", String(32), primary_key=True),
    Column("collection", String(64), primary_key=True),
    Column("added_by", String(32), nullable=False, default=""),
    Column("added_at", Float, nullable=False),
)

# People who said `/ops nudges off` (revision 0008): no morning DM for them until they turn it on again.
nudge_optouts = Table(
    "nudge_optouts",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("at", Float, nullable=False),
)

# Who has opened the App Home tab (revision 0008): only their Home is published again when their
# items, campaigns or reminders change.
home_views = Table(
    "home_views",
    metadata,
    Column("user_id", String(32), primary_key=True),
    Column("opened_at", Float, nullable=False),
)
