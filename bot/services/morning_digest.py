"""The morning digest: on working days, each campaign channel with items due today or overdue gets one
short post (due today, overdue with owners, progress); a channel with nothing due gets nothing.

Exactly once reuses the reminders' delivery claims as the gaps digest does (bot/services/gap_digest.py):
each (channel, day) is one delivery row, claimed before anything is posted, so a second run, another
process or a restart the same day posts nothing. A post that fails for a passing reason (5xx, timeout,
429) is retried by the delivery sweep the same day; one Slack refuses for good (not_in_channel …) is
marked failed and logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, time
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.morning_digest import Digest, compose_digests
from bot.domain.working_days import WorkCalendar
from bot.services.claimed_posts import ClaimedPosts
from bot.services.ports import ChecklistStore, Deliveries, DeliveryKey
from bot.services.reminder_delivery import RetryPolicy

log = logging.getLogger(__name__)

# The persisted APScheduler job's id (and its only argument).
MORNING_JOB_ID = "morning-digest"
# Delivery rows are keyed "morning:<channel>" and the day (ISO); reminder ids never contain ":".
DELIVERY_PREFIX = "morning:"
DEFAULT_TIME = time(9, 30)


class MorningPoster(Protocol):
    def post_morning_digest(self, digest: Digest) -> None:
        """Post the digest in its channel; raises if Slack refuses."""
        ...


class MorningDigest:
    def __init__(
        self,
        store: ChecklistStore,
        deliveries: Deliveries,
        clock: Clock,
        calendar: WorkCalendar,
        poster: MorningPoster,
        at: time | None = DEFAULT_TIME,
        claim_s: float = 120.0,
        policy: RetryPolicy | None = None,
        is_transient: Callable[[Exception], bool] = lambda error: True,
    ) -> None:
        self._store = store
        self._clock = clock
        self._calendar = calendar
        self._poster = poster
        self.at = at  # None: the digest is off
        self._posts = ClaimedPosts(deliveries, clock, "the morning digest", claim_s, policy, is_transient)
        self.owner = self._posts.holder

    def compose_all(self, day: date) -> dict[str, Digest]:
        """Every channel's digest for `day`, without posting (also what the benchmark times)."""
        items = self._store.open_items(due_by=day)
        progress = {
            summary.campaign_id: (summary.done, summary.total)
            for summary in self._store.for_channels({item.channel for item in items})
        }
        return compose_digests(items, day, lambda campaign_id: progress.get(campaign_id, (0, 0)))

    def today(self) -> date | None:
        """The day a run now stands for: None when the digest is off, it is not a working day, or
        today's time has not come (a run left over from yesterday firing after midnight)."""
        now = self._clock.now()
        if self.at is None or now.time() < self.at or not self._calendar.is_workday(now.date()):
            return None
        return now.date()

    def run(self) -> int:
        """What the daily job does: post each due channel's digest once today; how many were posted."""
        day = self.today()
        if day is None:
            return 0
        posted = 0
        for channel, digest in self.compose_all(day).items():
            key = DeliveryKey(f"{DELIVERY_PREFIX}{channel}"[:32], day.isoformat())
            attempt = self._posts.claim(key)
            if attempt is None:
                continue  # another process has it, or it went out already today
            posted += self._attempt(key, digest, attempt)
        return posted

    def sweep(self) -> int:
        """Digests whose post failed for a passing reason, or whose process died while posting: posted
        again (as they read now) while their day is still today; how many."""
        waiting = self._posts.waiting(DELIVERY_PREFIX)
        if not waiting:
            return 0
        day = self._clock.today()
        digests = self.compose_all(day) if self.today() == day else {}
        posted = 0
        for key in waiting:
            attempt = self._posts.claim(key)
            if attempt is None:
                continue
            digest = digests.get(key.reminder_id.removeprefix(DELIVERY_PREFIX))
            if key.due != day.isoformat() or digest is None:
                # A new day has its own digest; or everything was ticked off meanwhile.
                self._posts.settle(key, "nothing to post any more")
                continue
            posted += self._attempt(key, digest, attempt)
        return posted

    def _attempt(self, key: DeliveryKey, digest: Digest, attempt: int) -> int:
        """One claimed post: 1 if it went out; a passing failure is retried later, within the policy."""
        return int(
            self._posts.attempt(key, attempt, lambda: self._poster.post_morning_digest(digest)) == "sent"
        )
