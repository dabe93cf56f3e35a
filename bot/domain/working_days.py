"""Working-day arithmetic on a calendar that knows public holidays and make-up workdays (调休)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol


class WorkCalendar(Protocol):
    def is_workday(self, day: date) -> bool:
        """True on working days; never raises (an unknown year counts Monday–Friday)."""
        ...

    def is_official(self, year: int) -> bool:
        """True when the year's holidays are known rather than counted Monday–Friday."""
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


def next_workday(calendar: WorkCalendar, day: date) -> date:
    """The day itself when it is a working day, else the first working day after it."""
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def estimated_years(calendar: WorkCalendar, first: date, last: date) -> list[int]:
    """The years between two days (either order) whose working days are counted Monday–Friday."""
    low, high = sorted((first.year, last.year))
    return [year for year in range(low, high + 1) if not calendar.is_official(year)]


def estimated_note(years: list[int]) -> str:
    """The checklist's or reminder's word that some dates are counted Monday–Friday."""
    shown = "、".join(str(year) for year in years)
    english = ", ".join(str(year) for year in years)
    return (
        f"{shown} 年节假日未公布,按周一至周五计算。 / {english} holidays not announced yet:"
        " counting Monday–Friday."
    )
