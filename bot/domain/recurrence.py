"""Reminder schedules: a one-off instant, or an RFC 5545 RRULE plus China's working days as a filter.

A recurring schedule is stored as its RRULE text (`RRULE:FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;…`, with a
`DTSTART:` line before it when the rule counts from its start: every other week). RRULE cannot name
China's calendar, so `workdays_only` is kept beside it: only working days (holidays skipped, make-up
workdays 调休 included) are candidates, and with `BYSETPOS=-1` the position counts among them, which
is how 每月最后一个工作日 reads. Only the forms the parser writes are read back; anything else is a
ValueError (a row nobody wrote).

Firing is split in two, so APScheduler 3 (which has no RRULE trigger) keeps its CronTrigger:
`cron_matches` is the day pattern a CronTrigger fires on, and `fires_on` adds what cron cannot say
(every other week, the last working day, days off), checked at delivery.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

EVERY_DAY = frozenset(range(7))
MONDAY_TO_FRIDAY = frozenset(range(5))
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LAST = -1  # BYMONTHDAY=-1: the last day of the month
# A yearly rule fires at least once a year (29 February is refused), so this reaches its last time.
DAYS_BACK = 367

IsWorkday = Callable[[date], bool]


@dataclass(frozen=True)
class OneOff:
    at: datetime  # aware, in the creator's time zone


@dataclass(frozen=True)
class Rule:
    """The parts of an RRULE the parser writes; `start` is DTSTART's date, kept when INTERVAL > 1."""

    freq: str  # DAILY | WEEKLY | MONTHLY | YEARLY
    at: time
    weekdays: frozenset[int] = frozenset()  # BYDAY, 0 = Monday
    month_day: int | None = None  # BYMONTHDAY; LAST for the month's last day
    month: int | None = None  # BYMONTH
    interval: int = 1
    last_of_month: bool = False  # BYSETPOS=-1 over every day of the month
    start: date | None = None
    nth: int | None = None  # BYDAY=1MO: the first Monday of the month; -1 the last

    def text(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.month is not None:
            parts.append(f"BYMONTH={self.month}")
        if self.month_day is not None:
            parts.append(f"BYMONTHDAY={self.month_day}")
        if self.weekdays:
            prefix = "" if self.nth is None else str(self.nth)
            parts.append("BYDAY=" + ",".join(prefix + DAY_CODES[day] for day in sorted(self.weekdays)))
        if self.last_of_month:
            parts.append("BYSETPOS=-1")
        parts += [f"BYHOUR={self.at.hour}", f"BYMINUTE={self.at.minute}", "BYSECOND=0"]
        rule = "RRULE:" + ";".join(parts)
        if self.start is None:
            return rule
        return f"DTSTART:{datetime.combine(self.start, self.at):%Y%m%dT%H%M%S}\n{rule}"


def weekly_rule(weekdays: frozenset[int], at: time) -> Rule:
    if weekdays == EVERY_DAY:
        return Rule("DAILY", at)
    return Rule("WEEKLY", at, weekdays)


# The RRULE parts opsbot writes, in the order it writes them.
RULE_PARTS = (
    "FREQ",
    "INTERVAL",
    "BYMONTH",
    "BYMONTHDAY",
    "BYDAY",
    "BYSETPOS",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
)


def read_rule(text: str) -> Rule:
    """The inverse of Rule.text; a ValueError for anything it does not write."""
    start: date | None = None
    fields: dict[str, str] = {}
    for line in text.strip().splitlines():
        name, _, value = line.partition(":")
        if name == "DTSTART":
            start = datetime.strptime(value, "%Y%m%dT%H%M%S").date()
        elif name == "RRULE":
            fields = dict(part.split("=", 1) for part in value.split(";"))
        else:
            raise ValueError(f"unexpected line in a stored rule: {line!r}")
    if (
        not fields
        or set(fields) - set(RULE_PARTS)
        or fields["FREQ"] not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
    ):
        raise ValueError(f"unexpected stored rule: {text!r}")
    codes = fields["BYDAY"].split(",") if "BYDAY" in fields else []
    nths = {code[:-2] for code in codes}
    rule = Rule(
        fields["FREQ"],
        time(int(fields["BYHOUR"]), int(fields["BYMINUTE"])),
        frozenset(DAY_CODES.index(code[-2:]) for code in codes),
        int(fields["BYMONTHDAY"]) if "BYMONTHDAY" in fields else None,
        int(fields["BYMONTH"]) if "BYMONTH" in fields else None,
        int(fields.get("INTERVAL", "1")),
        fields.get("BYSETPOS") == "-1",
        start,
        int(nths.pop()) if len(nths) == 1 and "" not in nths else None,
    )
    if rule.text() != text.strip() or (rule.interval > 1) != (rule.start is not None):
        raise ValueError(f"unexpected stored rule: {text!r}")
    return rule


@dataclass(frozen=True)
class Recurring:
    """Fires by `rule` (RRULE text) at `at`; with `workdays_only` only on China's working days.

    The one rule for working days (README, "Holiday calendar"): "every weekday", "every workday",
    "工作日" and "每个工作日" all mean China's official calendar, so every day is a candidate and the
    calendar decides. Built either from `rule` or, as rows and callers before RRULE did, from
    `weekdays` and `at`; both views are kept, so a weekly schedule compares equal either way. Rows
    saved before weekdays and days off were kept apart stored working days as Monday–Friday with
    `workdays_only`; that pair still means working days.
    """

    weekdays: frozenset[int] = frozenset()  # 0 = Monday; empty for monthly and yearly rules
    at: time = time(0)
    workdays_only: bool = False
    label: str = ""
    rule: str = ""

    def __post_init__(self) -> None:
        if self.rule:
            parsed = read_rule(self.rule)
            weekly = parsed.freq in ("DAILY", "WEEKLY") and parsed.interval == 1 and not parsed.last_of_month
            weekdays = (EVERY_DAY if parsed.freq == "DAILY" else parsed.weekdays) if weekly else frozenset()
            object.__setattr__(self, "weekdays", weekdays)
            object.__setattr__(self, "at", parsed.at)
            return
        weekdays = EVERY_DAY if self.workdays_only and self.weekdays == MONDAY_TO_FRIDAY else self.weekdays
        if not weekdays:
            raise ValueError("a recurring schedule needs weekdays or a rule")
        object.__setattr__(self, "weekdays", frozenset(weekdays))
        object.__setattr__(self, "rule", weekly_rule(frozenset(weekdays), self.at).text())

    @cached_property
    def parts(self) -> Rule:
        """The rule read once: delivery and the next firings ask it for every day they look at."""
        return read_rule(self.rule)

    @property
    def every_working_day(self) -> bool:
        return self.workdays_only and self.weekdays == EVERY_DAY


Schedule = OneOff | Recurring


def due_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant a daily time falls on `day` in `zone`, as the clock on the wall shows it.

    A time that happens twice (the hour repeated when daylight saving ends) is due the first time; a
    time that never happens (skipped when clocks go forward) is due when it would have, which the
    wall clock shows an hour later. APScheduler's CronTrigger fires at these same instants.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def cron_matches(rule: Rule, day: date) -> bool:
    """Whether the CronTrigger built for `rule` fires on `day` (before the filters of `fires_on`)."""
    if rule.freq == "WEEKLY":
        return day.weekday() in rule.weekdays
    if rule.freq == "MONTHLY" and rule.nth is not None:
        week = (day.day - 1) // 7 + 1 if rule.nth > 0 else -((_last_day(day) - day.day) // 7 + 1)
        return day.weekday() in rule.weekdays and week == rule.nth
    if rule.freq == "MONTHLY" and rule.month_day is not None:
        return day.day == (_last_day(day) if rule.month_day == LAST else rule.month_day)
    if rule.freq == "YEARLY":
        return (day.month, day.day) == (rule.month, rule.month_day)
    return True  # daily, and the last working day (checked in fires_on)


def _is_last_working_day(day: date, is_workday: IsWorkday) -> bool:
    later = (day + timedelta(days=n) for n in range(1, _last_day(day) - day.day + 1))
    return is_workday(day) and not any(is_workday(other) for other in later)


def fires_on(schedule: Recurring, day: date, is_workday: IsWorkday) -> bool:
    """Whether the schedule posts on `day`: the cron pattern, then week parity, position and days off."""
    rule = schedule.parts
    if not cron_matches(rule, day):
        return False
    if rule.interval > 1 and rule.start is not None:
        weeks = (
            day - timedelta(days=day.weekday()) - (rule.start - timedelta(days=rule.start.weekday()))
        ).days // 7
        if day < rule.start or weeks % rule.interval:
            return False
    if rule.last_of_month:
        return _is_last_working_day(day, is_workday) if schedule.workdays_only else day.day == _last_day(day)
    return not schedule.workdays_only or is_workday(day)


def next_firings(schedule: Schedule, now: datetime, is_workday: IsWorkday, count: int = 3) -> list[datetime]:
    """The next `count` times the schedule posts after `now`, in `now`'s zone (a one-off: its time)."""
    if isinstance(schedule, OneOff):
        return [schedule.at] if schedule.at.astimezone(UTC) > now.astimezone(UTC) else []
    zone = now.tzinfo
    if not isinstance(zone, ZoneInfo):
        raise ValueError("now needs a ZoneInfo time zone")
    found: list[datetime] = []
    day = now.date()
    for _ in range(count * DAYS_BACK + 7):
        if fires_on(schedule, day, is_workday):
            due = due_on(day, schedule.at, zone)
            if due.astimezone(UTC) > now.astimezone(UTC):
                found.append(due)
                if len(found) == count:
                    break
        day += timedelta(days=1)
    return found
