"""Checks a modal's submission runs before Slack's 3-second acknowledgement, never past it.

A form's checks may ask Slack (is this a person? is she in the channel?), and a 429 or a slow answer
can take seconds. Bolt answers Slack 404 when a listener has not acknowledged within 3 seconds, and
the person sees an error although the work goes on. So the check starts on its own thread; the
listener waits for it only ACK_BUDGET_S, and a later outcome is taken by the work after the ack.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import TypeVar

# Slack waits 3 s; the request's way in and out and the ack itself need the rest.
ACK_BUDGET_S = 2.0

T = TypeVar("T")


def start_before_ack(work: Callable[[], T]) -> Future[T]:
    """`work()` on a thread of its own (with the caller's log context); its result or exception in the future."""
    future: Future[T] = Future()
    context = contextvars.copy_context()

    def run() -> None:
        try:
            future.set_result(context.run(work))
        except BaseException as error:  # handed to whoever takes the outcome
            future.set_exception(error)

    threading.Thread(target=run, name="before-ack", daemon=True).start()
    return future


def done_in_time(future: Future[T], budget_s: float = ACK_BUDGET_S) -> bool:
    """Whether the work finished within the budget (False: acknowledge now, take its outcome later)."""
    return bool(wait([future], timeout=budget_s).done)
