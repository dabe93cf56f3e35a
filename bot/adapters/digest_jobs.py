"""The function the persisted weekly gaps-digest job calls, by import path: keep this path stable.

APScheduler pickles `bot.adapters.digest_jobs:fire_digest` into the job row, with the job's id as its
only argument; the running process registers what posting the digest means (as for reminders).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain.gaps import DigestSchedule

log = logging.getLogger(__name__)

JOB_FUNCTION = "bot.adapters.digest_jobs:fire_digest"

_run: Callable[[], object] | None = None


def register(run: Callable[[], object]) -> None:
    """Make `run` what firing the digest does in this process (the last registration wins)."""
    global _run
    _run = run


def fire_digest(job_id: str) -> None:
    """Called by APScheduler, also in a restarted process; a process without the digest does nothing."""
    if _run is None:
        log.warning("the %s job fired, but this process has no digest configured", job_id)
        return
    _run()


def weekly_trigger(schedule: DigestSchedule | None) -> CronTrigger | None:
    """The digest's weekday and time in the team's time zone; None when the digest is off."""
    if schedule is None:
        return None
    return CronTrigger(
        day_of_week=schedule.weekday,
        hour=schedule.at.hour,
        minute=schedule.at.minute,
        timezone=ZoneInfo(schedule.timezone),
    )
