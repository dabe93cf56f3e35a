"""Slack's retry of an event whose answering process died is answered; a live or finished one is not."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import insert

from bot.adapters.schema import processed_events
from bot.adapters.state_store import EVENT_LEASE_S
from tests.slack.conftest import RunningBot
from tests.slack.test_events_and_actions import dm, posts, settle


def a_dead_process_claimed(bot: RunningBot, event: dict[str, Any], event_id: str) -> None:
    """What a kill -9 between the claim and the answer leaves behind: claims in flight, long expired."""
    claimed_at = time.time() - EVENT_LEASE_S - 60
    with bot.runtime.engine.begin() as db:
        for key in (f"event:{event_id}", f"message:{event['channel']}:{event['ts']}"):
            db.execute(insert(processed_events).values(key=key, created_at=claimed_at))


def test_a_retry_after_the_answering_process_died_is_answered_once(bot: RunningBot) -> None:
    event = dm("拉新有哪些渠道?", ts="1800000500.000100")
    a_dead_process_claimed(bot, event, "Ev500")

    assert bot.event(event, "Ev500", retry=1).status == 200
    assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
    assert posts(bot)[0]["thread_ts"] == "1800000500.000100"
    settle(bot)

    # Answered now: Slack's next retry is only acknowledged.
    assert bot.event(event, "Ev500", retry=2).status == 200
    settle(bot)
    assert len(posts(bot)) == 1


def test_a_retry_while_a_live_process_answers_is_not_answered_twice(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    answerer = bot.container.answerer
    answering, release = threading.Event(), threading.Event()
    real_answer = answerer.answer

    def slow_answer(*args: Any, **kwargs: Any) -> Any:
        answering.set()
        assert release.wait(30)
        return real_answer(*args, **kwargs)

    monkeypatch.setattr(answerer, "answer", slow_answer)
    event = dm("活动预热怎么做?", ts="1800000600.000100")
    assert bot.event(event, "Ev600").status == 200
    assert answering.wait(30)

    assert bot.event(event, "Ev600", retry=1).status == 200  # the answer is still in flight
    release.set()
    settle(bot)
    assert len(posts(bot)) == 1
    assert len(bot.slack.called("reactions.add")) == 1
