"""Morning nudges as rules: whose 10:00 it is on a working day, what the one DM lists, and once only."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, OpenItem, Stage
from bot.domain.clock import FixedClock, parse_time_of_day
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.nudges import (
    Nudge,
    due_label,
    heading,
    items_by_owner,
    morning_of,
    nudge_for,
)
from bot.services.nudges import MorningNudges, NudgeChoices
from bot.services.reminder_delivery import RetryPolicy
from tests.fakes import FakeChecklistStore, FakeDeliveries, FakePeople

UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = ChinaWorkCalendar()


def at(year: int, month: int, day: int, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def open_item(
    item_id: str, due: date | None, owner: str | None = "U0ALICE", campaign: str = "c1"
) -> OpenItem:
    return OpenItem(
        campaign, "双十二拉新活动", "C0CAMPAIGN", "s", "阶段", item_id, f"事项{item_id}", due, owner
    )


class FakeOptouts:
    def __init__(self, off: set[str] | None = None) -> None:
        self.off = off or set()

    def opted_out(self) -> frozenset[str]:
        return frozenset(self.off)

    def is_off(self, user: str) -> bool:
        return user in self.off

    def turn_off(self, user: str, at: float) -> bool:
        fresh = user not in self.off
        self.off.add(user)
        return fresh

    def turn_on(self, user: str) -> bool:
        known = user in self.off
        self.off.discard(user)
        return known


class RecordingPoster:
    def __init__(self, failures: int = 0) -> None:
        self.posted: list[Nudge] = []
        self.failures = failures

    def post_nudge(self, nudge: Nudge) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("503")
        self.posted.append(nudge)


def store_with(*campaigns: tuple[str, str, list[ChecklistItem]]) -> FakeChecklistStore:
    store = FakeChecklistStore()
    for campaign_id, name, items in campaigns:
        checklist = Checklist(
            Campaign(campaign_id, name, "acquisition", "用户拉新", None, None), [Stage("s", "阶段", items)]
        )
        store.save(checklist, channel=f"C{campaign_id.upper()}")
    return store


def item(item_id: str, due: date | None, owner: str | None = "U0ALICE", done: bool = False) -> ChecklistItem:
    return ChecklistItem(item_id, f"事项{item_id}", due, None, owner, done)


def nudges_for(
    store: FakeChecklistStore,
    clock: FixedClock,
    zones: dict[str, str] | None = None,
    off: set[str] | None = None,
    poster: RecordingPoster | None = None,
    deliveries: FakeDeliveries | None = None,
) -> tuple[MorningNudges, RecordingPoster]:
    poster = poster or RecordingPoster()
    nudges = MorningNudges(
        store,
        FakeOptouts(off),
        deliveries or FakeDeliveries(),
        FakePeople(zones=zones or {}),
        CALENDAR,
        clock,
        poster,
        "Asia/Shanghai",
        policy=RetryPolicy((30.0, 120.0), 120.0),
    )
    return nudges, poster


# -- the rules --------------------------------------------------------------------------------------


def test_the_nudge_time_is_read_as_hh_mm() -> None:
    assert parse_time_of_day("10:00") == time(10, 0)
    assert parse_time_of_day(" 9:30 ") == time(9, 30)
    for bad in ("25:00", "10", "ten", "10:60"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_time_of_day(bad)


def test_10_00_on_a_working_day_is_the_morning_and_09_59_is_not() -> None:
    assert not morning_of(at(2026, 11, 25, 9, 59), SHANGHAI, time(10), CALENDAR).due
    assert morning_of(at(2026, 11, 25, 10, 0), SHANGHAI, time(10), CALENDAR).due
    assert morning_of(at(2026, 11, 25, 17, 0), SHANGHAI, time(10), CALENDAR).due  # back up late: still today


def test_no_good_morning_at_night_the_items_wait_for_the_next_working_day() -> None:
    assert morning_of(at(2026, 11, 25, 17, 59), SHANGHAI, time(10), CALENDAR).due
    assert not morning_of(at(2026, 11, 25, 18, 0), SHANGHAI, time(10), CALENDAR).due
    assert not morning_of(at(2026, 11, 25, 23, 30), SHANGHAI, time(10), CALENDAR).due
    # a late nudge time keeps its eight hours, up to midnight
    assert morning_of(at(2026, 11, 25, 23, 30), SHANGHAI, time(16), CALENDAR).due


def test_no_nudge_on_a_holiday_or_a_weekend_but_on_a_make_up_saturday() -> None:
    assert not morning_of(at(2026, 10, 1, 10), SHANGHAI, time(10), CALENDAR).due  # 国庆节
    assert not morning_of(at(2026, 11, 28, 10), SHANGHAI, time(10), CALENDAR).due  # a Saturday
    assert morning_of(at(2026, 10, 10, 10), SHANGHAI, time(10), CALENDAR).due  # 调休 make-up Saturday


def test_new_york_mornings_follow_daylight_saving_time() -> None:
    new_york = ZoneInfo("America/New_York")
    # Monday 9 March 2026, the day after clocks went forward: 10:00 EDT is 14:00 UTC.
    assert not morning_of(at(2026, 3, 9, 13, 59, UTC), new_york, time(10), CALENDAR).due
    assert morning_of(at(2026, 3, 9, 14, 0, UTC), new_york, time(10), CALENDAR).due
    # Friday 6 March, still standard time: 14:30 UTC is 09:30 there.
    assert not morning_of(at(2026, 3, 6, 14, 30, UTC), new_york, time(10), CALENDAR).due
    # Monday 2 November, the day after clocks went back: 10:00 EST is 15:00 UTC.
    assert not morning_of(at(2026, 11, 2, 14, 59, UTC), new_york, time(10), CALENDAR).due
    assert morning_of(at(2026, 11, 2, 15, 0, UTC), new_york, time(10), CALENDAR).due


def test_kolkata_mornings_are_on_the_half_hour_and_their_own_day() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    assert not morning_of(at(2026, 11, 25, 4, 29, UTC), kolkata, time(10), CALENDAR).due
    morning = morning_of(at(2026, 11, 25, 4, 30, UTC), kolkata, time(10), CALENDAR)
    assert morning.due and morning.day == date(2026, 11, 25)


def test_items_without_an_owner_nudge_nobody() -> None:
    grouped = items_by_owner([open_item("1", date(2026, 11, 25), None), open_item("2", date(2026, 11, 25))])
    assert list(grouped) == ["U0ALICE"] and [i.item_id for i in grouped["U0ALICE"]] == ["2"]


def test_a_nudge_lists_items_due_today_and_overdue_and_counts_them() -> None:
    today = date(2026, 12, 9)
    items = [open_item("a", date(2026, 12, 9)), open_item("b", date(2026, 12, 4)), open_item("c", None)]
    items.append(open_item("d", date(2026, 12, 10)))  # tomorrow: not yet
    nudge = nudge_for("U0ALICE", items, today)
    assert nudge is not None
    assert [i.item_id for i in nudge.items] == ["b", "a"]
    assert (nudge.due_today, nudge.overdue) == (1, 1)
    assert heading(nudge).endswith("Good morning — 1 item due today, 1 overdue:")
    assert due_label(nudge.items[0], today) == "已逾期 / overdue since 12/04"
    assert due_label(nudge.items[1], today) == "今天到期 / due today"
    assert nudge_for("U0ALICE", [open_item("d", date(2026, 12, 10))], today) is None


# -- the morning run ----------------------------------------------------------------------------------


def test_one_dm_per_owner_lists_every_campaign_and_leaves_out_ticked_items() -> None:
    today = date(2026, 11, 25)
    store = store_with(
        (
            "c1",
            "双十二拉新活动",
            [item("1", today), item("2", date(2026, 11, 20)), item("3", today, done=True)],
        ),
        ("c2", "年货节", [item("4", today), item("5", today, owner="U0BOB"), item("6", today, owner=None)]),
    )
    nudges, poster = nudges_for(store, FixedClock(at(2026, 11, 25, 10)))
    assert nudges.run() == 2
    alice = next(n for n in poster.posted if n.owner == "U0ALICE")
    assert [i.item_id for i in alice.items] == ["2", "1", "4"]
    assert {i.campaign_name for i in alice.items} == {"双十二拉新活动", "年货节"}
    assert [i.item_id for i in next(n for n in poster.posted if n.owner == "U0BOB").items] == ["5"]


def test_nobody_is_nudged_twice_the_same_day_but_again_the_next_working_day() -> None:
    store = store_with(("c1", "双十二", [item("1", date(2026, 11, 25))]))
    clock = FixedClock(at(2026, 11, 25, 10))
    deliveries = FakeDeliveries()
    first, poster = nudges_for(store, clock, deliveries=deliveries)
    assert first.run() == 1
    clock.set(at(2026, 11, 25, 10, 15))
    assert first.run() == 0
    restarted, _ = nudges_for(store, clock, poster=poster, deliveries=deliveries)  # a new process
    assert restarted.run() == 0
    clock.set(at(2026, 11, 26, 10))  # Thursday: the item is overdue now
    assert restarted.run() == 1
    assert [n.day for n in poster.posted] == [date(2026, 11, 25), date(2026, 11, 26)]


def test_before_10_on_a_holiday_and_after_opting_out_nobody_is_nudged() -> None:
    store = store_with(
        ("c1", "双十二", [item("1", date(2026, 9, 30)), item("2", date(2026, 9, 30), "U0BOB")])
    )
    clock = FixedClock(at(2026, 10, 1, 10))
    nudges, poster = nudges_for(store, clock, off={"U0BOB"})
    assert nudges.run() == 0  # 国庆节
    clock.set(at(2026, 10, 9, 9, 59))
    assert nudges.run() == 0
    clock.set(at(2026, 10, 9, 10, 0))
    assert nudges.run() == 1
    assert [n.owner for n in poster.posted] == ["U0ALICE"]


def test_each_owner_is_nudged_at_10_in_their_own_zone() -> None:
    store = store_with(
        ("c1", "双十二", [item("1", date(2026, 11, 25), "U0NYC"), item("2", date(2026, 11, 25), "U0DELHI")])
    )  # at 04:30 UTC it is 10:00 on the 25th in Kolkata, 23:30 on the 24th in New York: not due there yet
    zones = {"U0NYC": "America/New_York", "U0DELHI": "Asia/Kolkata"}
    clock = FixedClock(at(2026, 11, 25, 4, 30, UTC))
    nudges, poster = nudges_for(store, clock, zones=zones)
    assert nudges.run() == 1 and poster.posted[-1].owner == "U0DELHI"
    clock.set(at(2026, 11, 25, 14, 59, UTC))  # 09:59 in New York (EST)
    assert nudges.run() == 0
    clock.set(at(2026, 11, 25, 15, 0, UTC))
    assert nudges.run() == 1 and poster.posted[-1].owner == "U0NYC"
    assert poster.posted[-1].day == date(2026, 11, 25)


def test_a_failed_post_is_retried_by_the_sweep_once_and_a_new_day_supersedes_it() -> None:
    store = store_with(("c1", "双十二", [item("1", date(2026, 11, 25))]))
    clock = FixedClock(at(2026, 11, 25, 10))
    deliveries = FakeDeliveries()
    nudges, poster = nudges_for(store, clock, poster=RecordingPoster(failures=1), deliveries=deliveries)
    assert nudges.run() == 0 and nudges.sweep() == 0  # the retry is not due yet
    clock.set(at(2026, 11, 25, 10, 1))
    assert nudges.sweep() == 1 and nudges.sweep() == 0 and nudges.run() == 0
    assert len(poster.posted) == 1

    poster.failures = 1
    clock.set(at(2026, 11, 26, 10))
    assert nudges.run() == 0
    clock.set(at(2026, 11, 27, 10))  # the retry is due only on Friday, when Friday has its own nudge
    assert nudges.sweep() == 0
    assert nudges.run() == 1 and poster.posted[-1].day == date(2026, 11, 27)


def test_a_retry_after_everything_was_ticked_posts_nothing() -> None:
    store = store_with(("c1", "双十二", [item("1", date(2026, 11, 25))]))
    clock = FixedClock(at(2026, 11, 25, 10))
    nudges, poster = nudges_for(store, clock, poster=RecordingPoster(failures=1))
    nudges.run()
    store.set_done("c1", ["1"], True, "U0ALICE")
    clock.set(at(2026, 11, 25, 10, 5))
    assert nudges.sweep() == 0 and poster.posted == []


def test_a_long_list_is_capped_with_a_count_of_the_rest() -> None:
    nudge = nudge_for(
        "U0ALICE", [open_item(str(n), date(2026, 11, 25)) for n in range(23)], date(2026, 11, 25)
    )
    assert nudge is not None
    shown, more = nudge.listed()
    assert (len(shown), more) == (20, 3)


# -- ticking from the DM, opting out ----------------------------------------------------------------


def choices(store: FakeChecklistStore, optouts: FakeOptouts | None = None) -> NudgeChoices:
    people = FakePeople(members={"CC1": {"U0BOB"}})
    return NudgeChoices(store, optouts or FakeOptouts(), people, FixedClock(at(2026, 11, 25, 10)))


def test_the_owner_or_a_channel_member_ticks_an_item_and_a_stranger_is_refused() -> None:
    store = store_with(("c1", "双十二", [item("1", date(2026, 11, 25)), item("2", date(2026, 11, 25))]))
    with pytest.raises(NotAllowed, match="负责人"):
        choices(store).tick("c1", "1", "U0MALLORY")
    assert choices(store).tick("c1", "1", "U0ALICE").done
    assert choices(store).tick("c1", "2", "U0BOB").done
    assert store.open_items() == []
    with pytest.raises(NotFound):
        choices(store).tick("c1", "nope", "U0ALICE")


def test_nudges_are_turned_off_and_on_per_person() -> None:
    optouts = FakeOptouts()
    people = choices(store_with(), optouts)
    assert people.is_on("U0ALICE")
    assert people.turn_off("U0ALICE") and not people.turn_off("U0ALICE")
    assert not people.is_on("U0ALICE") and people.is_on("U0BOB")
    assert people.turn_on("U0ALICE") and people.is_on("U0ALICE")


def test_the_nudge_time_and_the_workspace_switch_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from bot.settings import Settings

    monkeypatch.setenv("OPSBOT_NUDGE_TIME", "9:30")
    monkeypatch.setenv("OPSBOT_NUDGES", "off")
    settings = Settings()
    assert (settings.nudge_at, settings.nudges) == (time(9, 30), False)
    assert Settings(nudge_time="10:00").nudge_time == "10:00"
    with pytest.raises(ValidationError, match="OPSBOT_NUDGE_TIME"):
        Settings(nudge_time="25:00")


def test_with_nudges_off_for_the_workspace_nobody_is_nudged() -> None:
    store = store_with(("c1", "双十二", [item("1", date(2026, 11, 25))]))
    nudges, poster = nudges_for(store, FixedClock(at(2026, 11, 25, 10)))
    nudges.enabled = False
    assert nudges.run() == 0 and poster.posted == []
