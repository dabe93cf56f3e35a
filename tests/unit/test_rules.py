"""Domain rules a user notices, tested on their own: the tick diff, review dates, who may cancel."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.checklists import tick_changes
from bot.domain.reminders import Reminder, campaign_review_days, campaign_review_times, may_cancel
from bot.domain.when import OneOff
from tests.fakes import WeekdayCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_click_changes_only_what_that_person_changed() -> None:
    group = ["a", "b", "c"]
    # Their message showed a ticked; they ticked b. c was ticked by someone else meanwhile: untouched.
    changes = tick_changes(selected=["a", "b"], shown_ticked=["a"], group=group)
    assert (changes.ticked, changes.unticked) == (["b"], [])


def test_unticking_and_items_outside_the_group_are_ignored_or_applied() -> None:
    changes = tick_changes(selected=["x-from-another-group"], shown_ticked=["a", "b"], group=["a", "b"])
    assert (changes.ticked, changes.unticked) == ([], ["a", "b"])
    assert tick_changes([], [], []).ticked == []


def test_review_dates_count_working_days_after_the_end() -> None:
    calendar = WeekdayCalendar(holidays={date(2027, 2, 8)})
    # Ends Friday 2027-02-05: evaluation Tuesday (Monday is a holiday), review Thursday.
    days = campaign_review_days(date(2027, 2, 5), calendar)
    assert days == {"evaluation": date(2027, 2, 9), "review": date(2027, 2, 11)}
    times = campaign_review_times(date(2027, 2, 5), calendar, "Asia/Shanghai")
    assert times["review"] == datetime(2027, 2, 11, 10, 0, tzinfo=SHANGHAI)


def test_only_the_creator_or_an_admin_may_cancel() -> None:
    reminder = Reminder(
        "r1", "C1", "周报", "U0ALICE", "Asia/Shanghai", OneOff(datetime(2027, 1, 4, 9, tzinfo=SHANGHAI))
    )
    assert may_cancel(reminder, "U0ALICE", user_is_admin=False)
    assert not may_cancel(reminder, "U0MALLORY", user_is_admin=False)
    assert may_cancel(reminder, "U0ADMIN", user_is_admin=True)
