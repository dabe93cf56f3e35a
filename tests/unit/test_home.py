"""App Home's rules with in-memory fakes and the frozen clock: what each section lists, who sees the
knowledge gaps, who may tick an item from Home, the caps, the progress bars, and who is republished."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.clock import FixedClock
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.gaps import NOT_COVERED
from bot.domain.reminders import Reminder
from bot.domain.when import OneOff
from bot.knowledge.text import tokenize
from bot.services.gaps import GapService
from bot.services.home import CampaignOverview, HomeRefresher, HomeService
from bot.slack.home import DONE_ACTION, MAX_BLOCKS, home_view, progress_bar
from tests.conftest import FROZEN_NOW, REPO
from tests.fakes import FakeChecklistStore, FakeGapStore, FakePeople, FakeReminderStore, WeekdayCalendar

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = FROZEN_NOW.date()  # Wednesday 2026-11-25
ALICE, BOB, EDITOR = "U0ALICE", "U0BOB", "U0EDITOR"


@dataclass
class FakeHomeViews:
    """`home_views` and the campaign overview, read from the fake checklist store."""

    checklists: FakeChecklistStore
    creators: dict[str, str] = field(default_factory=dict)
    opened: dict[str, float] = field(default_factory=dict)

    def record_open(self, user: str, at: float) -> None:
        self.opened[user] = at

    def viewers(self, among: Iterable[str] | None) -> set[str]:
        return set(self.opened) if among is None else set(among) & set(self.opened)

    def campaigns(self) -> list[CampaignOverview]:
        return [self._overview(campaign_id) for campaign_id in self.checklists.checklists]

    def campaign(self, campaign_id: str) -> CampaignOverview | None:
        return self._overview(campaign_id) if campaign_id in self.checklists.checklists else None

    def _overview(self, campaign_id: str) -> CampaignOverview:
        checklist = self.checklists.checklists[campaign_id]
        done, total = checklist.progress()
        c = checklist.campaign
        owners = frozenset(item.owner for item in checklist.items() if item.owner)
        channel = self.checklists.channels[campaign_id]
        creator = self.creators.get(campaign_id, "")
        return CampaignOverview(c.campaign_id, c.name, channel, creator, c.launch, c.end, done, total, owners)


@dataclass
class Home:
    service: HomeService
    checklists: FakeChecklistStore
    reminders: FakeReminderStore
    gaps: FakeGapStore
    views: FakeHomeViews
    clock: FixedClock

    def campaign(
        self,
        campaign_id: str,
        channel: str,
        items: list[ChecklistItem],
        created_by: str = "U0LEAD",
        launch: date | None = date(2026, 12, 12),
        end: date | None = date(2026, 12, 14),
    ) -> None:
        campaign = Campaign(campaign_id, f"活动{campaign_id}", "acquisition", "用户拉新", launch, end)
        self.checklists.save(Checklist(campaign, [Stage("plan", "活动策划", items)]), channel, created_by)
        self.views.creators[campaign_id] = created_by


def item(
    item_id: str, owner: str | None, due: date | None, done: bool = False, text: str = ""
) -> ChecklistItem:
    return ChecklistItem(item_id, text or f"事项{item_id}", due, None, owner, done)


@pytest.fixture
def home() -> Home:
    checklists, reminders, gaps = FakeChecklistStore(), FakeReminderStore(), FakeGapStore()
    views = FakeHomeViews(checklists)
    clock = FixedClock(FROZEN_NOW)
    people = FakePeople(members={"C0MINE": {ALICE, BOB, EDITOR}, "C0OTHER": {BOB}})
    service = HomeService(
        views,
        checklists,
        reminders,
        GapService(gaps, clock, tokenize),
        people,
        lambda user: user == EDITOR,
        WeekdayCalendar(),
        clock,
    )
    return Home(service, checklists, reminders, gaps, views, clock)


def test_my_items_are_grouped_overdue_due_today_and_upcoming(home: Home) -> None:
    home.campaign(
        "c1",
        "C0MINE",
        [
            item("later", ALICE, TODAY + timedelta(days=6)),
            item("undated", ALICE, None),
            item("today", ALICE, TODAY),
            item("late", ALICE, TODAY - timedelta(days=5)),
            item("ticked", ALICE, TODAY, done=True),
            item("bobs", BOB, TODAY),
        ],
    )
    model = home.service.home_of(ALICE)
    assert [i.item_id for i in model.overdue] == ["late"]
    assert [i.item_id for i in model.due_today] == ["today"]
    assert [i.item_id for i in model.upcoming] == ["later", "undated"]
    assert model.item_count == 4 and model.items_hidden == 0


def test_at_most_fifteen_items_are_shown_and_the_rest_are_counted(home: Home) -> None:
    home.campaign("c1", "C0MINE", [item(f"i{n}", ALICE, TODAY + timedelta(days=n - 3)) for n in range(20)])
    model = home.service.home_of(ALICE)
    assert len(model.overdue) == 3 and len(model.due_today) == 1 and len(model.upcoming) == 11
    assert model.items_hidden == 5 and model.item_count == 20
    rendered = json.dumps(home_view(model, ZONE), ensure_ascii=False)
    assert "My items (20)" in rendered and "and 5 more" in rendered
    assert rendered.count(DONE_ACTION) == 15


def test_campaigns_are_those_of_my_channels_or_that_i_made_or_own_items_in_with_progress(home: Home) -> None:
    home.campaign("mine", "C0MINE", [item("a", BOB, TODAY, done=True), item("b", None, TODAY)])
    home.campaign("made", "C0OTHER", [item("a", BOB, TODAY)], created_by=ALICE)
    home.campaign("owned", "C0OTHER", [item("a", ALICE, TODAY, done=True)], launch=date(2026, 12, 1))
    home.campaign("strangers", "C0OTHER", [item("a", BOB, TODAY)])
    home.campaign("long_over", "C0MINE", [item("a", ALICE, None)], launch=None, end=date(2026, 11, 1))
    home.campaign("just_over", "C0MINE", [item("a", BOB, None)], launch=None, end=date(2026, 11, 20))
    campaigns = home.service.home_of(ALICE).campaigns
    assert [c.campaign_id for c in campaigns] == ["owned", "made", "mine", "just_over"]
    mine = next(c for c in campaigns if c.campaign_id == "mine")
    assert (mine.done, mine.total) == (1, 2)
    rendered = json.dumps(home_view(home.service.home_of(ALICE), ZONE), ensure_ascii=False)
    assert "<#C0MINE>" in rendered and "▓▓▓▓▓░░░░░ 1/2" in rendered and "Campaigns (4)" in rendered


@pytest.mark.parametrize(
    ("done", "total", "bar"),
    [
        (8, 20, "▓▓▓▓░░░░░░ 8/20"),
        (0, 17, "░░░░░░░░░░ 0/17"),
        (19, 20, "▓▓▓▓▓▓▓▓▓░ 19/20"),
        (20, 20, "▓▓▓▓▓▓▓▓▓▓ 20/20"),
        (0, 0, "░░░░░░░░░░ 0/0"),
    ],
)
def test_the_progress_bar_is_full_only_when_everything_is_done(done: int, total: int, bar: str) -> None:
    assert progress_bar(done, total) == bar


def test_my_reminders_are_my_own_active_ones_soonest_first_with_their_next_run(home: Home) -> None:
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=ZONE)
    home.reminders.add(Reminder("later", ALICE, "周报", ALICE, "Asia/Shanghai", OneOff(friday)))
    home.reminders.add(
        Reminder("sooner", "C0MINE", "站会", ALICE, "Asia/Shanghai", OneOff(friday - timedelta(days=1)))
    )
    home.reminders.add(
        Reminder("passed", ALICE, "早过了", ALICE, "Asia/Shanghai", OneOff(FROZEN_NOW - timedelta(hours=1)))
    )
    home.reminders.add(Reminder("bobs", "C0MINE", "不是我的", BOB, "Asia/Shanghai", OneOff(friday)))
    cancelled = Reminder("gone", ALICE, "取消了", ALICE, "Asia/Shanghai", OneOff(friday), status="cancelled")
    home.reminders.add(cancelled)
    reminders = home.service.home_of(ALICE).reminders
    assert [(r.reminder.reminder_id, r.next_run) for r in reminders] == [
        ("sooner", friday - timedelta(days=1)),
        ("later", friday),
        ("passed", None),
    ]
    rendered = json.dumps(home_view(home.service.home_of(ALICE), ZONE), ensure_ascii=False)
    assert (
        "next 11/26 16:00" in rendered
        and "home_reminder_cancel" in rendered
        and "My reminders (3)" in rendered
    )


def test_only_knowledge_editors_see_the_open_gaps_with_answer_this(home: Home) -> None:
    home.gaps.add(NOT_COVERED, "怎么配置 Kubernetes?", BOB, "C0MINE", FROZEN_NOW.timestamp())
    editor = home.service.home_of(EDITOR)
    assert editor.gaps is not None and editor.gaps[0].representative.question == "怎么配置 Kubernetes?"
    assert "gap_answer" in json.dumps(home_view(editor, ZONE))
    other = home.service.home_of(ALICE)
    assert other.gaps is None
    rendered = json.dumps(home_view(other, ZONE), ensure_ascii=False)
    assert "gap_answer" not in rendered and "Knowledge gaps" not in rendered


def test_only_the_items_owner_may_mark_it_done_from_home(home: Home) -> None:
    home.campaign("c1", "C0MINE", [item("a", ALICE, TODAY), item("b", None, TODAY)])
    with pytest.raises(NotAllowed):
        home.service.complete_item(BOB, "c1", "a")
    with pytest.raises(NotAllowed):
        home.service.complete_item(ALICE, "c1", "b")  # nobody's item is nobody's to tick from Home
    with pytest.raises(NotFound):
        home.service.complete_item(ALICE, "c1", "nope")
    with pytest.raises(NotFound):
        home.service.complete_item(ALICE, "nope", "a")
    assert not home.checklists.checklists["c1"].items()[0].done
    home.service.complete_item(ALICE, "c1", "a")
    assert home.checklists.checklists["c1"].items()[0].done
    assert home.service.home_of(ALICE).item_count == 0


def test_a_full_home_stays_within_slacks_block_limit_and_mentions_stay_inert(home: Home) -> None:
    loud = "<!channel> <@U0BOSS> @here 注意"
    for n in range(30):
        home.campaign(f"c{n}", "C0MINE", [item(f"i{m}", EDITOR, TODAY, text=loud) for m in range(20)])
        home.reminders.add(
            Reminder(f"r{n}", EDITOR, loud, EDITOR, "Asia/Shanghai", OneOff(FROZEN_NOW + timedelta(days=1)))
        )
        home.gaps.add(NOT_COVERED, f"问题{n} {loud}", BOB, "C0MINE", FROZEN_NOW.timestamp() + n)
    view = home_view(home.service.home_of(EDITOR), ZONE)
    assert view["type"] == "home" and len(view["blocks"]) <= MAX_BLOCKS
    rendered = json.dumps(view, ensure_ascii=False)
    assert "<!channel>" not in rendered and "<@U0BOSS>" not in rendered and "@here " not in rendered
    assert "and 585 more" in rendered  # 600 items, 15 shown


def test_opening_home_is_remembered(home: Home) -> None:
    home.service.opened(ALICE)
    assert home.views.opened == {ALICE: FROZEN_NOW.timestamp()}


class Recorder:
    def __init__(self) -> None:
        self.published: list[str] = []
        self.queued: list[Callable[[], None]] = []

    def run_queued(self) -> None:
        while self.queued:
            self.queued.pop(0)()


def refresher(home: Home) -> tuple[HomeRefresher, Recorder]:
    recorder = Recorder()
    return HomeRefresher(home.service, recorder.published.append, recorder.queued.append), recorder


def test_home_is_republished_only_for_people_who_opened_it_and_off_the_calling_thread(home: Home) -> None:
    home.service.opened(ALICE)
    refresh, recorder = refresher(home)
    refresh.refresh([ALICE, BOB])
    assert recorder.published == []  # queued, not run by the caller
    refresh.refresh([ALICE])  # already waiting: not queued twice
    assert len(recorder.queued) == 1
    recorder.run_queued()
    assert recorder.published == [ALICE]
    refresh.refresh([ALICE])  # once published, a new change queues again
    recorder.run_queued()
    assert recorder.published == [ALICE, ALICE]


def test_a_campaign_change_republishes_its_owners_creator_and_channel_members_who_opened_home(
    home: Home,
) -> None:
    home.campaign("c1", "C0OTHER", [item("a", ALICE, TODAY)], created_by="U0LEAD")
    for user in (ALICE, BOB, EDITOR, "U0LEAD", "U0STRANGER"):
        home.service.opened(user)
    refresh, recorder = refresher(home)
    refresh.refresh_campaign("c1")
    recorder.run_queued()
    # Alice owns an item, the lead made it, Bob is in #other; the editor and the stranger are not.
    assert sorted(recorder.published) == sorted([ALICE, BOB, "U0LEAD"])


def test_the_manifest_enables_the_home_tab_and_its_event() -> None:
    manifest = yaml.safe_load((REPO / "manifest.yml").read_text(encoding="utf-8"))
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
