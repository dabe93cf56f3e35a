"""Kept so older imports still work: the holiday calendar now lives in `bot.adapters.holiday_calendar`."""

from __future__ import annotations

from bot.adapters.holiday_calendar import ChinaWorkCalendar, HolidayCalendar

__all__ = ["ChinaWorkCalendar", "HolidayCalendar"]
