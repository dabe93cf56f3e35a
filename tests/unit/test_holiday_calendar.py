"""The holiday calendar: the team's holidays.toml first, then chinesecalendar, then Monday–Friday."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.adapters.holiday_calendar import ChinaWorkCalendar, HolidayFileError, load_holidays
from bot.container import PROMPTS_DIR
from bot.domain.drafting import ChecklistDrafter
from bot.domain.working_days import estimated_years, shift_workdays
from bot.settings import Settings
from tests.conftest import REPO
from tests.unit.test_drafting import PlaybookFromFile

TODAY = date(2026, 11, 25)

# Illustrative 2027 dates for the tests only: not the State Council's announcement.
SPRING_2027 = """
[2027]
announced = true
holidays = [
  { name = "春节", from = 2027-02-06, to = 2027-02-13 },
]
workdays = [2027-02-20]  # a Saturday make-up workday

[2026]
holidays = [{ name = "公司日", from = 2026-12-18 }]
workdays = [2026-10-05]  # the package says this is a National Day holiday
"""


def calendar_from(tmp_path: Path, text: str) -> ChinaWorkCalendar:
    path = tmp_path / "holidays.toml"
    path.write_text(text, encoding="utf-8")
    return ChinaWorkCalendar.from_file(path)


def test_a_year_nobody_knows_counts_monday_to_friday_and_never_raises() -> None:
    calendar = ChinaWorkCalendar()
    assert calendar.is_workday(date(2027, 2, 8)) and not calendar.is_workday(date(2027, 2, 6))
    assert calendar.is_workday(date(1999, 6, 1))
    assert calendar.is_official(2026) and not calendar.is_official(2027)
    assert estimated_years(calendar, date(2026, 12, 20), date(2027, 1, 5)) == [2027]


def test_the_official_calendar_knows_2026_holidays_and_make_up_workdays() -> None:
    calendar = ChinaWorkCalendar()
    assert not calendar.is_workday(date(2026, 10, 1))
    assert calendar.is_workday(date(2026, 10, 10))  # Saturday, 调休 make-up workday


def test_the_teams_file_adds_holidays_and_make_up_workdays_and_wins_over_the_package(
    tmp_path: Path,
) -> None:
    calendar = calendar_from(tmp_path, SPRING_2027)
    assert not calendar.is_workday(date(2027, 2, 8))  # a declared holiday on a Monday
    assert calendar.is_workday(date(2027, 2, 20))  # a declared Saturday make-up workday
    assert calendar.is_workday(date(2026, 10, 5))  # the file beats the package
    assert not calendar.is_workday(date(2026, 12, 18))
    assert calendar.is_official(2027)
    # Two working days after Fri 2/5: the holiday week is skipped, Saturday 2/20 is not.
    assert shift_workdays(calendar, date(2027, 2, 5), 1) == date(2027, 2, 15)
    assert shift_workdays(calendar, date(2027, 2, 19), 1) == date(2027, 2, 20)


def test_a_year_listed_but_not_announced_is_still_called_an_estimate(tmp_path: Path) -> None:
    calendar = calendar_from(tmp_path, "[2027]\nholidays = [{ from = 2027-01-01 }]\n")
    assert not calendar.is_workday(date(2027, 1, 1)) and not calendar.is_official(2027)


def test_a_missing_file_is_fine(tmp_path: Path) -> None:
    assert load_holidays(tmp_path / "nothing.toml").holidays == frozenset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[2027]\nholidays = [{ from = 2027-02-06 \n", "line 2"),
        ("[2027]\nannounced = true\nholiday = [2027-02-06]\n", r"line 3: \[2027\] holiday: Extra inputs"),
        ('[2027]\nannounced = "yes"\n', "announced: Input should be a valid boolean"),
        ("[2027]\nholidays = [{ from = 2027-02-13, to = 2027-02-06 }]\n", "must be on or after"),
        ("[2027]\nworkdays = [\n  2072-02-20,\n]\n", r"line 3: 2072-02-20 is listed under \[2027\]"),
        ("[spring]\nworkdays = []\n", r"line 1: \[spring\] is not a year"),
        (
            "[2027]\nholidays = [{ from = 2027-02-06 }]\nworkdays = [2027-02-06]\n",
            "both a holiday and a make-up workday",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_the_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(HolidayFileError, match=message) as raised:
        calendar_from(tmp_path, text)
    assert str(tmp_path / "holidays.toml") in str(raised.value)


def test_the_shipped_example_is_valid_and_claims_nothing_official() -> None:
    overrides = load_holidays(REPO / "holidays.example.toml")
    assert overrides.holidays and overrides.workdays and not overrides.announced_years


def test_a_2027_campaign_skips_the_teams_holidays_and_has_no_fallback_note(tmp_path: Path) -> None:
    calendar = calendar_from(tmp_path, SPRING_2027)
    drafter = ChecklistDrafter(PROMPTS_DIR / "checklist.toml", PlaybookFromFile(), calendar, lambda: TODAY)
    checklist = drafter.draft("春节拉新活动", date(2027, 2, 16), date(2027, 2, 19))
    due = {item.text: item.due for item in checklist.items()}
    assert due["投入推广资源,扩大受众"] == date(2027, 2, 5)  # two working days back, over the holiday
    assert due["收集用户对活动的反馈,确认是否及时和用户沟通"] == date(2027, 2, 20)  # the make-up Saturday
    assert all(calendar.is_workday(day) for day in due.values() if day)
    assert not any("未公布" in note for note in checklist.notes)


def test_the_holidays_file_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPSBOT_HOLIDAYS_FILE", raising=False)
    assert Settings().holidays_file == Path("holidays.toml")
    monkeypatch.setenv("OPSBOT_HOLIDAYS_FILE", str(tmp_path / "team-holidays.toml"))
    assert Settings().holidays_file == tmp_path / "team-holidays.toml"
    monkeypatch.setenv("OPSBOT_HOLIDAYS_FILE", str(tmp_path))
    with pytest.raises(ValueError, match="is a directory"):
        Settings()
