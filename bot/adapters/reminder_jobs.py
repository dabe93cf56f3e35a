"""The function every persisted reminder job calls, by import path: keep this path stable forever.

APScheduler pickles `bot.adapters.reminder_jobs:fire_reminder` into each job row; moving or renaming it
would orphan every stored job (migration 0003 moved them here from `bot.adapters.scheduler:fire`).
The running process registers what delivering means; the job itself carries only the reminder id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

Delivery = Callable[[str, datetime | None], None]

_deliver: Delivery | None = None


def register(deliver: Delivery) -> None:
    """Make `deliver` what firing a reminder does in this process (the last registration wins)."""
    global _deliver
    _deliver = deliver


def fire_reminder(reminder_id: str) -> None:
    """Called by APScheduler (also in a restarted process) with nothing but the reminder's id."""
    if _deliver is None:
        raise RuntimeError("no reminder delivery is registered in this process")
    _deliver(reminder_id, None)
