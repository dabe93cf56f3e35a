"""Working-day reminders follow China's calendar; a weekday with "skip holidays" keeps its weekday;
schedules read back as written, including rows stored by earlier versions."""

from __future__ import annotations

import json
import time as clock_time
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.adapters.database import make_engine
from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.adapters.reminder_store import SqlReminderStore
from bot.adapters.schema import metadata, reminders
from bot.adapters.triggers import last_due, trigger_for
from bot.domain.reminders import Reminder, describe, schedule_from_json, schedule_to_json
from bot.domain.when import EVERY_DAY, OneOff, Recurring, parse_reminder
from tests.unit.test_recurrence_dst import deliver_each_firing

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def parsed(text: str) -> Reminder:
    return Reminder("r1", "C1", "x", "U1", "Asia/Shanghai", parse_reminder(text, NOW).schedule)


def posted_days(reminder: Reminder, first: date, last: date) -> list[date]:
    start = datetime.combine(first, time(0, 0), tzinfo=SHANGHAI)
    end = datetime.combine(last, time(23, 59), tzinfo=SHANGHAI)
    return [due.due.date() for due in deliver_each_firing(reminder, start, end, ChinaWorkCalendar())]


@pytest.mark.parametrize(
    "text", ["every Friday 16:00 周报数据复盘 skip holidays", "每周五下午4点 周报数据复盘 跳过节假日"]
)
def test_every_friday_skipping_holidays_posts_on_fridays_only(text: str) -> None:
    reminder = parsed(text)
    # Two ordinary weeks: two posts, not ten.
    assert posted_days(reminder, date(2026, 11, 30), date(2026, 12, 13)) == [
        date(2026, 12, 4),
        date(2026, 12, 11),
    ]
    # National Day: Friday 10/2 is a day off; Saturday 10/10 is a make-up workday but not a Friday.
    assert posted_days(reminder, date(2026, 9, 28), date(2026, 10, 11)) == [date(2026, 10, 9)]


@pytest.mark.parametrize(
    "text",
    ["every weekday 9:30 站会", "每个工作日 9:30 站会", "every workday 9:30 站会", "weekdays 9:30 站会"],
)
def test_every_weekday_means_chinas_working_days_in_both_languages(text: str) -> None:
    days = posted_days(parsed(text), date(2026, 9, 28), date(2026, 10, 12))
    # National Day week is skipped; Saturday 10/10 is a make-up workday and gets its reminder.
    assert days == [date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30)] + [
        date(2026, 10, day) for day in (8, 9, 10, 12)
    ]


def test_the_trigger_fires_on_the_chosen_weekdays_and_every_day_for_working_days() -> None:
    friday = trigger_for(parsed("每周五下午4点 周报 跳过节假日"))
    working = trigger_for(parsed("每个工作日 9:30 站会"))
    assert "day_of_week='4'" in str(friday)
    assert "day_of_week='*'" in str(working)  # every day: the calendar decides at delivery


def test_last_due_is_the_latest_scheduled_time() -> None:
    weekly = Reminder("r2", "C1", "周报", "U1", "Asia/Shanghai", Recurring(frozenset({4}), time(16, 0)))
    now = datetime(2026, 11, 27, 16, 0, 3, tzinfo=SHANGHAI)
    assert last_due(weekly, now) == datetime(2026, 11, 27, 16, 0, tzinfo=SHANGHAI)
    assert last_due(weekly, datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)) == datetime(
        2026, 11, 27, 16, 0, tzinfo=SHANGHAI
    )
    once = Reminder(
        "r3", "C1", "x", "U1", "Asia/Shanghai", OneOff(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    )
    assert last_due(once, now) == datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        (
            "every Friday 16:00 周报 skip holidays",
            "Every Friday 16:00, skipping holidays / 跳过节假日 (Asia/Shanghai)",
        ),
        (
            "每周五下午4点 周报 跳过节假日",
            "Every Friday 16:00, skipping holidays / 跳过节假日 (Asia/Shanghai)",
        ),
        ("每周五下午4点 周报", "Every Friday 16:00 (Asia/Shanghai)"),
        (
            "every weekday 9:30 站会",
            "Every working day / 每个工作日 (China's calendar) 09:30 (Asia/Shanghai)",
        ),
        ("每个工作日 9:30 站会", "Every working day / 每个工作日 (China's calendar) 09:30 (Asia/Shanghai)"),
        (
            "每天 9:30 站会 跳过节假日",
            "Every working day / 每个工作日 (China's calendar) 09:30 (Asia/Shanghai)",
        ),
        ("每天 18:00 看数据", "Every day 18:00 (Asia/Shanghai)"),
        ("每周一三五 上午9点 站会", "Every Monday, Wednesday, Friday 09:00 (Asia/Shanghai)"),
    ],
)
def test_the_confirmation_says_what_was_asked(text: str, reads: str) -> None:
    assert describe(parse_reminder(text, NOW).schedule, "Asia/Shanghai") == reads


