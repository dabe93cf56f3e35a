"""App Home as use cases: what one person's Home shows, ticking their own item from it, and keeping
the Home of everyone who opened it current when their items, campaigns or reminders change.

The Slack side (bot/slack/home.py) only renders the `HomeModel` built here and publishes it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.domain.checklists import OpenItem
from bot.domain.clock import Clock, now_in
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.gaps import GapGroup
from bot.domain.recurrence import next_firings
from bot.domain.reminders import Reminder
from bot.domain.working_days import WorkCalendar
from bot.services.ports import ChecklistStore, People, ReminderStore

log = logging.getLogger(__name__)

ITEMS_SHOWN = 15
CAMPAIGNS_SHOWN = 10
REMINDERS_SHOWN = 15
GAP_GROUPS_SHOWN = 10
# A campaign stays on Home for two weeks after it ended (its evaluation and review happen then).
ENDED_CAMPAIGNS_KEPT = timedelta(days=14)

NO_SUCH_ITEM = "这一项已不存在 / That item no longer exists."
NOT_YOUR_ITEM = "只有这一项的负责人可以在主页上完成它 / Only the item's owner can mark it done from Home."


@dataclass(frozen=True)
class CampaignOverview:
    """A campaign as Home lists it: where it lives, who made it, who owns its items, its progress."""

    campaign_id: str
    name: str
    channel: str
    created_by: str
    launch: date | None
    end: date | None
    done: int
    total: int
    owners: frozenset[str] = frozenset()

    def over_before(self, day: date) -> bool:
        """Ended (or, undated at the end, launched) more than two weeks before `day`."""
        last = self.end or self.launch
        return last is not None and last + ENDED_CAMPAIGNS_KEPT < day


class HomeViews(Protocol):
    """Who opened App Home (the `home_views` table), and the campaigns it lists."""

    def record_open(self, user: str, at: float) -> None: ...

    def viewers(self, among: Iterable[str] | None) -> set[str]:
        """Those of `among` (None: of everyone) who have opened Home at least once."""
        ...

    def campaigns(self) -> list[CampaignOverview]: ...

    def campaign(self, campaign_id: str) -> CampaignOverview | None: ...


class OpenGaps(Protocol):
    """The knowledge gaps grouped as `/ops gaps` shows them (bot/services/gaps.py)."""

    def groups(self) -> list[GapGroup]: ...


@dataclass(frozen=True)
class UpcomingReminder:
    reminder: Reminder
    next_run: datetime | None  # None: a one-off whose time has passed without being posted yet


@dataclass(frozen=True)
class HomeModel:
    """Everything one person's Home shows, capped; `*_hidden` says how many more there are."""

    user: str
    today: date
    overdue: list[OpenItem]
    due_today: list[OpenItem]
    upcoming: list[OpenItem]
    items_hidden: int
    campaigns: list[CampaignOverview]
    campaigns_hidden: int
    reminders: list[UpcomingReminder]
    reminders_hidden: int
    gaps: list[GapGroup] | None  # None: not a knowledge editor, so the section is not shown
    gaps_hidden: int = 0

    @property
    def item_count(self) -> int:
        return len(self.overdue) + len(self.due_today) + len(self.upcoming) + self.items_hidden


def group_items(
    items: list[OpenItem], today: date, limit: int = ITEMS_SHOWN
) -> tuple[list[OpenItem], list[OpenItem], list[OpenItem], int]:
    """Overdue, due today and later (undated last), filled in that order up to `limit`; how many
    more there are."""
    overdue = [item for item in items if item.overdue_on(today)]
    due_today = [item for item in items if item.due == today]
    later = [item for item in items if item.due is None or item.due > today]
    later.sort(key=lambda item: (item.due is None, item.due or today))
    shown: list[list[OpenItem]] = []
    room = limit
    for group in (overdue, due_today, later):
        shown.append(group[:room])
        room -= len(shown[-1])
    return shown[0], shown[1], shown[2], len(items) - sum(len(group) for group in shown)


