"""Reminders: what is to be posted where and when, and how its schedule reads to a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.recurrence import EVERY_DAY, LAST, MONDAY_TO_FRIDAY, OneOff, Recurring, Schedule
from bot.domain.recurrence import due_on as due_on  # where the adapters import it from
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


_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"]  # fmt: skip
_NTH_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def schedule_to_json(schedule: Schedule) -> dict[str, Any]:
    """A recurring schedule is written as its RRULE; `workdays_only` is China's calendar beside it."""
    if isinstance(schedule, OneOff):
        return {"type": "once", "at": schedule.at.isoformat()}
    return {
        "type": "recurring",
        "rule": schedule.rule,
        "workdays_only": schedule.workdays_only,
        "label": schedule.label,
    }


def schedule_from_json(data: dict[str, Any]) -> Schedule:
    """Reads every form ever stored: the RRULE, and the weekdays-and-time rows written before it
    (Recurring itself reads old Monday–Friday working-day rows)."""
    if data["type"] == "once":
        return OneOff(datetime.fromisoformat(data["at"]))
    if "rule" in data:
        return Recurring(
            workdays_only=bool(data["workdays_only"]), label=data.get("label", ""), rule=data["rule"]
        )
    hour, minute = (int(part) for part in data["at"].split(":"))
    return Recurring(
        frozenset(data["weekdays"]), time(hour, minute), bool(data["workdays_only"]), data.get("label", "")
    )


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
    rule = schedule.parts
    if not days:
        return f"{_monthly_or_yearly(schedule)} {schedule.at:%H:%M}{'' if rule.last_of_month else skipping} ({timezone})"
    if schedule.every_working_day:
        when, skipping = "Every working day / 每个工作日 (China's calendar)", ""
    elif schedule.weekdays == EVERY_DAY:
        when = "Every day"
    elif schedule.weekdays == MONDAY_TO_FRIDAY:
        when = "Every Monday–Friday"  # saved before "every weekday" came to mean China's working days
    else:
        when = "Every " + ", ".join(_DAY_NAMES[day] for day in days)
    return f"{when} {schedule.at:%H:%M}{skipping} ({timezone})"


def _monthly_or_yearly(schedule: Recurring) -> str:
    rule = schedule.parts
    if rule.interval > 1:
        return f"Every other week on {', '.join(_DAY_NAMES[day] for day in sorted(rule.weekdays))}"
    if rule.last_of_month:
        return "Every month on the last working day / 每月最后一个工作日 (China's calendar)"
    if rule.nth is not None:
        return f"Every month on the {_NTH_NAMES[rule.nth]} {', '.join(_DAY_NAMES[d] for d in sorted(rule.weekdays))}"
    if rule.freq == "YEARLY" and rule.month is not None:
        return f"Every year on {_MONTH_NAMES[rule.month - 1]} {rule.month_day}"
    if rule.month_day == LAST:
        return "Every month on the last day / 每月最后一天"
    return f"Every month on day {rule.month_day} / 每月{rule.month_day}号"


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
