"""The function the persisted morning jobs call, by import path: keep this path stable.

APScheduler pickles `bot.adapters.campaign_jobs:fire` into each job row with the job's id as its only
argument; each running process registers what a job id means (the morning nudges, the morning
digest). The nudges fire every quarter hour in UTC, so 10:00 in every zone (+05:30, +05:45 …) is
caught; the digest fires daily in the team's zone, and whether the day is a working day (make-up
Saturdays are) is the service's decision.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import time
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)

JOB_FUNCTION = "bot.adapters.campaign_jobs:fire"

_runs: dict[str, Callable[[], object]] = {}


def register(job_id: str, run: Callable[[], object]) -> None:
    """Make `run` what firing `job_id` does in this process (the last registration wins)."""
    _runs[job_id] = run


def fire(job_id: str) -> None:
    """Called by APScheduler, also in a restarted process; a process without that job does nothing."""
    run = _runs.get(job_id)
    if run is None:
        log.warning("the %s job fired, but this process has it turned off", job_id)
        return
    run()


def quarter_hour_trigger(enabled: bool) -> CronTrigger | None:
    """Every quarter hour (UTC); None when turned off, which removes the job."""
    if not enabled:
        return None
    return CronTrigger(minute="0,15,30,45", timezone=ZoneInfo("UTC"))


def daily_trigger(at: time | None, timezone: str) -> CronTrigger | None:
    """Every day at `at` in the team's time zone; None when turned off."""
    if at is None:
        return None
    return CronTrigger(hour=at.hour, minute=at.minute, timezone=ZoneInfo(timezone))
