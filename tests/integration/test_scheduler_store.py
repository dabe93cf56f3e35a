"""The real APScheduler job store on SQLite and, when OPSBOT_TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from bot.adapters.database import make_engine
from bot.adapters.migrate import upgrade
from bot.adapters.reminder_store import SqlReminderStore
from bot.adapters.scheduler import ReminderScheduler
from bot.domain.clock import SystemClock
from bot.domain.reminders import Reminder
from bot.domain.when import OneOff
from tests.integration.test_checklist_store import _url
from tests.waiting import wait_until


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(_url(request.param, tmp_path))
    upgrade(engine)
    # The PostgreSQL test database outlives a run: start without jobs or a lease left by an earlier one.
    with engine.begin() as db:
        db.execute(text("DELETE FROM scheduler_leader"))
        if inspect(db).has_table("apscheduler_jobs"):
            db.execute(text("DELETE FROM apscheduler_jobs"))
    yield engine
    engine.dispose()


def test_a_persisted_job_fires_with_only_its_id(engine: Engine) -> None:
    fired: list[str] = []
    done = threading.Event()

    wanted: list[str] = []

    def deliver(reminder_id: str, _scheduled: datetime | None) -> None:
        fired.append(reminder_id)
        if reminder_id in wanted:
            done.set()

    scheduler = ReminderScheduler(engine, deliver, lambda *_: None)
    scheduler.start()
    try:
        deadline = time.monotonic() + 30
        while not scheduler.leading:
            assert time.monotonic() < deadline, "never became the scheduler leader"
            time.sleep(0.1)
        at = SystemClock("Asia/Shanghai").now().replace(microsecond=0) + timedelta(seconds=2)
        reminder = Reminder(uuid.uuid4().hex[:8], "C1", "数据复盘", "U1", "Asia/Shanghai", OneOff(at))
        wanted.append(reminder.reminder_id)
        SqlReminderStore(engine).add(reminder)
        scheduler.schedule(reminder)
        assert done.wait(15)
        assert fired.count(reminder.reminder_id) == 1
    finally:
        scheduler.shutdown()


def test_a_new_leader_rebuilds_stored_triggers_an_older_version_built_differently(engine: Engine) -> None:
    """Before issue 9, "every Monday … skip holidays" was stored as an every-day job."""
    from apscheduler.triggers.cron import CronTrigger

    from bot.adapters.scheduler import JOB_FUNCTION
    from bot.adapters.triggers import trigger_for
    from bot.domain.when import Recurring

    reminder = Reminder(
        uuid.uuid4().hex[:8],
        "C1",
        "周会",
        "U1",
        "Asia/Shanghai",
        Recurring(frozenset({0}), dt_time(10, 0), workdays_only=True),
    )
    SqlReminderStore(engine).add(reminder)
    old = ReminderScheduler(engine, lambda *_: None, lambda *_: None)
    old.start()
    assert wait_until(lambda: old.leading, timeout=30)
    every_day = CronTrigger(day_of_week="*", hour=10, minute=0, timezone="Asia/Shanghai")
    old._scheduler.add_job(JOB_FUNCTION, every_day, args=[reminder.reminder_id], id=reminder.reminder_id)
    old.shutdown()

    new = ReminderScheduler(
        engine, lambda *_: None, lambda *_: None, active_reminders=SqlReminderStore(engine).active
    )
    new.start()
    try:
        assert wait_until(lambda: new.leading, timeout=30)
        next_run = new.next_run(reminder.reminder_id)
        assert next_run is not None and next_run.weekday() == 0
        assert repr(new._scheduler.get_job(reminder.reminder_id).trigger) == repr(trigger_for(reminder))
    finally:
        new.shutdown()
        new.cancel(reminder.reminder_id)
