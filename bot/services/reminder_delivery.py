"""Delivering due reminders: claim a delivery, post it, and on failure retry with backoff or give up.

Each (reminder, due time) is a delivery row: claimed → sent, or → retrying → … → sent | failed.
A claim expires, so a delivery whose process died between claiming and posting is taken over by a
sweep. Retries are rows with `next_attempt_at`, not in-memory timers, so they survive restarts.

Delivery is at least once for one edge: a call that timed out may have posted on Slack's side,
and chat.postMessage has no idempotency key, so the retry can post a second copy. A lost reminder
is worse than a rare duplicate, and every other failure (5xx, ok:false, 429) means Slack did not
post, so only hangs carry this risk.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from bot import metrics
from bot.adapters.triggers import last_due
from bot.domain.carry_over import open_action_items
from bot.domain.checklists import ChecklistItem
from bot.domain.clock import Clock, now_in
from bot.domain.recurrence import fires_on
from bot.domain.reminders import REVIEW_KINDS, Reminder, is_late
from bot.domain.when import OneOff
from bot.domain.working_days import WorkCalendar
from bot.services.ports import ChecklistStore, Deliveries, DeliveryKey, ReminderStore

log = logging.getLogger(__name__)

Verdict = Literal["retrying", "given_up", "refused"]


@dataclass(frozen=True)
class RetryPolicy:
    """Waits before each retry (so attempts = retries + 1) and how long a claim holds.

    A claim must outlast one attempt: the Web API timeout, its own connection retries and a capped
    Retry-After wait; otherwise a sweep could take over a delivery that is still being posted.
    """

    backoff_s: tuple[float, ...] = (30.0, 120.0, 480.0)
    claim_s: float = 120.0

    @property
    def attempts(self) -> int:
        return len(self.backoff_s) + 1


@dataclass(frozen=True)
class DueReminder:
    """What to post for a reminder that is due now, decided once (claimed) for every process."""

    reminder: Reminder
    due: datetime
    late: bool
    progress: tuple[int, int] | None = None
    review_questions: list[str] = field(default_factory=list)
    key: DeliveryKey | None = None
    attempt: int = 1
    # A campaign review's open action items (its own review's and those carried over to it).
    action_items: list[ChecklistItem] = field(default_factory=list)

    @property
    def asks_for_review(self) -> bool:
        return self.reminder.kind in ("review", "review_manual") and bool(self.reminder.campaign_id)


@dataclass(frozen=True)
class PostFailure:
    """Why posting failed: Slack's error (or "timeout"), whether retrying can help, Retry-After."""

    reason: str
    permanent: bool = False
    retry_after_s: float | None = None


def delivery_key(reminder_id: str, due: datetime) -> DeliveryKey:
    return DeliveryKey(reminder_id, due.astimezone(UTC).isoformat())


