"""The use cases with in-memory stores and a frozen clock: no Slack, no SQL, no embedder."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.answering import Answerer, Retrieval, Scope
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.clock import FixedClock
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.models import Chunk, Passage
from bot.domain.when import OneOff
from bot.services.answers import AnswerService
from bot.services.checklists import ChecklistService
from bot.services.reminders import NoTarget, ReminderService
from bot.services.reviews import EmptyReview, ReviewService
from tests.fakes import (
    FakeAnswerStore,
    FakeChecklistStore,
    FakeKnowledgeSources,
    FakePeople,
    FakeReminderStore,
    FakeTimer,
    WeekdayCalendar,
)
from tests.unit.test_drafting import drafter

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def reminder_service(
    clock: FixedClock, store: FakeReminderStore | None = None, checklists: FakeChecklistStore | None = None
) -> tuple[ReminderService, FakeReminderStore, FakeTimer]:
    store = store or FakeReminderStore()
    timer = FakeTimer()
    service = ReminderService(
        store,
        checklists or FakeChecklistStore(),
        WeekdayCalendar(),
        clock,
        FakePeople(admins={"U0ADMIN"}, zones={"U0NYC": "America/New_York", "U0BAD": "Mars/Olympus"}),
        lambda: ["目标达成了吗?"],
        "Asia/Shanghai",
        timer,
    )
    return service, store, timer


def test_a_reminder_is_read_in_the_creators_time_zone_and_scheduled() -> None:
    service, store, timer = reminder_service(FixedClock(NOW))
    created = service.create("me tomorrow 9am call the agency", "U0NYC", "C1")
    assert created.reminder.channel == "U0NYC" and created.reminder.timezone == "America/New_York"
    assert isinstance(created.reminder.schedule, OneOff)
    assert created.reminder.schedule.at == datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert created.reminder.reminder_id in timer.scheduled and store.get(created.reminder.reminder_id)
    # An unknown time zone from the platform falls back to the team's.
    assert service.create("here in 10 minutes x", "U0BAD", "C1").reminder.timezone == "Asia/Shanghai"
    with pytest.raises(NoTarget):
        service.create("nowhere tomorrow 9am x", "U0NYC", "C1")


def test_cancel_follows_the_rule_and_unschedules() -> None:
    service, _, timer = reminder_service(FixedClock(NOW))
    reminder = service.create("here in 30 minutes 发周报", "U0ALICE", "C1").reminder
    with pytest.raises(NotAllowed):
        service.cancel(reminder.reminder_id, "U0MALLORY")
    assert service.cancel(f"`{reminder.reminder_id}`", "U0ADMIN").reminder_id == reminder.reminder_id
    assert reminder.reminder_id not in timer.scheduled
    with pytest.raises(NotFound):
        service.cancel(reminder.reminder_id, "U0ALICE")


def campaign(campaign_id: str = "c0ffee0001", end: date | None = date(2026, 12, 14)) -> Checklist:
    item = ChecklistItem("review-1", "复盘整个活动", date(2026, 12, 17), None, anchor="end", offset=3)
    tick = ChecklistItem("goal-1", "明确活动目的", date(2026, 11, 26), None, anchor="launch", offset=-12)
    return Checklist(
        Campaign(campaign_id, "双十二拉新活动", "acquisition", "用户拉新", date(2026, 12, 12), end),
        [Stage("goal", "目的", [tick]), Stage("review", "效果评估", [item])],
    )


def test_campaign_reviews_are_scheduled_and_moved_with_the_dates() -> None:
    checklists = FakeChecklistStore()
    service, store, _ = reminder_service(FixedClock(NOW), checklists=checklists)
    service.schedule_campaign_reviews(campaign(), "C1", "U0ALICE")
    times = sorted(r.schedule.at for r in store.active() if isinstance(r.schedule, OneOff))
    assert times == [datetime(2026, 12, 15, 10, tzinfo=SHANGHAI), datetime(2026, 12, 17, 10, tzinfo=SHANGHAI)]
    service.reschedule_campaign_reviews(campaign(end=date(2026, 12, 21)), "C1", "U0ALICE")
    moved = sorted(r.schedule.at for r in store.active() if isinstance(r.schedule, OneOff))
    assert moved == [datetime(2026, 12, 22, 10, tzinfo=SHANGHAI), datetime(2026, 12, 24, 10, tzinfo=SHANGHAI)]


def test_moving_dates_uses_each_items_own_anchor() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C1")
    service = ChecklistService(drafter(), store, FixedClock(NOW))
    moved = service.move_dates("双十二拉新活动 launch 2026-12-19 end 2026-12-21", "C1", "U0ALICE")
    due = {item.item_id: item.due for item in moved.checklist.items()}
    assert due["review-1"] == date(2026, 12, 24)  # three working days after the new end
    with pytest.raises(NotFound):
        service.move_dates("没有的活动 launch 2026-12-19", "C1", "U0ALICE")


def test_ticks_apply_only_what_changed() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C1")
    service = ChecklistService(drafter(), store, FixedClock(NOW))
    service.tick("c0ffee0001", ["goal-1"], [], ["goal-1"], "U0BOB", "C1")
    assert service.load("c0ffee0001").progress() == (1, 2)
    with pytest.raises(NotFound):
        service.export_markdown("nope", "C1")


def test_a_review_is_saved_only_for_an_existing_campaign() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C1")
    sources = FakeKnowledgeSources()
    saved: list[bool] = []
    service = ReviewService(
        store, lambda: ["目标达成了吗?"], sources, FixedClock(NOW), lambda: saved.append(True)
    )
    assert service.form_for("c0ffee0001", "C1", "U0LEAD").questions[0] == "目标达成了吗?"
    review = service.save("c0ffee0001", "C1", "U0LEAD", [("目标达成了吗?", "达成了 120%"), ("其他", " ")])
    assert "达成了 120%" in review.body and "其他" not in review.body and saved == [True]
    assert review.title.startswith("复盘 · ") and review.title.endswith("by <@U0LEAD>)")
    for bad in ("../../knowledge/x", "c0ffee9999", ""):
        with pytest.raises(NotFound):
            service.save(bad, "C1", "U0LEAD", [("q", "a")])
    with pytest.raises(EmptyReview):
        service.save("c0ffee0001", "C1", "U0LEAD", [("q", "  ")])
    again = service.save("c0ffee0001", "C1", "U0LEAD", [("目标达成了吗?", "又一次")])
    assert [s.source_id for s in sources.all()] == [review.source_id, again.source_id]
    assert review.source_id != again.source_id  # saved in the same second, neither overwrites the other


class OnePassage:
    def retrieve(self, question: str, limit: int, collections: Scope = None) -> Retrieval:
        chunk = Chunk(
            "c1", "knowledge/playbook.md", "互联网运营大揭秘 › 活动运营 › 宣传推广", "活动预热非常重要。"
        )
        return Retrieval([Passage(chunk, 0.9)], True)

    def topics(self) -> list[str]:
        return ["活动运营"]


def test_votes_need_an_answer_that_exists() -> None:
    store = FakeAnswerStore()
    service = AnswerService(Answerer(OnePassage(), None, 2000, 3), store)
    answer = service.answerer.answer("活动怎么预热?")
    answer_id = service.keep(answer, "U0ALICE")
    service.vote(answer_id, "U0BOB", "up")
    assert store.votes == {(answer_id, "U0BOB"): "up"}
    with pytest.raises(NotFound):
        service.vote("does-not-exist", "U0BOB", "up")
    assert service.stored(answer_id).answer.question == "活动怎么预热?"


def test_a_checklist_is_acted_on_only_from_its_own_channel() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C1")
    service = ChecklistService(drafter(), store, FixedClock(NOW))
    for act in (
        lambda: service.tick("c0ffee0001", ["goal-1"], [], ["goal-1"], "U0EVE", "C0OTHER"),
        lambda: service.set_owner("c0ffee0001", "goal", "U0EVE", "C0OTHER"),
        lambda: service.export_markdown("c0ffee0001", "C0OTHER"),
        lambda: service.tick("c0ffee0001", ["goal-1"], [], ["goal-1"], "U0EVE", ""),
    ):
        with pytest.raises(NotFound):
            act()
    assert service.load("c0ffee0001").progress() == (0, 2)
    with pytest.raises(NotFound):
        service.set_owner("c0ffee0001", "goal", "<!channel>", "C1")
    service.set_owner("c0ffee0001", "goal", "U0BOB", "C1")
    assert service.load("c0ffee0001").stages[0].items[0].owner == "U0BOB"


def test_a_review_is_opened_and_saved_only_for_the_channels_own_campaign() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C1")
    sources = FakeKnowledgeSources()
    service = ReviewService(store, lambda: ["目标达成了吗?"], sources, FixedClock(NOW))
    with pytest.raises(NotFound):
        service.form_for("c0ffee0001", "C0OTHER", "U0EVE")
    with pytest.raises(NotFound):
        service.save("c0ffee0001", "C0OTHER", "U0EVE", [("q", "a")])
    assert store.reviews == [] and sources.all() == []


def test_only_the_asker_may_share_a_private_answer() -> None:
    store = FakeAnswerStore()
    service = AnswerService(Answerer(OnePassage(), None, 2000, 3), store)
    answer_id = service.keep(service.answerer.answer("活动怎么预热?"), "U0ALICE")
    assert service.to_share(answer_id, "U0ALICE").answer_id == answer_id
    with pytest.raises(NotAllowed):
        service.to_share(answer_id, "U0EVE")
    with pytest.raises(NotFound):
        service.to_share("does-not-exist", "U0ALICE")
