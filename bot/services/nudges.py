"""Morning nudges: each owner's one DM a working day about items due today or overdue, sent once.

Exactly once reuses the reminders' delivery claims (`Deliveries`, as the gaps digest does): each
(owner, owner's local day) is one delivery row, claimed by one INSERT before anything is posted, so
two processes, a restart or the job firing every 15 minutes never DM anyone twice the same day. A post
that fails for a passing reason (5xx, timeout, 429) is retried by the delivery sweep the same local
day; one Slack refuses for good (a deactivated user …) is marked failed and logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import time
from time import monotonic
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.domain.checklists import ChecklistItem
from bot.domain.clock import Clock
from bot.domain.errors import NotAllowed, NotFound
from bot.domain.nudges import (
    DEFAULT_NUDGE_TIME,
    Nudge,
    items_by_owner,
    latest_local_day,
    morning_of,
    nudge_for,
    zone_or,
)
from bot.domain.working_days import WorkCalendar
from bot.services.claimed_posts import ClaimedPosts
from bot.services.ports import ChecklistStore, Deliveries, DeliveryKey, People
from bot.services.reminder_delivery import RetryPolicy

log = logging.getLogger(__name__)

# The persisted APScheduler job's id (and its only argument).
NUDGE_JOB_ID = "morning-nudges"
# Delivery rows are keyed "<prefix><owner>" and the owner's local day; reminder ids never contain ":".
DELIVERY_PREFIX = "nudge:"
# A person's Slack time zone is looked up again after this long (the job runs every 15 minutes).
ZONE_TTL_S = 6 * 3600.0
NO_SUCH_ITEM = "找不到这一项,可能已被删除 / That item no longer exists."
NOT_YOURS = (
    "只有这一项的负责人或活动频道的成员可以勾选 / Only the item's owner or a member of the campaign's"
    " channel can tick it."
)


class NudgeOptouts(Protocol):
    """People who said `/ops nudges off` (the `nudge_optouts` table)."""

    def opted_out(self) -> frozenset[str]: ...

    def is_off(self, user: str) -> bool: ...

    def turn_off(self, user: str, at: float) -> bool: ...

    def turn_on(self, user: str) -> bool: ...


class NudgePoster(Protocol):
    def post_nudge(self, nudge: Nudge) -> None:
        """DM the owner; raises if Slack refuses."""
        ...


class MorningNudges:
    def __init__(
        self,
        checklists: ChecklistStore,
        optouts: NudgeOptouts,
        deliveries: Deliveries,
        people: People,
        calendar: WorkCalendar,
        clock: Clock,
        poster: NudgePoster,
        team_timezone: str,
        at: time = DEFAULT_NUDGE_TIME,
        enabled: bool = True,
        claim_s: float = 120.0,
        policy: RetryPolicy | None = None,
        is_transient: Callable[[Exception], bool] = lambda error: True,
    ) -> None:
        self._checklists = checklists
        self._optouts = optouts
        self._people = people
        self._calendar = calendar
        self._clock = clock
        self._poster = poster
        self._team_timezone = team_timezone
        self.at = at
        self.enabled = enabled
        self._posts = ClaimedPosts(deliveries, clock, "a morning nudge", claim_s, policy, is_transient)
        self.owner = self._posts.holder
        self._zones: dict[str, tuple[float, ZoneInfo]] = {}
        # Owners this process saw finished (or held elsewhere) for a day: no claim to try again.
        self._settled: dict[str, str] = {}
        self._lock = threading.Lock()

    def zone_of(self, owner: str) -> ZoneInfo:
        """The owner's Slack time zone (kept a few hours), else the team's."""
        with self._lock:
            cached = self._zones.get(owner)
        if cached and monotonic() - cached[0] < ZONE_TTL_S:
            return cached[1]
        zone = zone_or(self._people.timezone_of(owner), self._team_timezone)
        with self._lock:
            self._zones[owner] = (monotonic(), zone)
        return zone

    def due_nudges(self) -> list[Nudge]:
        """Every owner whose morning has come (a working day, at or after the nudge time, in their own
        zone), not opted out, with items due that local day or earlier: one query for all of them."""
        now = self._clock.now()
        items = self._checklists.open_items(due_by=latest_local_day(now))
        off = self._optouts.opted_out()
        nudges = []
        for owner, owned in items_by_owner(items).items():
            if owner in off:
                continue
            morning = morning_of(now, self.zone_of(owner), self.at, self._calendar)
            nudge = nudge_for(owner, owned, morning.day) if morning.due else None
            if nudge is not None and self._settled.get(owner) != nudge.day.isoformat():
                nudges.append(nudge)
        return nudges

    def run(self) -> int:
        """What the job does every 15 minutes (also late, after a restart): DM each due owner once."""
        if not self.enabled:
            return 0
        posted = 0
        for nudge in self.due_nudges():
            key = DeliveryKey(f"{DELIVERY_PREFIX}{nudge.owner}"[:32], nudge.day.isoformat())
            attempt = self._posts.claim(key)
            if attempt is None:  # sent already, or another process has it (its sweep retries)
                self._settled[nudge.owner] = key.due
                continue
            posted += self._attempt(key, nudge, attempt)
        return posted

    def sweep(self) -> int:
        """Nudges whose post failed for a passing reason, or whose process died while posting (run by
        the delivery sweep): posted again while it is still that day for the owner; how many."""
        posted = 0
        for key in self._posts.waiting(DELIVERY_PREFIX):
            attempt = self._posts.claim(key)
            if attempt is None:
                continue
            owner = key.reminder_id.removeprefix(DELIVERY_PREFIX)
            day = morning_of(self._clock.now(), self.zone_of(owner), self.at, self._calendar).day
            if key.due != day.isoformat():  # a new day has its own nudge, with these items in it
                self._posts.settle(key, "superseded by a later day")
                continue
            nudge = None
            if not self._optouts.is_off(owner):
                nudge = nudge_for(owner, self._checklists.open_items(owner=owner, due_by=day), day)
            if nudge is None:  # ticked meanwhile, or turned off: nothing left to say
                self._posts.settle(key)
                continue
            posted += self._attempt(key, nudge, attempt)
        return posted

    def _attempt(self, key: DeliveryKey, nudge: Nudge, attempt: int) -> int:
        """One claimed DM: 1 if it went out; a passing failure is retried later, within the policy."""
        outcome = self._posts.attempt(key, attempt, lambda: self._poster.post_nudge(nudge))
        if outcome != "retrying":
            self._settled[nudge.owner] = key.due
        return int(outcome == "sent")


class NudgeChoices:
    """What a person does with their nudges: tick an item from the DM, turn the DM off or on."""

    def __init__(
        self, checklists: ChecklistStore, optouts: NudgeOptouts, people: People, clock: Clock
    ) -> None:
        self._checklists = checklists
        self._optouts = optouts
        self._people = people
        self._clock = clock

    def tick(self, campaign_id: str, item_id: str, user: str) -> ChecklistItem:
        """Tick an item from the DM: its owner may, and so may anyone in the campaign's channel (as
        they could tick it there); a signed click proves only that it came from Slack."""
        checklist = self._checklists.load(campaign_id)
        item = next((i for i in checklist.items() if i.item_id == item_id), None) if checklist else None
        if item is None:
            raise NotFound(NO_SUCH_ITEM)
        if item.owner != user:
            channel = self._checklists.channel_of(campaign_id) or ""
            if not channel or not self._people.is_member(channel, user):
                raise NotAllowed(NOT_YOURS)
        self._checklists.set_done(campaign_id, [item_id], True, user)
        item.done = True
        return item

    def turn_off(self, user: str) -> bool:
        return self._optouts.turn_off(user, self._clock.now().timestamp())

    def turn_on(self, user: str) -> bool:
        return self._optouts.turn_on(user)

    def is_on(self, user: str) -> bool:
        return not self._optouts.is_off(user)
