"""The real APScheduler job store on SQLite and, when OPSBOT_TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
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
