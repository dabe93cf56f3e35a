"""A state database made by main at 782b98a upgrades with nothing lost, on SQLite and PostgreSQL.

The legacy databases in tests/fixtures/legacy were written by that commit's own code (see
make_legacy_databases.py there); these tests read them back with today's stores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, inspect, make_url, select, text

from bot.adapters import reminder_jobs
from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.database import make_engine
from bot.adapters.migrate import (
    alembic_config,
    current_revision,
    head,
    include_name,
    prepare_for_serving,
    upgrade,
)
from bot.adapters.reminder_store import SqlReminderStore
from bot.adapters.scheduler import JOB_FUNCTION, ReminderScheduler
from bot.adapters.schema import answers, metadata
from bot.adapters.state_store import SqlStateStore
from bot.domain.errors import SchemaOutOfDate
from bot.domain.when import OneOff, Recurring
from tests.fixtures.legacy.make_legacy_databases import LEGACY
from tests.postgres import own_postgres_database

LEGACY_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "legacy"
POSTGRES = os.environ.get("OPSBOT_TEST_DATABASE_URL", "")
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def legacy_sqlite(tmp_path: Path) -> str:
    copy = tmp_path / "opsbot.sqlite3"
    shutil.copyfile(LEGACY_DIR / "main-782b98a.sqlite3", copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def legacy_postgresql() -> Iterator[str]:
    with own_postgres_database(
        (LEGACY_DIR / "main-782b98a.postgresql.sql").read_text(encoding="utf-8")
    ) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy(request: pytest.FixtureRequest) -> Iterator[Engine]:
    engine = make_engine(request.getfixturevalue(f"legacy_{request.param}"))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
        yield engine
        engine.dispose()
        return
    with own_postgres_database() as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


def _schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        return list(compare_metadata(context, metadata))


def _assert_nothing_lost(engine: Engine) -> None:
    reminders = {reminder.reminder_id: reminder for reminder in SqlReminderStore(engine).active()}
    one_off_id, at = LEGACY["one_off"]
    weekly_id, weekdays, clock = LEGACY["weekly"]
    assert set(reminders) == {one_off_id, weekly_id}
    assert reminders[one_off_id].schedule == OneOff(at)
    assert reminders[weekly_id].schedule == Recurring(weekdays, clock)

    store = SqlChecklistStore(engine)
    checklist = store.load("camp0legacy")
    assert checklist is not None
    assert checklist.campaign.launch == LEGACY["launch"] and checklist.campaign.end == LEGACY["end"]
    items = {item.item_id: item for item in checklist.items()}
    assert sorted(i for i, item in items.items() if item.done) == sorted(LEGACY["ticked"])
    stage, owner = LEGACY["owner"]
    assert {item.owner for s in checklist.stages if s.key == stage for item in s.items} == {owner}
    assert store.message_of("camp0legacy") == LEGACY["message"]
    assert [(s.done, s.total) for s in store.for_channel(LEGACY["message"][0])] == [(3, len(items))]
    # Attributed from the template of that time; none of them compressed.
    assert (items["goal-1"].anchor, items["goal-1"].offset) == ("launch", -12)
    assert (items["review-1"].anchor, items["review-1"].offset) == ("end", 1)
    assert all(item.anchor and item.offset is not None and not item.compressed for item in items.values())

    state = SqlStateStore(engine)
    with engine.connect() as db:
        answer_id = db.execute(select(answers.c.id).where(answers.c.question == LEGACY["question"])).scalar()
    assert answer_id and state.answer(answer_id) is not None
    assert state.votes(answer_id) == dict([LEGACY["vote"]])


def _assert_jobs_fire(engine: Engine) -> None:
    """The persisted jobs load, name the new entry point, keep their times and would deliver."""
    jobs = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
    jobs.start(BackgroundScheduler(), "default")
    loaded = {job.id: job for job in jobs.get_all_jobs()}
    one_off_id, at = LEGACY["one_off"]
    assert set(loaded) == {one_off_id, LEGACY["weekly"][0]}
    assert {job.func_ref for job in loaded.values()} == {JOB_FUNCTION}
    assert loaded[one_off_id].next_run_time == at
    delivered: list[str] = []
    reminder_jobs.register(lambda reminder_id, _due: delivered.append(reminder_id))
    for job in loaded.values():
        job.func(*job.args)
    assert sorted(delivered) == sorted(loaded)


def test_a_database_from_main_upgrades_with_nothing_lost(legacy: Engine) -> None:
    result = upgrade(legacy)
    assert (result.before, result.after, result.adopted) == (None, head(), True)
    with legacy.connect() as connection:
        assert current_revision(connection) == head()
    _assert_nothing_lost(legacy)
    _assert_jobs_fire(legacy)
    assert _schema_differences(legacy) == []
    assert upgrade(legacy).summary() == f"state database already at {head()}"


def test_the_real_scheduler_picks_up_the_upgraded_jobs(legacy_sqlite: str) -> None:
    engine = make_engine(legacy_sqlite)
    upgrade(engine)
    scheduler = ReminderScheduler(engine, lambda *_: None, lambda *_: None)
    scheduler.start()
    try:
        one_off_id, at = LEGACY["one_off"]
        assert scheduler.next_run(one_off_id) == at
        assert isinstance(scheduler.next_run(LEGACY["weekly"][0]), datetime)
    finally:
        scheduler.shutdown()
        engine.dispose()


def test_opsbot_migrate_upgrades_the_default_sqlite_database(legacy_sqlite: str) -> None:
    data_dir = Path(make_url(legacy_sqlite).database or "").parent
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"OPSBOT_DATA_DIR": str(data_dir)}
    run = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"state database (made before migrations) adopted and upgraded to {head()}"
    engine = make_engine(legacy_sqlite)
    try:
        _assert_nothing_lost(engine)
    finally:
        engine.dispose()


def test_serving_refuses_an_old_postgresql_schema_in_one_line(legacy_postgresql: str) -> None:
    engine = make_engine(legacy_postgresql)
    try:
        with pytest.raises(SchemaOutOfDate) as refused:
            prepare_for_serving(engine)
        message = str(refused.value)
        assert "opsbot migrate" in message and "\n" not in message
        assert "from before migrations" in message
        upgrade(engine)
        assert prepare_for_serving(engine) is None
    finally:
        engine.dispose()


def test_serving_upgrades_the_embedded_sqlite_database_by_itself(legacy_sqlite: str) -> None:
    engine = make_engine(legacy_sqlite)
    try:
        first = prepare_for_serving(engine)
        assert first is not None and first.after == head()
        again = prepare_for_serving(engine)
        assert again is not None and again.before == again.after == head()
    finally:
        engine.dispose()


def test_a_fresh_database_migrated_equals_the_schema_module(empty: Engine) -> None:
    result = upgrade(empty)
    assert (result.before, result.after, result.adopted) == (None, head(), False)
    assert _schema_differences(empty) == []


def test_the_baseline_adds_what_an_old_database_lacked(legacy_sqlite: str) -> None:
    engine = make_engine(legacy_sqlite)
    try:
        with engine.begin() as db:
            db.execute(text("DROP TABLE scheduler_leader"))
        upgrade(engine)
        assert inspect(engine).has_table("scheduler_leader")
    finally:
        engine.dispose()


def test_downgrade_to_the_baseline_puts_the_old_job_path_back(legacy_sqlite: str) -> None:
    engine = make_engine(legacy_sqlite)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0001")
        columns = {column["name"] for column in inspect(engine).get_columns("checklist_items")}
        assert "anchor" not in columns
        jobs = SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs")
        jobs.start(BackgroundScheduler(), "default")
        assert {job.func_ref for job in jobs.get_all_jobs()} == {"bot.adapters.scheduler:fire"}
        assert upgrade(engine).after == head()
        _assert_nothing_lost(engine)
    finally:
        engine.dispose()
