"""Reminders: what is to be posted where and when, and how its schedule reads to a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.when import EVERY_DAY, MONDAY_TO_FRIDAY, OneOff, Recurring, Schedule
from bot.domain.working_days import WorkCalendar, shift_workdays

# Campaign reminders: evaluation the next working day after the end, the review (复盘) three after.
EVALUATION_WORKDAYS = 1
REVIEW_WORKDAYS = 3
REVIEW_HOUR = time(10, 0)
CAMPAIGN_REMINDER_KINDS = ("evaluation", "review")
REVIEW_KINDS = ("evaluation", "review", "review_manual")

_DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass
class Reminder:
    reminder_id: str
    channel: str
    text: str
    creator: str
    timezone: str
    schedule: Schedule
    kind: str = "message"  # message | evaluation | review
    campaign_id: str | None = None
    status: str = "active"  # active | done | cancelled | missed | failed


def schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    if isinstance(schedule, OneOff):
        return {"type": "once", "at": schedule.at.isoformat()}
    return {
        "type": "recurring",
        "weekdays": sorted(schedule.weekdays),
        "at": schedule.at.strftime("%H:%M"),
        "workdays_only": schedule.workdays_only,
        "label": schedule.label,
    }


def schedule_from_json(data: dict[str, Any]) -> Schedule:
    """Reads every form ever stored; Recurring itself reads old Monday–Friday working-day rows."""
    if data["type"] == "once":
        return OneOff(datetime.fromisoformat(data["at"]))
    hour, minute = (int(part) for part in data["at"].split(":"))
    return Recurring(
        frozenset(data["weekdays"]), time(hour, minute), bool(data["workdays_only"]), data.get("label", "")
    )


def due_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant a daily time falls on `day` in `zone`, as the clock on the wall shows it.

    A time that happens twice (the hour repeated when daylight saving ends) is due the first time; a
    time that never happens (skipped when clocks go forward) is due when it would have, which the
    wall clock shows an hour later. APScheduler's CronTrigger fires at these same instants.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _local(moment: datetime, timezone: str) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (OverflowError, ValueError):
        return moment  # a row saved before far-future dates were refused (9999-12-31) still lists


def describe(schedule: Schedule, timezone: str) -> str:
    """`Every Friday 16:00 (Asia/Shanghai)`, `Every Friday 16:00, skipping holidays / 跳过节假日 (…)`."""
    if isinstance(schedule, OneOff):
        return f"{_local(schedule.at, timezone):%Y-%m-%d %H:%M} ({timezone})"
    days = sorted(schedule.weekdays)
    skipping = ", skipping holidays / 跳过节假日" if schedule.workdays_only else ""
    if schedule.every_working_day:
        when, skipping = "Every working day / 每个工作日 (China's calendar)", ""
    elif schedule.weekdays == EVERY_DAY:
        when = "Every day"
    elif schedule.weekdays == MONDAY_TO_FRIDAY:
        when = "Every Monday–Friday"  # saved before "every weekday" came to mean China's working days
    else:
        when = "Every " + ", ".join(_DAY_NAMES[day] for day in days)
    return f"{when} {schedule.at:%H:%M}{skipping} ({timezone})"


def may_cancel(reminder: Reminder, user: str, user_is_admin: bool, user_is_member: bool = False) -> bool:
    """Its creator may cancel a reminder, and so may a workspace admin or owner, and anyone in the
    channel it posts into (they are the ones it disturbs)."""
    return reminder.creator == user or user_is_admin or user_is_member


def campaign_review_days(end: date, calendar: WorkCalendar) -> dict[str, date]:
    """The evaluation and review days of a campaign that ends on `end`, in working days."""
    return {
        "evaluation": shift_workdays(calendar, end, EVALUATION_WORKDAYS),
        "review": shift_workdays(calendar, end, REVIEW_WORKDAYS),
    }


def campaign_review_times(end: date, calendar: WorkCalendar, timezone: str) -> dict[str, datetime]:
    """The same days at REVIEW_HOUR in the campaign's time zone."""
    zone = ZoneInfo(timezone)
    return {
        kind: datetime.combine(day, REVIEW_HOUR, tzinfo=zone)
        for kind, day in campaign_review_days(end, calendar).items()
    }


def is_late(due: datetime, now: datetime, after: timedelta = timedelta(minutes=1)) -> bool:
    """A reminder posted more than a minute after its time says so (measured in real time, across a
    daylight-saving change too)."""
    return now.astimezone(UTC) - due.astimezone(UTC) > after
