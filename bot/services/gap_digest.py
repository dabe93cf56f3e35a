"""The weekly digest of knowledge gaps: who gets it, what is in it, and posting it once per week.

Exactly once reuses the reminders' delivery claims (`reminder_deliveries`, bot/services/ports.py
`Deliveries`): each (recipient, ISO week) is one delivery row, claimed by one INSERT before anything
is posted, so two processes, an overlapping leader hand-over or a restart in the same week never post
it twice. A post that fails for a passing reason (5xx, timeout, 429) is retried by the delivery sweep
with the reminders' backoff, within the same week; one Slack refuses for good (not_in_channel …) is
marked failed and logged (`/ops gaps` shows the same list on demand).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

from bot.domain.clock import Clock
from bot.domain.editors import KnowledgeEditors
from bot.domain.gaps import DigestSchedule, GapGroup
from bot.domain.sources import KnowledgeSource
from bot.services.claimed_posts import ClaimedPosts
from bot.services.gaps import GapService
from bot.services.ports import Deliveries, DeliveryKey
from bot.services.reminder_delivery import RetryPolicy

log = logging.getLogger(__name__)

# The persisted APScheduler job's id (and its only argument).
DIGEST_JOB_ID = "gaps-digest"
# Delivery rows are keyed "<prefix><recipient>" and the ISO week; reminder ids never contain ":".
DELIVERY_PREFIX = "gapdigest:"
OWNERS = "owners"
DEFAULT_POLICY = RetryPolicy()


class DigestPoster(Protocol):
    def post_digest(self, recipient: str, groups: list[GapGroup], week: str) -> None:
        """Post to a channel id or, for a user id, as a direct message; raises if Slack refuses."""
        ...


def digest_recipients(
    setting: str,
    editors: KnowledgeEditors,
    group_members: Callable[[str], frozenset[str]],
    sources: Iterable[KnowledgeSource],
) -> list[str]:
    """A channel id as set, or with `owners` every named knowledge editor, member of a named editor
    group and owner of a live entry added from Slack (each once, in a stable order)."""
    setting = setting.strip()
    if setting and setting.lower() != OWNERS:
        return [setting]
    people = set(editors.users)
    for group in sorted(editors.groups):
        people |= group_members(group)
    people |= {s.created_by for s in sources if s.deleted_at is None and s.created_by.startswith(("U", "W"))}
    return sorted(people)


class GapDigest:
    def __init__(
        self,
        gaps: GapService,
        deliveries: Deliveries,
        clock: Clock,
        schedule: DigestSchedule | None,
        recipients: Callable[[], list[str]],
        poster: DigestPoster,
        claim_s: float = 120.0,
        policy: RetryPolicy = DEFAULT_POLICY,
        is_transient: Callable[[Exception], bool] = lambda error: True,
    ) -> None:
        self._gaps = gaps
        self._clock = clock
        self.schedule = schedule
        self._recipients = recipients
        self._poster = poster
        self._posts = ClaimedPosts(deliveries, clock, "the gaps digest", claim_s, policy, is_transient)
        self.owner = self._posts.holder

    def due_groups(self) -> tuple[str, list[GapGroup]]:
        """The week the latest due time belongs to, and the open groups asked about in the week up to it
        (so each question is in one week's digest, even when a digest runs late)."""
        assert self.schedule is not None
        due = self.schedule.last_due(self._clock.now())
        since, until = (due - self.schedule.window).timestamp(), due.timestamp()
        asked = [g for g in self._gaps.groups() if any(since < gap.asked_at <= until for gap in g.gaps)]
        return self.schedule.week_of(due), asked

    def run(self) -> int:
        """What the weekly job does (also when it runs late): post each recipient's digest once; how many."""
        if self.schedule is None:
            return 0
        week, groups = self.due_groups()
        posted = 0
        for recipient in self._recipients():
            key = DeliveryKey(f"{DELIVERY_PREFIX}{recipient}"[:32], week)
            attempt = self._posts.claim(key)
            if attempt is None:
                continue  # another process has it, or it went out already this week
            posted += self._attempt(key, recipient, groups, attempt)
        if not groups:
            log.info("no knowledge gaps this week: no digest")
        return posted

    def sweep(self) -> int:
        """Digests whose post failed for a passing reason, or whose process died while posting (run by
        the delivery sweep): posted again while their week is still the current one; how many."""
        if self.schedule is None:
            return 0
        week, groups = self.due_groups()
        posted = 0
        for key in self._posts.waiting(DELIVERY_PREFIX):
            attempt = self._posts.claim(key)
            if attempt is None:
                continue
            if key.due != week:  # a new week has its own digest, with these questions in it
                self._posts.settle(key, "superseded by a later week")
                continue
            posted += self._attempt(key, key.reminder_id.removeprefix(DELIVERY_PREFIX), groups, attempt)
        return posted

    def _attempt(self, key: DeliveryKey, recipient: str, groups: list[GapGroup], attempt: int) -> int:
        """One claimed post: 1 if it went out; a passing failure is retried later, within the policy."""
        if not groups:
            self._posts.settle(key)  # an empty week
            return 0
        post = lambda: self._poster.post_digest(recipient, groups, key.due)  # noqa: E731
        return int(self._posts.attempt(key, attempt, post) == "sent")
