"""Reminders: what is to be posted where and when, and how its schedule reads to a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.when import OneOff, Recurring, Schedule
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
    status: str = "active"  # active | done | cancelled | missed


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
    if data["type"] == "once":
        return OneOff(datetime.fromisoformat(data["at"]))
    hour, minute = (int(part) for part in data["at"].split(":"))
    return Recurring(
        frozenset(data["weekdays"]), time(hour, minute), bool(data["workdays_only"]), data.get("label", "")
    )


def describe(schedule: Schedule, timezone: str) -> str:
    """`Every Friday 16:00 (Asia/Shanghai)`, `2026-12-05 09:00 (Asia/Shanghai)`."""
    if isinstance(schedule, OneOff):
        return f"{schedule.at.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"
    days = sorted(schedule.weekdays)
    if schedule.workdays_only:
        when = "Every working day (China's calendar)"
    elif days == list(range(5)):
        when = "Every weekday"
    elif days == list(range(7)):
        when = "Every day"
    else:
        when = "Every " + ", ".join(_DAY_NAMES[day] for day in days)
    return f"{when} {schedule.at:%H:%M} ({timezone})"


def may_cancel(reminder: Reminder, user: str, user_is_admin: bool) -> bool:
    """Its creator may cancel a reminder, and so may a workspace admin or owner."""
    return reminder.creator == user or user_is_admin


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
    """A reminder posted more than a minute after its time says so."""
    return now - due > after
