"""The function the persisted daily morning-digest job calls, by import path: keep this path stable.

APScheduler pickles `bot.adapters.morning_digest_jobs:fire_morning_digest` into the job row, with the
job's id as its only argument; the running process registers what posting the digest means. The job
fires every day: whether the day is a working day (make-up Saturdays are) is the service's decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import time
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)

JOB_FUNCTION = "bot.adapters.morning_digest_jobs:fire_morning_digest"

_run: Callable[[], object] | None = None


def register(run: Callable[[], object]) -> None:
    """Make `run` what firing the morning digest does in this process (the last registration wins)."""
    global _run
    _run = run


def fire_morning_digest(job_id: str) -> None:
    """Called by APScheduler, also in a restarted process; a process without the digest does nothing."""
    if _run is None:
        log.warning("the %s job fired, but this process has no morning digest configured", job_id)
        return
    _run()


def daily_trigger(at: time | None, timezone: str) -> CronTrigger | None:
    """Every day at `at` in the team's time zone; None when the digest is off."""
    if at is None:
        return None
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=ZoneInfo(timezone))
