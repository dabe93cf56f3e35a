"""The next checklist of the same kind starts with "上次复盘的改进项": the open action items of the last
reviewed campaigns (owner kept, due before the new launch, citing their review) and the last review's
lessons; other kinds, other channels and ticked items are left alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.adapters.holiday_calendar import ChinaWorkCalendar
from bot.domain.carry_over import LAST_REVIEW_NAME, LAST_REVIEW_STAGE, lessons_of, open_action_items
from bot.domain.checklists import Checklist
from bot.domain.clock import FixedClock
from bot.domain.review_actions import ActionItemDraft
from bot.services.carry_over import CarryOver
from bot.services.checklists import ChecklistService
from bot.services.reviews import ReviewService
from tests.fakes import FakeChecklistStore, FakeKnowledgeSources
from tests.unit.test_drafting import drafter

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)
IMPROVE = "活动有哪些不好的地方,需要怎么样优化和调整?"
LABEL = "复盘 · 双十一拉新活动 (2026-11-25, by <@U0LEAD>)"


class Team:
    """Checklists drafted and reviewed in channels, on one frozen clock."""

    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.store = FakeChecklistStore()
        self.checklists = ChecklistService(drafter(), self.store, self.clock)
        self.checklists.carry_over = CarryOver(self.store, ChinaWorkCalendar(), self.clock)
        self.reviews = ReviewService(self.store, lambda: [IMPROVE], FakeKnowledgeSources(), self.clock)

    def draft(self, text: str, channel: str = "C1") -> Checklist:
        """Drafted, then posted in the channel (which closes the earlier items it carries over)."""
        checklist = self.checklists.draft(text, channel, "U0ALICE")
        self.checklists.posted(checklist, channel, "1800000000.000100", "U0ALICE")
        return checklist

    def review(
        self, checklist: Checklist, lessons: str, *actions: ActionItemDraft, channel: str = "C1"
    ) -> None:
        answers = [("对于活动用户的反馈如何?", "整体不错"), (IMPROVE, lessons)]
        self.reviews.save(checklist.campaign.campaign_id, channel, "U0LEAD", answers, list(actions))


def last_review(checklist: Checklist) -> list[tuple[str, str, str | None, date | None, str | None]]:
    stage = next((s for s in checklist.stages if s.key == LAST_REVIEW_STAGE), None)
    assert stage is None or stage.name == LAST_REVIEW_NAME
    return [(i.item_id, i.text, i.owner, i.due, i.source) for i in stage.items] if stage else []


def test_lessons_are_the_sentences_answering_what_to_improve() -> None:
    answers = [
        ("对于活动用户的反馈如何?", "用户说奖品太少。"),
        (IMPROVE, "1. 渠道投放开始得太晚;\n- 地推物料没有提前确认。下次至少提前两周锁定!"),
        ("改进项 / Action items", "- 不是教训"),
    ]
    assert lessons_of(answers) == ["渠道投放开始得太晚", "地推物料没有提前确认", "下次至少提前两周锁定"]


def test_the_next_campaign_of_the_kind_carries_the_open_items_and_the_lessons() -> None:
    team = Team()
    first = team.draft("双十一拉新活动 launch 2026-12-01 end 2026-12-03")
    team.review(
        first,
        "渠道投放开始得太晚。地推物料没有提前确认。",
        ActionItemDraft("提前两周锁定地推物料", "U0BOB", date(2026, 12, 10)),
        ActionItemDraft("客服话术提前准备", None, None),
        ActionItemDraft("已经做完的一项", "U0BOB", None),
    )
    team.store.set_done(first.campaign.campaign_id, ["action-1-3"], True, "U0BOB")
    team.clock.advance(timedelta(days=2))

    second = team.draft("双十二拉新活动 launch 2026-12-21 end 2026-12-23")
    # Five working days before the launch on 12/21 (a Monday) is Monday 12/14.
    assert last_review(second) == [
        ("carry-1", "提前两周锁定地推物料", "U0BOB", date(2026, 12, 14), LABEL),
        ("carry-2", "客服话术提前准备", None, date(2026, 12, 14), LABEL),
        ("lesson-1", "渠道投放开始得太晚", None, None, LABEL),
        ("lesson-2", "地推物料没有提前确认", None, None, LABEL),
    ]
    assert last_review(team.checklists.load(second.campaign.campaign_id)) == last_review(second)
    markdown = second.to_markdown()
    assert "## 上次复盘的改进项" in markdown
    assert f"- [ ] 提前两周锁定地推物料 (due 2026-12-14 · owner U0BOB · 来源:{LABEL})" in markdown
    # The earlier campaign no longer tracks what the new one now tracks: nobody is nudged twice.
    assert open_action_items(team.checklists.load(first.campaign.campaign_id)) == []


def test_another_kind_or_another_channel_gets_no_such_stage() -> None:
    team = Team()
    first = team.draft("双十一拉新活动 launch 2026-12-01 end 2026-12-03")
    team.review(first, "渠道投放开始得太晚。", ActionItemDraft("锁定物料", "U0BOB"))
    brand = team.draft("品牌周年庆品牌曝光活动 launch 2026-12-21")
    assert brand.campaign.kind != first.campaign.kind and last_review(brand) == []
    elsewhere = team.draft("双十二拉新活动 launch 2026-12-21", channel="C2")
    assert last_review(elsewhere) == []
    # Nothing was closed by those drafts.
    assert [i.item_id for i in open_action_items(team.checklists.load(first.campaign.campaign_id))] == [
        "action-1-1"
    ]


def test_an_unreviewed_kind_and_a_review_without_lessons_or_open_items_add_nothing() -> None:
    team = Team()
    team.draft("双十一拉新活动 launch 2026-12-01")
    assert last_review(team.draft("双十二拉新活动 launch 2026-12-21")) == []
    reviewed = team.draft("元旦拉新活动 launch 2026-12-28")
    team.reviews.save(reviewed.campaign.campaign_id, "C1", "U0LEAD", [("对于活动用户的反馈如何?", "很好")])
    assert last_review(team.draft("春节拉新活动 launch 2027-01-20")) == []


def test_open_items_follow_campaign_after_campaign_each_citing_its_own_review() -> None:
    team = Team()
    oldest = team.draft("十月拉新活动 launch 2026-12-01")
    team.review(oldest, "教训一。", ActionItemDraft("最早的改进项"))
    team.clock.advance(timedelta(minutes=1))
    middle = team.draft("十一月拉新活动 launch 2026-12-02")
    assert [t for _, t, *_ in last_review(middle)] == ["最早的改进项", "教训一"]
    team.review(middle, "教训二。", ActionItemDraft("中间的改进项"))
    team.clock.advance(timedelta(minutes=1))
    newest = team.draft("十二月拉新活动 launch 2026-12-03")
    team.review(newest, "教训三。", ActionItemDraft("最新的改进项"))
    team.clock.advance(timedelta(minutes=1))
    next_one = team.draft("元旦拉新活动 launch 2026-12-28")
    # Each item came along once (no copies of copies), still citing the review it came from; only
    # the last review's lessons are there.
    assert [(t, s) for _, t, _, _, s in last_review(next_one)] == [
        ("最早的改进项", "复盘 · 十月拉新活动 (2026-11-25, by <@U0LEAD>)"),
        ("中间的改进项", "复盘 · 十一月拉新活动 (2026-11-25, by <@U0LEAD>)"),
        ("最新的改进项", "复盘 · 十二月拉新活动 (2026-11-25, by <@U0LEAD>)"),
        ("教训三", "复盘 · 十二月拉新活动 (2026-11-25, by <@U0LEAD>)"),
    ]


def test_only_the_two_most_recently_reviewed_campaigns_are_carried_from() -> None:
    team = Team()
    drafted = [team.draft(f"{month}拉新活动 launch 2026-12-20") for month in ("九月", "十月", "十一月")]
    for checklist in drafted:  # all drafted before any review: nothing was carried between them
        team.review(checklist, "", ActionItemDraft(f"{checklist.campaign.name}的改进项"))
        team.clock.advance(timedelta(minutes=1))
    carried = [t for _, t, *_ in last_review(team.draft("十二月拉新活动 launch 2026-12-28"))]
    assert carried == ["十一月拉新活动的改进项", "十月拉新活动的改进项"]


def test_without_dates_carried_items_have_no_due_date_until_the_campaign_gets_one() -> None:
    team = Team()
    first = team.draft("双十一拉新活动 launch 2026-12-01")
    team.review(first, "", ActionItemDraft("锁定物料", "U0BOB"))
    undated = team.draft("双十二拉新活动")
    assert last_review(undated) == [("carry-1", "锁定物料", "U0BOB", None, LABEL)]
    moved = team.checklists.move_dates("双十二拉新活动 launch 2026-12-21", "C1", "U0ALICE")
    assert last_review(moved.checklist)[0][3] == date(2026, 12, 14)
