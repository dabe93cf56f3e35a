"""Working-day arithmetic on a calendar that knows public holidays and make-up workdays (调休)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from bot.domain.errors import OpsbotError


class CalendarNotCovered(OpsbotError):
    """The holiday calendar has no data for this year yet, so working days cannot be known."""

    def __init__(self, year: int) -> None:
        super().__init__(f"节假日日历还不包含 {year} 年 / the holiday calendar does not cover {year} yet")
        self.year = year


class WorkCalendar(Protocol):
    def is_workday(self, day: date) -> bool:
        """True on working days; raises CalendarNotCovered for a year without data."""
        ...


def shift_workdays(calendar: WorkCalendar, anchor: date, workdays: int) -> date:
    """`workdays` working days after (or, if negative, before) the anchor; 0 is the anchor itself."""
    day = anchor
    step = 1 if workdays > 0 else -1
    remaining = abs(workdays)
    while remaining:
        day += timedelta(days=step)
        if calendar.is_workday(day):
            remaining -= 1
    return day
