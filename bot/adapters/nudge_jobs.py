"""The function the persisted morning-nudges job calls, by import path: keep this path stable.

APScheduler pickles `bot.adapters.nudge_jobs:fire_nudges` into the job row, with the job's id as its
only argument; the running process registers what nudging means (as for the gaps digest). The job
fires every 15 minutes on the quarter hour in UTC, so 10:00 in every zone (+05:30, +05:45 …) is
caught, and a process that was down at 10:00 nudges when it is back the same day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(__name__)

JOB_FUNCTION = "bot.adapters.nudge_jobs:fire_nudges"

_run: Callable[[], object] | None = None


def register(run: Callable[[], object]) -> None:
    """Make `run` what firing the nudges does in this process (the last registration wins)."""
    global _run
    _run = run


def fire_nudges(job_id: str) -> None:
    """Called by APScheduler, also in a restarted process; a process without nudges does nothing."""
    if _run is None:
        log.warning("the %s job fired, but this process has no nudges configured", job_id)
        return
    _run()


def quarter_hour_trigger(enabled: bool) -> CronTrigger | None:
    """Every quarter hour (UTC); None when nudges are off for the workspace, which removes the job."""
    if not enabled:
        return None
    return CronTrigger(minute="0,15,30,45", timezone=ZoneInfo("UTC"))
