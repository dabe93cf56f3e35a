"""Posting exactly once through a delivery claim, for the digests and nudges that are not reminders.

Each post is a row of `reminder_deliveries` (bot/services/ports.py `Deliveries`) claimed by one INSERT
before anything is posted, so two processes or a restart never post it twice. A post that fails for a
passing reason (5xx, timeout, 429) waits in the row for the delivery sweep, with the reminders'
backoff; one Slack refuses for good (not_in_channel, a deactivated user …) is marked failed.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Callable
from typing import Literal

from bot.domain.clock import Clock
from bot.services.ports import Deliveries, DeliveryKey
from bot.services.reminder_delivery import RetryPolicy

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retrying", "failed"]


class ClaimedPosts:
    """One process's claims: taking one, and what a post attempted under it becomes."""

    def __init__(
        self,
        deliveries: Deliveries,
        clock: Clock,
        what: str,
        claim_s: float = 120.0,
        policy: RetryPolicy | None = None,
        is_transient: Callable[[Exception], bool] = lambda error: True,
    ) -> None:
        self._deliveries = deliveries
        self._clock = clock
        self._what = what  # for the log: "a morning nudge", "the gaps digest" …
        self._claim_s = claim_s
        self._policy = policy or RetryPolicy()
        self._is_transient = is_transient
        self.holder = f"{socket.gethostname()[:40]}:{uuid.uuid4().hex[:12]}"

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def claim(self, key: DeliveryKey) -> int | None:
        """The attempt number when this process may post it now; None when another has it or it is done."""
        now = self._now()
        return self._deliveries.claim(key, self.holder, now, now + self._claim_s)

    def waiting(self, prefix: str) -> list[DeliveryKey]:
        """Claims with this prefix whose retry is due, or whose process died while posting."""
        return [key for key in self._deliveries.waiting(self._now()) if key.reminder_id.startswith(prefix)]

    def settle(self, key: DeliveryKey, reason: str | None = None) -> None:
        """Nothing to post under a claim: done (reason None) or given up (why)."""
        if reason is None:
            self._deliveries.sent(key, self.holder, self._now())
        else:
            self._deliveries.failed(key, self.holder, reason, self._now())

    def attempt(self, key: DeliveryKey, attempt: int, post: Callable[[], object]) -> Outcome:
        """Post under a claim taken by `claim`; a passing failure is retried later, within the policy."""
        try:
            post()
        except Exception as error:
            reason, now = type(error).__name__, self._now()
            if self._is_transient(error) and attempt < self._policy.attempts:
                log.warning("%s could not be posted (%s); retrying", self._what, reason)
                at = now + self._policy.backoff_s[attempt - 1]
                self._deliveries.retry_at(key, self.holder, at, reason, now)
                return "retrying"
            log.warning("%s could not be posted: %s", self._what, reason)
            self._deliveries.failed(key, self.holder, reason, now)
            return "failed"
        self._deliveries.sent(key, self.holder, self._now())
        return "sent"