class HomeService:
    """Builds a person's Home and applies what its buttons do; who may do what is decided here."""

    def __init__(
        self,
        views: HomeViews,
        checklists: ChecklistStore,
        reminders: ReminderStore,
        gaps: OpenGaps | None,
        people: People,
        is_editor: Callable[[str], bool],
        calendar: WorkCalendar,
        clock: Clock,
    ) -> None:
        self._views = views
        self._checklists = checklists
        self._reminders = reminders
        self._gaps = gaps
        self._people = people
        self._is_editor = is_editor
        self._calendar = calendar
        self._clock = clock

    def opened(self, user: str) -> None:
        """Remember the person opened Home: from now on changes republish it."""
        self._views.record_open(user, self._clock.now().timestamp())

    def home_of(self, user: str) -> HomeModel:
        today = self._clock.today()
        items = self._checklists.open_items(owner=user)
        overdue, due_today, upcoming, hidden = group_items(items, today)
        campaigns = self.campaigns_of(user, today)
        reminders = self.reminders_of(user)
        gaps = self._gaps.groups() if self._gaps is not None and self._is_editor(user) else None
        return HomeModel(
            user,
            today,
            overdue,
            due_today,
            upcoming,
            hidden,
            campaigns[:CAMPAIGNS_SHOWN],
            max(0, len(campaigns) - CAMPAIGNS_SHOWN),
            reminders[:REMINDERS_SHOWN],
            max(0, len(reminders) - REMINDERS_SHOWN),
            None if gaps is None else gaps[:GAP_GROUPS_SHOWN],
            0 if gaps is None else max(0, len(gaps) - GAP_GROUPS_SHOWN),
        )

    def campaigns_of(self, user: str, today: date) -> list[CampaignOverview]:
        """Current campaigns the person made, owns items in, or whose channel they belong to;
        soonest first, undated last. Channel membership is asked last (it may cost a Slack call)."""
        current = [c for c in self._views.campaigns() if not c.over_before(today)]
        theirs = [
            c
            for c in current
            if user == c.created_by or user in c.owners or self._people.is_member(c.channel, user)
        ]
        return sorted(theirs, key=lambda c: (c.launch is None, c.launch or today, c.name))

    def reminders_of(self, user: str) -> list[UpcomingReminder]:
        """The person's own active reminders with their next firing, soonest first."""
        upcoming = []
        for reminder in self._reminders.active():
            if reminder.creator != user:
                continue
            try:
                now = now_in(self._clock, reminder.timezone)
                runs = next_firings(reminder.schedule, now, self._calendar.is_workday, count=1)
            except (ValueError, KeyError, OSError, OverflowError):
                runs = []  # a zone or rule this version cannot read: listed without a next time
            upcoming.append(UpcomingReminder(reminder, runs[0] if runs else None))
        far = datetime.max.replace(tzinfo=self._clock.now().tzinfo)
        return sorted(upcoming, key=lambda r: (r.next_run or far, r.reminder.reminder_id))

    def complete_item(self, user: str, campaign_id: str, item_id: str) -> None:
        """Home's Done: only the item's owner may tick it there (Home has no channel to check)."""
        checklist = self._checklists.load(campaign_id)
        item = next((i for i in checklist.items() if i.item_id == item_id), None) if checklist else None
        if item is None:
            raise NotFound(NO_SUCH_ITEM)
        if item.owner != user:
            raise NotAllowed(NOT_YOUR_ITEM)
        if not item.done:
            self._checklists.set_done(campaign_id, [item_id], True, user)

    def concerned_by(self, campaign_id: str) -> set[str]:
        """Who may see a change to this campaign on Home, among those who opened Home."""
        campaign = self._views.campaign(campaign_id)
        if campaign is None:
            return set()
        viewers = self._views.viewers(None)
        return {
            user
            for user in viewers
            if user == campaign.created_by
            or user in campaign.owners
            or self._people.is_member(campaign.channel, user)
        }

    def viewers(self, users: Iterable[str]) -> set[str]:
        return self._views.viewers(users)


class HomeRefresher:
    """Republishes Home, off the request thread, for people who opened it; a person already waiting
    for a republish is not queued twice (the queued one reads the latest state)."""

    def __init__(
        self,
        service: HomeService,
        publish: Callable[[str], None],
        submit: Callable[[Callable[[], None]], None],
    ) -> None:
        self._service = service
        self._publish = publish
        self._submit = submit
        self._pending: set[str] = set()
        self._lock = threading.Lock()

    def refresh(self, users: Iterable[str]) -> None:
        wanted = [user for user in dict.fromkeys(users) if user]
        with self._lock:
            fresh = [user for user in wanted if user not in self._pending]
            self._pending.update(fresh)
        if fresh:
            self._submit(lambda: self._republish(fresh))

    def refresh_campaign(self, campaign_id: str) -> None:
        """A campaign changed (ticks, owners, dates, a new checklist): everyone whose Home lists it."""
        self._submit(lambda: self.refresh(self._service.concerned_by(campaign_id)))

    def _republish(self, users: list[str]) -> None:
        with self._lock:
            self._pending.difference_update(users)  # a change from now on queues another republish
        for user in sorted(self._service.viewers(users)):
            try:
                self._publish(user)
            except Exception as error:  # one person's Home failing never stops the others'
                log.warning("could not republish a Home: %s", type(error).__name__)
