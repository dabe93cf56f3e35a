"""Working-day reminders skip holidays and keep make-up workdays; schedules read back as written."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.adapters.triggers import last_due, trigger_for
from bot.domain.reminders import Reminder, describe, schedule_from_json, schedule_to_json
from bot.domain.when import OneOff, Recurring

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_working_day_reminders_run_daily_and_the_calendar_decides() -> None:
    reminder = Reminder(
        "r1", "C1", "站会", "U1", "Asia/Shanghai", Recurring(frozenset(range(5)), time(9, 30), True)
    )
    trigger = trigger_for(reminder)
    fires = []
    moment = datetime(2026, 9, 30, 0, 0, tzinfo=SHANGHAI)
    for _ in range(12):
        moment = trigger.get_next_fire_time(None, moment)
        fires.append(moment.date())
        moment = moment.replace(hour=10)
    calendar = ChinaWorkCalendar()
    posted = [day for day in fires if calendar.is_workday(day)]
    # National Day week is skipped; Saturday 10/10 is a make-up workday and gets its reminder.
    assert (
        posted
        == [date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12)][
            : len(posted)
        ]
    )
    assert date(2026, 10, 10) in posted and date(2026, 10, 1) not in posted


def test_last_due_is_the_latest_scheduled_time() -> None:
    weekly = Reminder("r2", "C1", "周报", "U1", "Asia/Shanghai", Recurring(frozenset({4}), time(16, 0)))
    now = datetime(2026, 11, 27, 16, 0, 3, tzinfo=SHANGHAI)
    assert last_due(weekly, now) == datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    once = Reminder(
        "r3", "C1", "x", "U1", "Asia/Shanghai", OneOff(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    )
    assert last_due(once, now) == datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def test_schedules_round_trip_and_read_well() -> None:
    for schedule in (
        Recurring(frozenset({4}), time(16, 0)),
        OneOff(datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)),
    ):
        assert schedule_from_json(schedule_to_json(schedule)) == schedule
    assert (
        describe(Recurring(frozenset({4}), time(16, 0)), "Asia/Shanghai")
        == "Every Friday 16:00 (Asia/Shanghai)"
    )
    assert describe(Recurring(frozenset(range(5)), time(9, 30), True), "Asia/Shanghai").startswith(
        "Every working day"
    )
