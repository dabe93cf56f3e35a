"""Recurring reminders as RRULEs: stored and read back (old rows too), fired by APScheduler's CronTrigger
on the days the rule allows, filtered at delivery, and agreeing with python-dateutil's reading."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.adapters.triggers import last_due, trigger_for
from bot.domain.clock import FixedClock
from bot.domain.recurrence import EVERY_DAY, Recurring, fires_on, next_firings, read_rule
from bot.domain.reminders import Reminder, describe, schedule_from_json, schedule_to_json
from bot.domain.when import parse_reminder
from bot.services.reminder_delivery import ReminderDelivery
from tests.fakes import FakeChecklistStore, FakeDeliveries, FakeReminderStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
CALENDAR = ChinaWorkCalendar()

PHRASES = [
    "every day at 3pm x",
    "every Mon, Wed and Fri at 10:30am x",
    "every other Tuesday at 9am x",
    "每月15号上午10点 x",
    "every month on the 1st at 9am x",
    "每月月底晚上6点 x",
    "每月最后一个工作日下午4点 x",
    "每月第一个周一上午10点 x",
    "the last Friday of every month at 5pm x",
    "every year on March 8 at 9am x",
    "every weekday at 9:30 x",
    "每周五下午4点 x 跳过节假日",
]


def recurring(phrase: str, now: datetime = NOW) -> Recurring:
    schedule = parse_reminder(phrase, now).schedule
    assert isinstance(schedule, Recurring)
    return schedule


@pytest.mark.parametrize("phrase", PHRASES)
def test_a_rule_is_stored_as_rrule_text_and_read_back_equal(phrase: str) -> None:
    schedule = recurring(phrase)
    stored = schedule_to_json(schedule)
    assert stored["rule"].splitlines()[-1].startswith("RRULE:FREQ=") and "weekdays" not in stored
    assert schedule_from_json(stored) == schedule
    assert read_rule(schedule.rule).text() == schedule.rule


def test_rows_stored_before_rrule_are_read_and_keep_their_meaning() -> None:
    legacy = {"type": "recurring", "weekdays": [4], "at": "16:00", "workdays_only": True, "label": "每周五"}
    schedule = schedule_from_json(legacy)
    assert isinstance(schedule, Recurring)
    assert schedule == Recurring(frozenset({4}), time(16, 0), True, "每周五")
    assert schedule.rule == "RRULE:FREQ=WEEKLY;BYDAY=FR;BYHOUR=16;BYMINUTE=0;BYSECOND=0"
    working = schedule_from_json(
        {"type": "recurring", "weekdays": [0, 1, 2, 3, 4], "at": "09:30", "workdays_only": True}
    )
    assert isinstance(working, Recurring)
    assert working.weekdays == EVERY_DAY and working.rule.startswith("RRULE:FREQ=DAILY")


def test_a_rule_nobody_wrote_is_refused() -> None:
    with pytest.raises(ValueError, match="unexpected"):
        read_rule("RRULE:FREQ=HOURLY;BYHOUR=9;BYMINUTE=0;BYSECOND=0")
    with pytest.raises(ValueError, match="unexpected"):
        read_rule("RRULE:FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0;BYSECOND=0;COUNT=3")


@pytest.mark.parametrize(
    "phrase",
    [
        "every day at 3pm x",
        "every Mon, Wed and Fri at 10:30am x",
        "every other Tuesday at 9am x",
        "每月15号上午10点 x",
        "每月月底晚上6点 x",
        "每月第一个周一上午10点 x",
        "the last Friday of every month at 5pm x",
        "every year on March 8 at 9am x",
    ],
)
def test_python_dateutil_reads_the_rule_to_the_same_firings(phrase: str) -> None:
    schedule = recurring(phrase)
    rule = rrulestr(schedule.rule, dtstart=NOW.replace(tzinfo=None))
    expected = [moment.replace(tzinfo=SHANGHAI) for moment in rule.xafter(NOW.replace(tzinfo=None), count=12)]
    assert next_firings(schedule, NOW, CALENDAR.is_workday, 12) == expected


@pytest.mark.parametrize("phrase", PHRASES)
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Asia/Kolkata"])
def test_the_cron_trigger_and_the_delivery_filter_fire_exactly_the_rules_firings(
    phrase: str, zone: str
) -> None:
    """A year of APScheduler firings, kept where `fires_on` says so, are the next firings shown."""
    now = NOW.astimezone(ZoneInfo(zone))
    schedule = recurring(phrase, now)
    reminder = Reminder("r1", "C1", "x", "U1", zone, schedule)
    trigger = trigger_for(reminder)
    fired, moment = [], trigger.get_next_fire_time(None, now)
    while moment is not None and moment < now + timedelta(days=400):
        if fires_on(schedule, moment.date(), CALENDAR.is_workday) and moment not in fired:
            fired.append(moment)
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    shown = next_firings(schedule, now, CALENDAR.is_workday, len(fired))
    assert [m.astimezone(UTC) for m in fired] == [m.astimezone(UTC) for m in shown]


def test_last_due_finds_monthly_and_yearly_times_beyond_a_week() -> None:
    monthly = Reminder("m", "C1", "x", "U1", "Asia/Shanghai", recurring("每月15号上午10点 x"))
    assert last_due(monthly, datetime(2026, 12, 15, 10, 0, 3, tzinfo=SHANGHAI)) == datetime(
        2026, 12, 15, 10, 0, tzinfo=SHANGHAI
    )
    assert last_due(monthly, datetime(2027, 1, 14, 10, 0, tzinfo=SHANGHAI)).date() == date(2026, 12, 15)
    yearly = Reminder("y", "C1", "x", "U1", "Asia/Shanghai", recurring("every year on March 8 at 9am x"))
    assert last_due(yearly, datetime(2028, 3, 7, 9, 0, tzinfo=SHANGHAI)).date() == date(2027, 3, 8)


def delivered_days(phrase: str, start: datetime, days: int) -> list[date]:
    """Claim the reminder at every firing of its trigger, as APScheduler and the delivery do."""
    reminder = Reminder("r1", "C1", "x", "U1", "Asia/Shanghai", recurring(phrase, start))
    store = FakeReminderStore()
    store.add(reminder)
    clock = FixedClock(start)
    delivery = ReminderDelivery(store, FakeDeliveries(), FakeChecklistStore(), CALENDAR, clock, list)
    trigger, posted = trigger_for(reminder), []
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment < start + timedelta(days=days):
        clock.set(moment + timedelta(seconds=1))
        if due := delivery.claim_due("r1"):
            delivery.delivered(due)
            posted.append(due.due.date())
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return posted


def test_every_other_week_is_posted_on_the_weeks_counted_from_its_start() -> None:
    posted = delivered_days("every other Tuesday at 9am x", NOW, 50)
    assert posted == [date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29), date(2027, 1, 12)]


def test_the_last_working_day_follows_chinas_calendar() -> None:
    """2026: September 30 is a Wednesday before National Day; the February one is before the festival."""
    start = datetime(2026, 1, 1, 8, 0, tzinfo=SHANGHAI)
    posted = delivered_days("每月最后一个工作日下午4点 x", start, 365)
    assert len(posted) == 12
    assert all(CALENDAR.is_workday(day) for day in posted)
    for day in posted:
        later = [
            day + timedelta(days=n) for n in range(1, 32) if (day + timedelta(days=n)).month == day.month
        ]
        assert not any(CALENDAR.is_workday(other) for other in later)
    assert date(2026, 9, 30) in posted and date(2026, 2, 28) in posted  # 02-28 is a make-up Saturday


def test_confirmations_describe_the_new_forms() -> None:
    assert describe(recurring("每月15号上午10点 x"), "Asia/Shanghai") == (
        "Every month on day 15 / 每月15号 10:00 (Asia/Shanghai)"
    )
    assert describe(recurring("every other Tuesday at 9am x"), "UTC").startswith(
        "Every other week on Tuesday 09:00"
    )
    assert "last working day" in describe(recurring("每月最后一个工作日下午4点 x"), "Asia/Shanghai")
    assert describe(recurring("every year on March 8 at 9am x"), "UTC") == "Every year on March 8 09:00 (UTC)"


def test_rows_stored_before_rrule_keep_the_very_trigger_their_persisted_jobs_have() -> None:
    """The leader rebuilds a stored job whose trigger differs (scheduler._realign_jobs); old rows must not."""
    from apscheduler.triggers.cron import CronTrigger

    zone = ZoneInfo("Asia/Shanghai")
    rows = [
        ({"type": "recurring", "weekdays": [4], "at": "16:00", "workdays_only": False}, "4", 16, 0),
        ({"type": "recurring", "weekdays": list(range(7)), "at": "09:30", "workdays_only": True}, "*", 9, 30),
        ({"type": "recurring", "weekdays": [0, 2, 4], "at": "10:00", "workdays_only": False}, "0,2,4", 10, 0),
    ]
    for row, days, hour, minute in rows:
        reminder = Reminder("r", "C1", "x", "U1", "Asia/Shanghai", schedule_from_json(row))
        head_trigger = CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=zone)
        assert repr(trigger_for(reminder)) == repr(head_trigger)
