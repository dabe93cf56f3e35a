"""The weekly gaps digest as a persisted APScheduler job: put in place once, left alone by a restart
(so a due run is never pushed to next week), rebuilt when its time changes, gone when turned off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.adapters.database import make_engine
from bot.adapters.digest_jobs import JOB_FUNCTION, weekly_trigger
from bot.adapters.migrate import upgrade
from bot.adapters.scheduler import ReminderScheduler
from bot.domain.gaps import DigestSchedule
from bot.services.gap_digest import DIGEST_JOB_ID


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def stored_job(engine: Engine) -> bytes | None:
    with engine.connect() as db:
        row = db.execute(
            text("SELECT job_state FROM apscheduler_jobs WHERE id = :id"), {"id": DIGEST_JOB_ID}
        ).first()
    return bytes(row[0]) if row else None


def start_with(engine: Engine, setting: str) -> None:
    """One process's life: start (which places the job), then stop."""
    scheduler = ReminderScheduler(engine, lambda *_: None, lambda *_: None)
    scheduler.keep_job(DIGEST_JOB_ID, JOB_FUNCTION, weekly_trigger(DigestSchedule.parse(setting)))
    scheduler.start()
    scheduler.shutdown(timeout=5)


def test_the_digest_job_survives_restarts_and_follows_the_setting(engine: Engine) -> None:
    start_with(engine, "mon 10:00")
    first = stored_job(engine)
    assert first is not None
    start_with(engine, "mon 10:00")
    assert stored_job(engine) == first  # untouched: its next run stays where it was
    start_with(engine, "fri 16:30")
    changed = stored_job(engine)
    assert changed is not None and changed != first
    start_with(engine, "")
    assert stored_job(engine) is None
