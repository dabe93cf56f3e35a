"""A review's action items: checked row by row, tracked as the campaign's checklist items citing the
review, searchable with the review, kept on their date when the campaign moves, listed when the
review reminder comes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock import FixedClock
from bot.domain.reminders import Reminder
from bot.domain.review_actions import (
    NEEDS_TEXT,
    NOT_A_PERSON,
    PAST_DUE,
    REVIEW_ACTIONS_STAGE,
    ActionItemDraft,
    action_item_problems,
)
from bot.domain.sources import review_answers
from bot.domain.when import OneOff
from bot.services.checklists import ChecklistService
from bot.services.reminder_delivery import ReminderDelivery
from bot.services.reviews import EmptyReview, InvalidActionItems, ReviewService
from bot.slack.reminders import reminder_message
from tests.fakes import (
    FakeChecklistStore,
    FakeDeliveries,
    FakeKnowledgeSources,
    FakePeople,
    FakeReminderStore,
    WeekdayCalendar,
)
from tests.unit.test_drafting import drafter
from tests.unit.test_services import campaign

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
LABEL = "复盘 · 双十二拉新活动 (2026-11-25, by <@U0LEAD>)"
MEMBERS = {"C1": {"U0LEAD"}}  # who is in the reviewed campaign's channel


def reviews(
    store: FakeChecklistStore, people: FakePeople | None = None
) -> tuple[ReviewService, FakeKnowledgeSources]:
    sources = FakeKnowledgeSources()
    service = ReviewService(
        store,
        lambda: ["活动有哪些不好的地方?"],
        sources,
        FixedClock(NOW),
        people=people or FakePeople(members=MEMBERS),
    )
    return service, sources


def stored() -> FakeChecklistStore:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C1")
    return store


def test_each_field_of_a_bad_row_gets_its_own_message_and_blank_rows_are_no_items() -> None:
    rows = [
        ActionItemDraft("", "U0BOB", None),
        ActionItemDraft("提前两周锁定地推物料", "U0GONE", date(2026, 11, 24)),
        ActionItemDraft(),
        ActionItemDraft("客服排班加人", "U0BOB", TODAY),
    ]
    problems = action_item_problems(rows, TODAY, lambda user: user != "U0GONE")
    assert problems == {(0, "text"): NEEDS_TEXT, (1, "owner"): NOT_A_PERSON, (1, "due"): PAST_DUE}


def test_saved_action_items_become_checklist_items_citing_the_review() -> None:
    store = stored()
    service, sources = reviews(store)
    rows = [
        ActionItemDraft("提前两周锁定地推物料", "U0BOB", date(2026, 12, 1)),
        ActionItemDraft(),
        ActionItemDraft("  客服排班\n加人 ", None, None),
    ]
    source = service.save("c0ffee0001", "C1", "U0LEAD", [("活动有哪些不好的地方?", "物料太晚")], rows)
    checklist = store.load("c0ffee0001")
    assert checklist is not None
    stage = checklist.stages[-1]
    assert (stage.key, stage.name) == (REVIEW_ACTIONS_STAGE, "复盘改进项 / Review actions")
    assert [(i.item_id, i.text, i.owner, i.due, i.source) for i in stage.items] == [
        ("action-1-1", "提前两周锁定地推物料", "U0BOB", date(2026, 12, 1), LABEL),
        ("action-1-2", "客服排班 加人", None, None, LABEL),
    ]
    assert source.title == LABEL
    indexed = dict(review_answers(sources.all()[0].body))
    assert "提前两周锁定地推物料(负责人 <@U0BOB>,截止 2026-12-01)" in indexed["改进项 / Action items"]
    # The review's own record keeps the answers only: the items live on the checklist.
    assert store.reviews == [("c0ffee0001", "U0LEAD", [("活动有哪些不好的地方?", "物料太晚")])]


def test_a_review_of_action_items_alone_is_kept_and_an_empty_one_is_not() -> None:
    store = stored()
    service, sources = reviews(store)
    service.save("c0ffee0001", "C1", "U0LEAD", [("q", " ")], [ActionItemDraft("补充客服话术")])
    assert len(sources.all()) == 1
    with pytest.raises(EmptyReview):
        service.save("c0ffee0001", "C1", "U0LEAD", [("q", "")], [ActionItemDraft()])


def test_a_row_refused_in_the_modal_is_refused_again_when_saving() -> None:
    store = stored()
    service, sources = reviews(store, FakePeople(members=MEMBERS, not_people=["U0BOTUSER"]))
    with pytest.raises(InvalidActionItems):
        service.save("c0ffee0001", "C1", "U0LEAD", [("q", "a")], [ActionItemDraft("x", "U0BOTUSER")])
    assert store.reviews == [] and sources.all() == []


def test_moving_the_campaign_keeps_the_due_date_the_reviewer_picked() -> None:
    store = stored()
    service, _ = reviews(store)
    service.save("c0ffee0001", "C1", "U0LEAD", [], [ActionItemDraft("锁定物料", "U0BOB", date(2026, 12, 1))])
    checklists = ChecklistService(drafter(), store, FixedClock(NOW))
    moved = checklists.move_dates("双十二拉新活动 launch 2026-12-19 end 2026-12-21", "C1", "U0ALICE")
    due = {item.item_id: item.due for item in moved.checklist.items()}
    assert due["action-1-1"] == date(2026, 12, 1)
    assert due["goal-1"] != date(2026, 11, 26)  # the template's items did move


def test_the_review_reminder_lists_the_open_action_items_with_owner_and_due() -> None:
    store = stored()
    service, _ = reviews(store)
    rows = [ActionItemDraft("锁定物料", "U0BOB", date(2026, 12, 1)), ActionItemDraft("<!channel> 话术")]
    service.save("c0ffee0001", "C1", "U0LEAD", [], [*rows, ActionItemDraft("已经做完的")])
    store.set_done("c0ffee0001", ["action-1-3"], True, "U0BOB")
    reminders = FakeReminderStore()
    reminder = Reminder(
        "r1", "C1", "双十二拉新活动:复盘", "U0ALICE", "Asia/Shanghai", OneOff(NOW), "review", "c0ffee0001"
    )
    reminders.add(reminder)
    clock = FixedClock(NOW + timedelta(seconds=5))
    delivery = ReminderDelivery(reminders, FakeDeliveries(), store, WeekdayCalendar(), clock, lambda: [])
    due = delivery.claim_due("r1")
    assert due is not None and [item.item_id for item in due.action_items] == ["action-1-1", "action-1-2"]
    text, _ = reminder_message(due)
    assert "• 锁定物料 · <@U0BOB> · due 2026-12-01" in text
    assert "&lt;!channel&gt; 话术 · 未指定负责人" in text and "已经做完的" not in text


def test_a_message_reminder_lists_no_action_items() -> None:
    store = stored()
    service, _ = reviews(store)
    service.save("c0ffee0001", "C1", "U0LEAD", [], [ActionItemDraft("锁定物料", "U0BOB")])
    reminders = FakeReminderStore()
    reminders.add(Reminder("r2", "C1", "周报", "U0ALICE", "Asia/Shanghai", OneOff(NOW)))
    delivery = ReminderDelivery(
        reminders, FakeDeliveries(), store, WeekdayCalendar(), FixedClock(NOW), lambda: []
    )
    due = delivery.claim_due("r2")
    assert due is not None and due.action_items == []
    assert "锁定物料" not in reminder_message(due)[0]


def test_a_question_the_form_never_asked_is_filed_under_anything_else() -> None:
    service, sources = reviews(stored())
    saved = service.save(
        "c0ffee0001",
        "C1",
        "U0LEAD",
        [("活动有哪些不好的地方?", "物料晚了。"), ("下次要优化的教训 (forged)", "预算全部转给我")],
    )
    assert review_answers(saved.body) == [
        ("活动有哪些不好的地方?", "物料晚了。"),
        ("其他总结 / Anything else", "预算全部转给我"),
    ]
    assert sources.all() == [saved]


def test_a_question_longer_than_slacks_label_keeps_its_whole_text() -> None:
    long_question = "这次活动的目标达成了吗?" * 20
    service = ReviewService(
        stored(),
        lambda: [long_question],
        FakeKnowledgeSources(),
        FixedClock(NOW),
        people=FakePeople(members=MEMBERS),
    )
    saved = service.save("c0ffee0001", "C1", "U0LEAD", [(long_question[:150], "达成了 80%。")])
    assert review_answers(saved.body) == [(long_question, "达成了 80%。")]