def test_schedules_round_trip() -> None:
    for schedule in (
        Recurring(frozenset({4}), time(16, 0)),
        Recurring(frozenset({4}), time(16, 0), True, "每周五"),
        Recurring(EVERY_DAY, time(9, 30), True),
        OneOff(datetime(2026, 12, 5, 9, 0, tzinfo=SHANGHAI)),
    ):
        assert schedule_from_json(schedule_to_json(schedule)) == schedule


def test_a_far_future_row_saved_by_an_earlier_version_still_lists() -> None:
    """9999-12-31 23:59 in New York overflows when shown in UTC+8; `/ops reminders` must not break."""
    row = OneOff(datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("America/New_York")))
    assert describe(row, "Asia/Shanghai").startswith("9999-12-31 23:59")


LEGACY_ROWS: list[tuple[dict[str, Any], set[int], bool, str]] = [
    # 每个工作日 / "every weekday … skip holidays" were stored as Monday–Friday with workdays_only.
    (
        {"type": "recurring", "weekdays": [0, 1, 2, 3, 4], "at": "09:30", "workdays_only": True, "label": "每个工作日"},
        set(range(7)),
        True,
        "Every working day",
    ),
    # 每天 … 跳过节假日 was stored as every day with workdays_only: also working days.
    ({"type": "recurring", "weekdays": list(range(7)), "at": "18:00", "workdays_only": True}, set(range(7)), True, "Every working day"),
    # "every weekday" without skipping was Monday–Friday and stays so.
    ({"type": "recurring", "weekdays": [0, 1, 2, 3, 4], "at": "09:30", "workdays_only": False}, set(range(5)), False, "Every Monday–Friday"),
    # "every Friday … skip holidays" lost its Friday before; the stored weekday is kept now.
    ({"type": "recurring", "weekdays": [4], "at": "16:00", "workdays_only": True, "label": "every friday"}, {4}, True, "Every Friday 16:00, skipping"),
]  # fmt: skip


@pytest.mark.parametrize(("stored", "weekdays", "workdays", "reads"), LEGACY_ROWS)
def test_rows_stored_by_earlier_versions_load_and_mean_what_they_meant(
    tmp_path: Path, stored: dict[str, Any], weekdays: set[int], workdays: bool, reads: str
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'state.db'}")
    metadata.create_all(engine)
    with engine.begin() as db:
        db.execute(
            insert(reminders).values(
                id="old1", channel="C1", text="站会", creator="U1", timezone="Asia/Shanghai",
                schedule=json.dumps(stored), kind="message", campaign_id=None, status="active",
                created_at=clock_time.time(),
            )
        )  # fmt: skip
    loaded = SqlReminderStore(engine).get("old1")
    engine.dispose()
    assert loaded is not None and isinstance(loaded.schedule, Recurring)
    assert (set(loaded.schedule.weekdays), loaded.schedule.workdays_only) == (weekdays, workdays)
    assert describe(loaded.schedule, "Asia/Shanghai").startswith(reads)
