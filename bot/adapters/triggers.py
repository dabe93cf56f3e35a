"""When a reminder fires: its APScheduler trigger, and which scheduled time a firing stands for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.domain.recurrence import DAYS_BACK, EVERY_DAY, LAST, OneOff, cron_matches
from bot.domain.reminders import Reminder, due_on

_CRON_NTH = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
_CRON_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def trigger_for(reminder: Reminder) -> DateTrigger | CronTrigger:
    """The CronTrigger that fires on every day the RRULE may post; what cron cannot say is checked at
    delivery (`recurrence.fires_on`): days off of a `workdays_only` schedule (so a make-up workday 调休
    on a weekend still gets its working-day reminder), the off weeks of every other week (weeks since
    DTSTART), and whether today is the month's last working day.

    Why cron and not a trigger class of our own: every daily and weekly row stored before RRULE keeps
    exactly the trigger (and the persisted job) it has, APScheduler's DST handling stays the one the
    DST tests pin down (America/New_York, Asia/Kolkata), and no pickled class path has to stay
    importable forever. Each RRULE the parser writes maps to one CronTrigger exactly: BYDAY →
    day_of_week, BYMONTHDAY → day ("last" for -1), BYDAY=1MO → day="1st mon", BYMONTH → month.
    """
    schedule = reminder.schedule
    zone = ZoneInfo(reminder.timezone)
    if isinstance(schedule, OneOff):
        return DateTrigger(run_date=schedule.at, timezone=zone)
    at, rule = schedule.at, schedule.parts
    if rule.freq == "MONTHLY" and rule.nth is not None:
        days = ",".join(f"{_CRON_NTH[rule.nth]} {_CRON_DAYS[day]}" for day in sorted(rule.weekdays))
        return CronTrigger(day=days, hour=at.hour, minute=at.minute, timezone=zone)
    if rule.freq == "MONTHLY" and rule.month_day is not None:
        day = "last" if rule.month_day == LAST else str(rule.month_day)
        return CronTrigger(day=day, hour=at.hour, minute=at.minute, timezone=zone)
    if rule.freq == "YEARLY":
        return CronTrigger(
            month=rule.month, day=rule.month_day, hour=at.hour, minute=at.minute, timezone=zone
        )
    weekdays = rule.weekdays if rule.freq == "WEEKLY" else EVERY_DAY
    days = "*" if weekdays == EVERY_DAY else ",".join(str(day) for day in sorted(weekdays))
    return CronTrigger(day_of_week=days, hour=at.hour, minute=at.minute, timezone=zone)


def last_due(reminder: Reminder, now: datetime) -> datetime:
    """When this firing was due: the latest scheduled time not after now (now itself if none).

    Read from the schedule, one candidate a day over the past year (a yearly rule), so it ends by construction
    (stepping the trigger one second at a time never left the repeated hour after clocks go back).
    APScheduler fires a daily 01:30 twice on that night; both firings get the day's first 01:30, so
    the per-(reminder, due) delivery claim posts it once.
    """
    schedule = reminder.schedule
    if isinstance(schedule, OneOff):
        return schedule.at
    zone = ZoneInfo(reminder.timezone)
    today = now.astimezone(zone).date()
    rule = schedule.parts
    for days_back in range(DAYS_BACK):
        day = today - timedelta(days=days_back)
        if cron_matches(rule, day):
            due = due_on(day, schedule.at, zone)
            if due.astimezone(UTC) <= now.astimezone(UTC):
                return due
    return now
