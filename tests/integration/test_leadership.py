"""One scheduler leader among processes: a file lock on SQLite, an advisory lock on PostgreSQL.

The lock is freed by the kernel or the database server when its holder dies, so a standby takes
over without comparing clocks between hosts; a leader whose connection drops steps down.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text

from bot.adapters import scheduler as scheduler_module
from bot.adapters.database import make_engine
from bot.adapters.leadership import (
    AdvisoryLockLeadership,
    FileLockLeadership,
    identity,
    leadership_for,
)
from bot.adapters.migrate import upgrade
from bot.adapters.scheduler import ReminderScheduler
from bot.adapters.schema import processed_events
from bot.adapters.state_store import SqlStateStore
from bot.domain.clock import FixedClock
from tests.conftest import FROZEN_NOW
from tests.postgres import own_postgres_database
from tests.waiting import wait_until


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state.sqlite3'}"
        return
    with own_postgres_database() as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


# -- the locks themselves --------------------------------------------------------------------------


def test_the_lock_fits_the_database(tmp_path: Path) -> None:
    sqlite = make_engine(f"sqlite:///{tmp_path / 'state.sqlite3'}")
    assert isinstance(leadership_for(sqlite), FileLockLeadership)
    with pytest.raises(ValueError, match="file"):
        leadership_for(make_engine("sqlite:///:memory:"))


def test_one_leader_at_a_time_until_it_steps_down(engine: Engine) -> None:
    first, second = leadership_for(engine), leadership_for(engine)
    assert first.holder() is None
    assert first.try_acquire()
    assert not second.try_acquire()
    assert first.still_held() and not second.still_held()
    assert first.holder() == second.holder() == identity()
    first.release()
    assert second.try_acquire() and not first.try_acquire()
    second.release()
    assert first.holder() is None


_HOLD = """
import sys, threading
from bot.adapters.database import make_engine
from bot.adapters.leadership import leadership_for
leadership = leadership_for(make_engine(sys.argv[1]))
assert leadership.try_acquire()
print("held", flush=True)
threading.Event().wait()
"""


def test_a_killed_holder_frees_the_lock_at_once(database_url: str, engine: Engine) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, database_url], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        standby = leadership_for(engine)
        assert not standby.try_acquire()
        assert (standby.holder() or "").endswith(f":{holder.pid}")
        holder.kill()  # SIGKILL: no clean-up runs in the holder
        holder.wait()
        assert wait_until(standby.try_acquire, timeout=5)
        standby.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_a_leader_whose_connection_dies_steps_down() -> None:
    with own_postgres_database() as url:
        engine = make_engine(url)
        leader, standby = AdvisoryLockLeadership(engine, "test"), AdvisoryLockLeadership(engine, "test")
        assert leader.try_acquire()
        with engine.begin() as db:  # what a server restart or a dropped network does to the session
            db.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name LIKE 'opsbot-leader%' AND datname = current_database()"
                )
            )
        assert not leader.still_held()
        assert standby.try_acquire()
        assert not leader.try_acquire()
        standby.release()
        engine.dispose()


def test_a_deleted_lock_file_makes_the_leader_step_down(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3.reminder-scheduler.lock"
    leader, standby = FileLockLeadership(path), FileLockLeadership(path)
    assert leader.try_acquire()
    path.unlink()  # a new file would let a second process lock it: two leaders otherwise
    assert not leader.still_held()
    assert standby.try_acquire() and not leader.try_acquire()
    standby.release()


# -- the scheduler on top --------------------------------------------------------------------------


def _scheduler(engine: Engine, housekeeping: Callable[[], object] | None = None) -> ReminderScheduler:
    return ReminderScheduler(engine, lambda *_: None, lambda *_: None, housekeeping=housekeeping)


def test_a_standby_scheduler_takes_over_when_the_leader_stops(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scheduler_module, "HEARTBEAT_S", 0.2)
    first, second = _scheduler(engine), _scheduler(engine)
    first.start()
    try:
        assert wait_until(lambda: first.leading, timeout=10)
        second.start()
        assert second.leader_known() is True and not second.leading
        assert first.shutdown(timeout=5)
        assert not first.leading
        assert wait_until(lambda: second.leading, timeout=5)
    finally:
        first.shutdown(timeout=1)
        second.shutdown(timeout=5)
    assert second.leader_known() is None


def test_only_the_leader_keeps_house_while_it_runs(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler_module, "HOUSEKEEPING_S", 0.1)
    rounds = {"leader": 0, "standby": 0}
    enough = threading.Event()

    def count(who: str) -> Callable[[], None]:
        def run() -> None:
            rounds[who] += 1
            if rounds[who] >= 3:
                enough.set()

        return run

    leader = _scheduler(engine, count("leader"))
    leader.start()
    assert wait_until(lambda: leader.leading, timeout=10)
    standby = _scheduler(engine, count("standby"))
    standby.start()
    try:
        assert enough.wait(15), "housekeeping ran only at start, not while running"
        assert rounds["standby"] == 0
    finally:
        standby.shutdown(timeout=5)
        leader.shutdown(timeout=5)


# -- what housekeeping does: forget seen events and claims by age ---------------------------------


def test_seen_events_and_claims_are_forgotten_after_a_day(engine: Engine) -> None:
    clock = FixedClock(FROZEN_NOW)
    store = SqlStateStore(engine)
    now = clock.now().timestamp()
    with engine.begin() as db:
        db.execute(
            insert(processed_events),
            [
                {"key": "event:Ev-two-days-old", "created_at": now - 2 * 86400},
                {"key": "reminder:r1:20261124T1000", "created_at": now - 86400 - 1},
                {"key": "event:Ev-an-hour-old", "created_at": now - 3600},
            ],
        )

    def keys() -> set[str]:
        with engine.connect() as db:
            return set(db.execute(select(processed_events.c.key)).scalars())

    assert store.forget_old_claims(now=clock.now().timestamp()) == 2
    assert keys() == {"event:Ev-an-hour-old"}
    clock.advance(timedelta(hours=23, minutes=1))
    assert store.forget_old_claims(now=clock.now().timestamp()) == 1
    assert keys() == set()
