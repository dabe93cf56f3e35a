"""Persisted reminder jobs call `bot.adapters.reminder_jobs:fire_reminder`, a module kept for that alone.

APScheduler pickles the job's function as an import path; jobs stored before this revision name
`bot.adapters.scheduler:fire`. Each such row is rewritten in place, keeping its trigger, next run time
and everything else. `bot.adapters.scheduler.fire` stays as an alias for jobs that a not-yet-upgraded
process may still write during a deploy.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import pickle

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_PATH = "bot.adapters.scheduler:fire"
NEW_PATH = "bot.adapters.reminder_jobs:fire_reminder"

# Only the columns this migration touches; APScheduler owns the table (see bot/adapters/schema.py).
jobs = sa.table("apscheduler_jobs", sa.column("id", sa.Unicode), sa.column("job_state", sa.LargeBinary))


def _repoint(old: str, new: str) -> None:
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("apscheduler_jobs"):
        return  # the scheduler never started here; it creates the table when it does
    for job_id, blob in bind.execute(sa.select(jobs.c.id, jobs.c.job_state)).all():
        state = pickle.loads(blob)
        if state.get("func") != old:
            continue
        state["func"] = new
        # The same protocol SQLAlchemyJobStore writes with (its `pickle_protocol` default).
        blob = pickle.dumps(state, pickle.HIGHEST_PROTOCOL)
        bind.execute(sa.update(jobs).where(jobs.c.id == job_id).values(job_state=blob))


def upgrade() -> None:
    _repoint(OLD_PATH, NEW_PATH)


def downgrade() -> None:
    _repoint(NEW_PATH, OLD_PATH)
