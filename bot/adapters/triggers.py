"""When a reminder fires: its APScheduler trigger, and which scheduled time a firing stands for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.domain.reminders import Reminder, due_on
from bot.domain.when import EVERY_DAY, OneOff

# A recurring reminder fires on at least one weekday, so one week back always finds its last time.
_DAYS_BACK = 8


def trigger_for(reminder: Reminder) -> DateTrigger | CronTrigger:
    """Fires on the schedule's weekdays; days off of a `workdays_only` schedule are skipped at delivery,
    so a make-up workday (调休) on a weekend still gets its working-day reminder."""
    schedule = reminder.schedule
    zone = ZoneInfo(reminder.timezone)
    if isinstance(schedule, OneOff):
        return DateTrigger(run_date=schedule.at, timezone=zone)
    days = "*" if schedule.weekdays == EVERY_DAY else ",".join(str(day) for day in sorted(schedule.weekdays))
    return CronTrigger(day_of_week=days, hour=schedule.at.hour, minute=schedule.at.minute, timezone=zone)


def last_due(reminder: Reminder, now: datetime) -> datetime:
    """When this firing was due: the latest scheduled time not after now (now itself if none).

    Read from the schedule, one candidate a day over the past week, so it ends by construction
    (stepping the trigger one second at a time never left the repeated hour after clocks go back).
    APScheduler fires a daily 01:30 twice on that night; both firings get the day's first 01:30, so
    the per-(reminder, due) delivery claim posts it once.
    """
    schedule = reminder.schedule
    if isinstance(schedule, OneOff):
        return schedule.at
    zone = ZoneInfo(reminder.timezone)
    today = now.astimezone(zone).date()
    for days_back in range(_DAYS_BACK):
        day = today - timedelta(days=days_back)
        if day.weekday() in schedule.weekdays:
            due = due_on(day, schedule.at, zone)
            if due.astimezone(UTC) <= now.astimezone(UTC):
                return due
    return now
