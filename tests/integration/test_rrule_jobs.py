"""RRULE reminders in the real SQLite store and APScheduler job store: stored, reloaded by a new process,
and their persisted jobs next fire when the rule says."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.database import make_engine
from bot.adapters.migrate import upgrade
from bot.adapters.reminder_store import SqlReminderStore
from bot.adapters.scheduler import ReminderScheduler
from bot.domain.reminders import Reminder
from bot.domain.when import parse_reminder

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("phrase", "zone", "day"),
    [
        ("每月15号上午10点 对账", "Asia/Shanghai", 15),
        ("every month on the last day at 6pm close", "America/New_York", 30),
        ("every year on March 8 at 9:30am flowers", "Asia/Kolkata", 8),
    ],
)
def test_a_stored_rule_is_reloaded_and_its_persisted_job_fires_on_the_rules_day(
    tmp_path: Path, phrase: str, zone: str, day: int
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    schedule = parse_reminder(phrase, NOW.astimezone(ZoneInfo(zone))).schedule
    reminder = Reminder(uuid.uuid4().hex[:8], "C1", "x", "U1", zone, schedule)
    SqlReminderStore(engine).add(reminder)
    first = ReminderScheduler(engine, lambda *_: None, lambda *_: None)
    first._scheduler.start(paused=True)
    first.schedule(reminder)
    first._scheduler.shutdown(wait=False)

    loaded = SqlReminderStore(engine).get(reminder.reminder_id)
    assert loaded is not None and loaded.schedule == schedule
    again = ReminderScheduler(engine, lambda *_: None, lambda *_: None)
    again._scheduler.start(paused=True)
    try:
        next_run = again.next_run(reminder.reminder_id)
        assert next_run is not None and next_run.astimezone(ZoneInfo(zone)).day == day
    finally:
        again._scheduler.shutdown(wait=False)
        engine.dispose()
