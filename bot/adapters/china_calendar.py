"""China's public holidays and make-up workdays, from the `chinesecalendar` package."""

from __future__ import annotations

from datetime import date

import chinese_calendar

from bot.domain.working_days import CalendarNotCovered


class ChinaWorkCalendar:
    """Working days as the State Council announces them; years it has no data for are refused."""

    def is_workday(self, day: date) -> bool:
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            raise CalendarNotCovered(day.year) from None
