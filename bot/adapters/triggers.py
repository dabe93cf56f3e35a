"""When a reminder fires: its APScheduler trigger, and which scheduled time a firing stands for."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.domain.reminders import Reminder
from bot.domain.when import OneOff


def trigger_for(reminder: Reminder) -> DateTrigger | CronTrigger:
    schedule = reminder.schedule
    zone = ZoneInfo(reminder.timezone)
    if isinstance(schedule, OneOff):
        return DateTrigger(run_date=schedule.at, timezone=zone)
    # Working-day reminders run every day: the delivery skips days off and keeps make-up workdays.
    days = "*" if schedule.workdays_only else ",".join(str(day) for day in sorted(schedule.weekdays))
    return CronTrigger(day_of_week=days, hour=schedule.at.hour, minute=schedule.at.minute, timezone=zone)


def last_due(reminder: Reminder, now: datetime) -> datetime:
    """When this firing was due: the latest scheduled time not after now (now itself if none)."""
    trigger = trigger_for(reminder)
    if isinstance(reminder.schedule, OneOff):
        return reminder.schedule.at
    previous = None
    candidate = trigger.get_next_fire_time(None, now - timedelta(days=8))
    while candidate is not None and candidate <= now:
        previous = candidate
        candidate = trigger.get_next_fire_time(candidate, candidate + timedelta(seconds=1))
    return previous or now
