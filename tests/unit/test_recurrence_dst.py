"""Daily reminders across daylight-saving changes: every firing names its due time at once, and the
repeated hour after clocks go back is posted once (real APScheduler CronTrigger, frozen clock)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.triggers import last_due, trigger_for
from bot.domain.clock import FixedClock
from bot.domain.reminders import Reminder, is_late
from bot.domain.when import EVERY_DAY, Recurring
from bot.domain.working_days import WorkCalendar
from bot.services.reminder_delivery import DueReminder, ReminderDelivery
from tests.fakes import FakeChecklistStore, FakeDeliveries, FakeReminderStore, WeekdayCalendar

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def daily(zone: str, at: time) -> Reminder:
    return Reminder("r-dst", "C1", "站会", "U1", zone, Recurring(EVERY_DAY, at))


def firings(reminder: Reminder, start: datetime, end: datetime) -> list[datetime]:
    """The instants APScheduler runs the job between start and end, as its scheduler asks the trigger."""
    trigger = trigger_for(reminder)
    fired: list[datetime] = []
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment.astimezone(UTC) <= end.astimezone(UTC):
        fired.append(moment)
        moment = trigger.get_next_fire_time(moment, moment)
    return fired


def last_due_within(reminder: Reminder, now: datetime, seconds: float = 2.0) -> datetime:
    """`last_due` run in a thread: a loop that never ends fails the test instead of hanging it."""
    found: list[datetime] = []
    worker = threading.Thread(target=lambda: found.append(last_due(reminder, now)), daemon=True)
    worker.start()
    worker.join(timeout=seconds)
    assert found, f"last_due did not return within {seconds}s for {now.isoformat()}"
    return found[0]


def test_apscheduler_fires_twice_in_the_repeated_hour_and_both_name_the_first_0130() -> None:
    reminder = daily("America/New_York", time(1, 30))
    night = firings(
        reminder, datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK), datetime(2026, 11, 1, 3, 0, tzinfo=NEW_YORK)
    )
    # What APScheduler 3 itself does: 01:30 EDT (05:30 UTC), then 01:30 EST (06:30 UTC).
    assert [moment.astimezone(UTC).hour for moment in night] == [5, 6]
    first_0130 = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    for fired in night:
        due = last_due_within(reminder, fired + timedelta(seconds=3))
        assert due.astimezone(UTC) == first_0130 and f"{due:%Y%m%dT%H%M}" == "20261101T0130"


def deliver_each_firing(
    reminder: Reminder, start: datetime, end: datetime, calendar: WorkCalendar
) -> list[DueReminder]:
    """Run the real delivery claim at every instant APScheduler fires the job; what would be posted."""
    store = FakeReminderStore()
    store.add(reminder)
    clock = FixedClock(start)
    delivery = ReminderDelivery(store, FakeDeliveries(), FakeChecklistStore(), calendar, clock, list)
    posted = []
    for fired in firings(reminder, start, end):
        clock.set(fired + timedelta(seconds=1))
        if due := delivery.claim_due(reminder.reminder_id):
            delivery.delivered(due)
            posted.append(due)
    return posted


def test_the_fall_back_night_is_posted_once_through_the_delivery_claim() -> None:
    reminder = daily("America/New_York", time(1, 30))
    start, end = datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK), datetime(2026, 11, 3, 12, 0, tzinfo=NEW_YORK)
    posted = deliver_each_firing(reminder, start, end, WeekdayCalendar())
    assert [due.due.date() for due in posted] == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    assert not any(due.late for due in posted)


def test_the_second_0130_counts_as_an_hour_late_when_the_first_was_missed() -> None:
    due = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)
    second_pass = datetime(2026, 11, 1, 1, 30, 5, tzinfo=NEW_YORK, fold=1)
    assert is_late(due, second_pass)
    assert not is_late(due, datetime(2026, 11, 1, 1, 30, 5, tzinfo=NEW_YORK))


@pytest.mark.parametrize(
    ("zone", "at", "day", "due_utc"),
    [
        # Spring forward: 02:30 does not exist in New York on 2026-03-08; it is due at 03:30 EDT.
        ("America/New_York", time(2, 30), date(2026, 3, 8), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        ("America/New_York", time(2, 30), date(2026, 3, 9), datetime(2026, 3, 9, 6, 30, tzinfo=UTC)),
        # London: 01:30 is skipped on 2026-03-29 and happens twice on 2026-10-25.
        ("Europe/London", time(1, 30), date(2026, 3, 29), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        ("Europe/London", time(1, 30), date(2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("America/New_York", time(1, 30), date(2026, 11, 1), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
    ],
)
def test_every_firing_on_a_change_day_names_one_real_instant(
    zone: str, at: time, day: date, due_utc: datetime
) -> None:
    reminder = daily(zone, at)
    start = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(zone))
    fired_that_day = firings(reminder, start, start + timedelta(hours=23))
    assert fired_that_day, "APScheduler fires the reminder on the change day too"
    assert fired_that_day[0].astimezone(UTC) == due_utc  # the instant APScheduler fires first
    for fired in fired_that_day:
        due = last_due_within(reminder, fired + timedelta(seconds=1))
        assert due.astimezone(UTC) == due_utc


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/London", "Asia/Shanghai", "Australia/Lord_Howe"]
)
def test_last_due_is_bounded_every_minute_of_a_change_night(zone: str) -> None:
    """By construction it looks at most eight days back; this walks the nights minute by minute."""
    tz = ZoneInfo(zone)
    reminder = daily(zone, time(1, 30))
    for night in (
        date(2026, 3, 8),
        date(2026, 3, 29),
        date(2026, 4, 5),
        date(2026, 10, 4),
        date(2026, 10, 25),
    ):
        start = datetime.combine(night, time(0, 0), tzinfo=tz).astimezone(UTC)
        for minute in range(0, 4 * 60):
            now = (start + timedelta(minutes=minute)).astimezone(tz)
            due = last_due(reminder, now)
            assert due.astimezone(UTC) <= now.astimezone(UTC)
            assert now.astimezone(UTC) - due.astimezone(UTC) < timedelta(days=1, hours=1)
