"""How the Web API client retries: 429s wait for Retry-After, but never longer than a cap in total.

slack_sdk's own RateLimitErrorRetryHandler sleeps whatever Retry-After says, each time (up to its
retry count), in the calling thread; a Retry-After of 600 would hold a reminder worker for ten
minutes or more. Past the cap the call fails with the 429, and the caller (a reminder delivery)
schedules its own retry after Retry-After instead of blocking.
"""

from __future__ import annotations

import random
import time
from typing import Any

from slack_sdk.http_retry import ConnectionErrorRetryHandler, RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

_WAITED = "waited_s"


def retry_after_s(headers: Any) -> float | None:
    """Retry-After in seconds from response headers (values may be lists), None if absent or odd."""
    for name, value in dict(headers or {}).items():
        if str(name).lower() == "retry-after":
            raw = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return max(0.0, float(str(raw)))
            except ValueError:
                return None
    return None


class CappedRateLimitRetryHandler(RetryHandler):
    """Retry a 429 after Retry-After while the waits of this call stay within `max_wait_s`."""

    def __init__(self, max_wait_s: float = 60.0, max_retry_count: int = 5) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait_s = max_wait_s

    @staticmethod
    def _wait_for(response: HttpResponse | None) -> float:
        retry_after = retry_after_s(response.headers if response is not None else None)
        return (1.0 if retry_after is None else retry_after) + random.random() * 0.1

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        waited = float((state.custom_values or {}).get(_WAITED, 0.0))
        return waited + self._wait_for(response) <= self.max_wait_s

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = self._wait_for(response)
        state.custom_values = {
            **(state.custom_values or {}),
            _WAITED: float((state.custom_values or {}).get(_WAITED, 0.0)) + wait,
        }
        state.next_attempt_requested = True
        time.sleep(wait)
        state.increment_current_attempt()


def web_client_retry_handlers(max_wait_s: float) -> list[RetryHandler]:
    """Capped 429 waits; a dropped connection is retried (a read timeout is not: Slack may have
    acted on it, and reminders retry that themselves)."""
    return [CappedRateLimitRetryHandler(max_wait_s), ConnectionErrorRetryHandler(max_retry_count=2)]
