"""The morning digest with in-memory stores and a frozen clock: who gets it on which day, what it says,
and that it is posted once per channel and day, retried after a passing failure."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.clock import FixedClock, parse_time_of_day
from bot.domain.morning_digest import Digest, by_due, progress_bar
from bot.services.morning_digest import MorningDigest
from bot.services.ports import DeliveryKey
from bot.services.reminder_delivery import RetryPolicy
from bot.settings import Settings
from bot.slack.morning_digest import digest_blocks, digest_text
from tests.fakes import FakeChecklistStore, FakeDeliveries

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
TODAY = WEDNESDAY.date()


class MakeUpCalendar:
    """Monday–Friday, with a day off and a make-up Saturday (调休) as the holiday file gives them."""

    def __init__(self, off: set[date] | None = None, make_up: set[date] | None = None) -> None:
        self.off = off or set()
        self.make_up = make_up or set()

    def is_workday(self, day: date) -> bool:
        return day in self.make_up or (day.weekday() < 5 and day not in self.off)

    def is_official(self, year: int) -> bool:
        return True


class RecordingPoster:
    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.posted: list[Digest] = []
        self.failures = failures or []

    def post_morning_digest(self, digest: Digest) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.posted.append(digest)


class PermanentError(Exception):
    pass


def item(item_id: str, due: date | None, owner: str | None = None, done: bool = False) -> ChecklistItem:
    return ChecklistItem(item_id, f"事项 {item_id}", due, None, owner=owner, done=done)


def checklist(campaign_id: str, name: str, items: list[ChecklistItem]) -> Checklist:
    campaign = Campaign(campaign_id, name, "acquisition", "用户拉新", None, None)
    return Checklist(campaign, [Stage("prep", "准备", items)])


def store_with_campaigns() -> FakeChecklistStore:
    store = FakeChecklistStore()
    yesterday, tomorrow = TODAY - timedelta(days=1), TODAY + timedelta(days=1)
    store.save(
        checklist(
            "c1",
            "双十二拉新活动",
            [
                item("a", yesterday, "U0CAROL"),
                item("b", TODAY, "U0BOB"),
                item("c", tomorrow, "U0BOB"),
                item("d", yesterday, done=True),
            ],
        ),
        channel="C0CAMPAIGN",
    )
    store.save(checklist("c2", "元旦促销", [item("e", tomorrow)]), channel="C0QUIET")
    store.save(checklist("c3", "年货节", [item("f", TODAY - timedelta(days=3))]), channel="C0OTHER")
    return store


def digest_service(
    store: FakeChecklistStore,
    clock: FixedClock,
    poster: RecordingPoster,
    deliveries: FakeDeliveries | None = None,
    calendar: MakeUpCalendar | None = None,
    at: time | None = time(9, 30),
) -> MorningDigest:
    return MorningDigest(
        store,
        deliveries or FakeDeliveries(),
        clock,
        calendar or MakeUpCalendar(),
        poster,
        at,
        claim_s=120.0,
        policy=RetryPolicy((30.0, 120.0), 120.0),
        is_transient=lambda error: not isinstance(error, PermanentError),
    )


def test_each_channel_with_something_due_gets_one_digest_and_a_quiet_channel_none() -> None:
    poster = RecordingPoster()
    assert digest_service(store_with_campaigns(), FixedClock(WEDNESDAY), poster).run() == 2
    assert sorted(d.channel for d in poster.posted) == ["C0CAMPAIGN", "C0OTHER"]


def test_the_digest_says_what_is_due_today_what_is_overdue_and_the_progress() -> None:
    digest = digest_service(store_with_campaigns(), FixedClock(WEDNESDAY), RecordingPoster()).compose_all(
        TODAY
    )["C0CAMPAIGN"]
    [campaign] = digest.campaigns
    assert (campaign.name, campaign.done, campaign.total) == ("双十二拉新活动", 1, 4)
    assert [i.item_id for i in campaign.today] == ["b"] and [i.item_id for i in campaign.overdue] == ["a"]
    rendered = json.dumps(digest_blocks(digest), ensure_ascii=False)
    assert "1 项今天到期,1 项已逾期" in digest_text(digest)
    assert "事项 b" in rendered and "事项 a" in rendered and "事项 c" not in rendered
    assert "<@U0CAROL>" in rendered and "overdue since 11/24" in rendered
    assert "▓▓░░░░░░░░ 1/4" in rendered


def test_the_weekend_is_quiet_but_a_make_up_saturday_is_a_working_day() -> None:
    saturday = WEDNESDAY + timedelta(days=3)
    poster = RecordingPoster()
    assert digest_service(store_with_campaigns(), FixedClock(saturday), poster).run() == 0
    make_up = MakeUpCalendar(make_up={saturday.date()})
    # Saturday: 元旦促销's item due on Thursday is overdue now, so its channel hears of it too.
    assert digest_service(store_with_campaigns(), FixedClock(saturday), poster, calendar=make_up).run() == 3
    holiday = MakeUpCalendar(off={TODAY})
    assert digest_service(store_with_campaigns(), FixedClock(WEDNESDAY), poster, calendar=holiday).run() == 0
    assert len(poster.posted) == 3


def test_a_day_with_nothing_due_and_nothing_overdue_posts_nothing() -> None:
    store = FakeChecklistStore()
    store.save(checklist("c1", "双十二", [item("a", TODAY + timedelta(days=2)), item("b", None)]), "C1")
    store.save(checklist("c2", "年货节", [item("c", TODAY, done=True)]), "C2")
    poster = RecordingPoster()
    assert digest_service(store, FixedClock(WEDNESDAY), poster).run() == 0
    assert poster.posted == []


def test_a_second_run_the_same_day_posts_nothing_and_the_next_working_day_posts_again() -> None:
    store, deliveries, clock, poster = (
        store_with_campaigns(),
        FakeDeliveries(),
        FixedClock(WEDNESDAY),
        RecordingPoster(),
    )
    assert digest_service(store, clock, poster, deliveries).run() == 2
    assert digest_service(store, clock, poster, deliveries).run() == 0  # another process, a restart
    clock.advance(timedelta(days=1))
    assert digest_service(store, clock, poster, deliveries).run() == 3  # 元旦促销's item is due now
    assert DeliveryKey("morning:C0CAMPAIGN", "2026-11-26") in deliveries.rows


def test_nothing_is_posted_before_the_time_or_when_turned_off() -> None:
    early = FixedClock(WEDNESDAY.replace(hour=0, minute=10))  # yesterday's run firing late, after midnight
    poster = RecordingPoster()
    assert digest_service(store_with_campaigns(), early, poster).run() == 0
    assert digest_service(store_with_campaigns(), FixedClock(WEDNESDAY), poster, at=None).run() == 0
    assert poster.posted == []


def test_a_passing_failure_is_retried_by_the_sweep_and_posted_once() -> None:
    store, deliveries, clock = store_with_campaigns(), FakeDeliveries(), FixedClock(WEDNESDAY)
    poster = RecordingPoster([TimeoutError()])
    service = digest_service(store, clock, poster, deliveries)
    service.run()
    assert len(poster.posted) == 1  # the other channel went out
    clock.advance(timedelta(seconds=29))
    assert service.sweep() == 0
    clock.advance(timedelta(seconds=2))
    assert service.sweep() == 1
    assert service.sweep() == 0 and service.run() == 0
    assert sorted(d.channel for d in poster.posted) == ["C0CAMPAIGN", "C0OTHER"]


def test_a_permanent_failure_is_marked_failed_and_never_retried() -> None:
    deliveries, clock = FakeDeliveries(), FixedClock(WEDNESDAY)
    poster = RecordingPoster([PermanentError("not_in_channel")])
    service = digest_service(store_with_campaigns(), clock, poster, deliveries)
    service.run()
    failed = [key for key, row in deliveries.rows.items() if row["status"] == "failed"]
    assert len(failed) == 1 and failed[0].due == "2026-11-25"
    clock.advance(timedelta(hours=1))
    assert service.sweep() == 0 and service.run() == 0 and len(poster.posted) == 1


def test_a_retry_left_until_the_next_day_is_dropped_not_posted_late() -> None:
    deliveries, clock = FakeDeliveries(), FixedClock(WEDNESDAY)
    service = digest_service(store_with_campaigns(), clock, RecordingPoster([TimeoutError()]), deliveries)
    service.run()
    clock.advance(timedelta(days=1))
    assert service.sweep() == 0
    assert all(row["status"] in ("sent", "failed") for row in deliveries.rows.values())


def test_item_text_never_notifies_but_owners_are_mentioned() -> None:
    store = FakeChecklistStore()
    sneaky = ChecklistItem("x", "<!channel> 确认 <@U0BOSS>", TODAY, None, owner="U0CAROL")
    store.save(checklist("c1", "<!here> 双十二", [sneaky]), channel="C1")
    digest = digest_service(store, FixedClock(WEDNESDAY), RecordingPoster()).compose_all(TODAY)["C1"]
    rendered = json.dumps(digest_blocks(digest), ensure_ascii=False)
    assert "<!channel>" not in rendered and "<!here>" not in rendered and "<@U0BOSS>" not in rendered
    assert "&lt;!channel&gt;" in rendered and "<@U0CAROL>" in rendered


def test_a_long_digest_stays_within_slacks_limits() -> None:
    store = FakeChecklistStore()
    for number in range(60):
        items = [item(f"i{n}", TODAY - timedelta(days=n % 3), "U0BOB") for n in range(30)]
        store.save(checklist(f"c{number}", f"活动 {number} " + "很长的名字" * 40, items), channel="C1")
    digest = digest_service(store, FixedClock(WEDNESDAY), RecordingPoster()).compose_all(TODAY)["C1"]
    blocks = digest_blocks(digest)
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "+15 campaigns" in json.dumps(blocks[-1], ensure_ascii=False)


def test_times_bars_and_grouping_read_as_people_write_them() -> None:
    assert parse_time_of_day("9:05") == time(9, 5)
    for bad in ("25:00", "9.30", "morning", ""):
        with pytest.raises(ValueError):
            parse_time_of_day(bad)
    assert progress_bar(0, 0) == "░░░░░░░░░░ 0/0" and progress_bar(19, 19).startswith("▓" * 10)
    store = store_with_campaigns()
    grouped = by_due(store.open_items(), TODAY)
    assert [len(g) for g in (grouped.overdue, grouped.today, grouped.upcoming, grouped.undated)] == [
        2,
        1,
        2,
        0,
    ]


def test_the_time_and_the_off_switch_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().morning_digest_at == time(9, 30)
    monkeypatch.setenv("OPSBOT_MORNING_DIGEST_TIME", "8:05")
    assert Settings().morning_digest_at == time(8, 5)
    monkeypatch.setenv("OPSBOT_MORNING_DIGEST", "off")
    assert Settings().morning_digest_at is None
    monkeypatch.setenv("OPSBOT_MORNING_DIGEST_TIME", "half past nine")
    with pytest.raises(ValidationError, match="OPSBOT_MORNING_DIGEST_TIME"):
        Settings()