class ReminderDelivery:
    def __init__(
        self,
        store: ReminderStore,
        deliveries: Deliveries,
        checklists: ChecklistStore,
        calendar: WorkCalendar,
        clock: Clock,
        review_questions: Callable[[], list[str]],
        policy: RetryPolicy | None = None,
    ) -> None:
        self._store = store
        self._deliveries = deliveries
        self._checklists = checklists
        self._calendar = calendar
        self._clock = clock
        self._review_questions = review_questions
        self.policy = policy or RetryPolicy()
        self.owner = f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:12]}"

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def claim_due(self, reminder_id: str) -> DueReminder | None:
        """The reminder's current due time to post now, or None: not active, held, done or a day off."""
        reminder = self._store.get(reminder_id)
        if reminder is None or reminder.status != "active":
            return None
        due = last_due(reminder, now_in(self._clock, reminder.timezone))
        schedule = reminder.schedule
        if not isinstance(schedule, OneOff) and not fires_on(schedule, due.date(), self._calendar.is_workday):
            return None  # what the CronTrigger cannot say: days off, off weeks, not the last working day
        return self._claim(reminder, delivery_key(reminder_id, due), due)

    def claim_missed(self, reminder_id: str, scheduled: datetime) -> Reminder | None:
        """Missed by more than the grace period: the reminder whose creator must be told, once. None
        if it is not active or that due time was already claimed (then it is posted, if late)."""
        reminder = self._store.get(reminder_id)
        if reminder is None or reminder.status != "active":
            return None
        if not self._deliveries.record_missed(delivery_key(reminder_id, scheduled), self._now()):
            return None
        if isinstance(reminder.schedule, OneOff):
            self._store.set_status(reminder_id, "missed")
        return reminder

    def waiting(self) -> list[DeliveryKey]:
        """Retries that are due and claims whose process died: what a sweep should deliver.

        Other deliveries share the table (the gaps digest, "gapdigest:<recipient>"); reminder ids never
        contain ":", and those rows are the digest's own sweep's.
        """
        return [key for key in self._deliveries.waiting(self._now()) if ":" not in key.reminder_id]

    def claim_waiting(self, key: DeliveryKey) -> DueReminder | None:
        reminder = self._store.get(key.reminder_id)
        due = datetime.fromisoformat(key.due)
        if reminder is not None and reminder.status == "active":
            return self._claim(reminder, key, due)
        if self._deliveries.claim(key, self.owner, self._now(), self._now() + self.policy.claim_s):
            self._deliveries.failed(key, self.owner, "the reminder is no longer active", self._now())
        return None

    def _claim(self, reminder: Reminder, key: DeliveryKey, due: datetime) -> DueReminder | None:
        now = self._now()
        attempt = self._deliveries.claim(key, self.owner, now, now + self.policy.claim_s)
        if attempt is None:
            return None  # another process holds it, or it is finished
        progress = None
        questions: list[str] = []
        actions: list[ChecklistItem] = []
        if reminder.kind in REVIEW_KINDS and reminder.campaign_id:
            checklist = self._checklists.load(reminder.campaign_id)
            progress = checklist.progress() if checklist else None
            questions = self._review_questions()
            actions = open_action_items(checklist) if checklist else []
        local_now = now_in(self._clock, reminder.timezone)
        late = is_late(due, local_now)
        return DueReminder(reminder, due, late, progress, questions, key, attempt, action_items=actions)

    def hand_back(self) -> int:
        """At shutdown: what this process claimed but did not post goes to the next leader at once."""
        return self._deliveries.hand_back(self.owner, self._now())

    def delivered(self, due: DueReminder) -> None:
        now = self._now()
        if due.key is not None:
            self._deliveries.sent(due.key, self.owner, now)
        if isinstance(due.reminder.schedule, OneOff):
            self._store.set_status(due.reminder.reminder_id, "done")
        metrics.DELIVERIES.labels(outcome="sent").inc()
        metrics.REMINDER_LATENESS_SECONDS.observe(max(0.0, now - due.due.timestamp()))

    def failed(self, due: DueReminder, failure: PostFailure) -> Verdict:
        """Schedule the next attempt, or give up (a one-off is then `failed`, not upcoming)."""
        now = self._now()
        key = due.key or delivery_key(due.reminder.reminder_id, due.due)
        log.warning(
            "reminder %s attempt %d failed: %s", due.reminder.reminder_id, due.attempt, failure.reason
        )
        if not failure.permanent and due.attempt < self.policy.attempts:
            wait = max(self.policy.backoff_s[due.attempt - 1], failure.retry_after_s or 0.0)
            self._deliveries.retry_at(key, self.owner, now + wait, failure.reason, now)
            metrics.DELIVERIES.labels(outcome="retried").inc()
            return "retrying"
        self._deliveries.failed(key, self.owner, failure.reason, now)
        if isinstance(due.reminder.schedule, OneOff):
            self._store.set_status(due.reminder.reminder_id, "failed")
        metrics.DELIVERIES.labels(outcome="failed").inc()
        return "refused" if failure.permanent else "given_up"
