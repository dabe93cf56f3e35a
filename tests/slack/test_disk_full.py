"""A full disk: every question is still answered, every lost write is told, and /readyz says why."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from bot import metrics
from tests.slack.conftest import RunningBot
from tests.slack.review_modal import FORM, campaign_with_a_review, open_review, review_submission
from tests.slack.test_events_and_actions import dm, posts, settle

WRITES = ("insert", "update", "delete")


@contextmanager
def disk_full(engine: Engine) -> Iterator[None]:
    """Every write on the state database fails the way SQLite fails when the disk is full."""

    def refuse_writes(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().lower().startswith(WRITES):
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(engine, "before_cursor_execute", refuse_writes)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse_writes)


def write_failures() -> float:
    return metrics.REGISTRY.get_sample_value("opsbot_state_write_failures_total") or 0.0


def buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_ask_on_a_full_disk_answers_says_it_was_not_saved_and_readiness_says_why(bot: RunningBot) -> None:
    before = write_failures()
    assert bot.get("/readyz").status == 200
    with disk_full(bot.runtime.engine):
        assert bot.command("ask 活动上线前怎么预热?").status == 200
        assert bot.slack.wait_for(lambda: len(bot.slack.responses()) >= 1)
    answer = bot.slack.responses()[0]
    rendered = json.dumps(answer["blocks"], ensure_ascii=False)
    assert "宣传推广" in rendered and "没能保存这个回答" in rendered
    assert buttons(answer["blocks"]) == []  # Share and votes could not work on an unsaved answer
    assert write_failures() > before

    ready = bot.get("/readyz")
    assert ready.status == 503
    assert "database or disk is full" in ready.json()["checks"]["writes"]
    assert bot.get("/healthz").status == 200  # alive: a restart would not free the disk


def test_a_direct_message_on_a_full_disk_is_still_answered(bot: RunningBot) -> None:
    with disk_full(bot.runtime.engine):
        assert bot.event(dm("拉新有哪些渠道?", ts="1800000700.000100"), "Ev700").status == 200
        assert bot.slack.wait_for(lambda: len(posts(bot)) == 1)
        settle(bot)
    reply = posts(bot)[0]
    assert reply["thread_ts"] == "1800000700.000100" and "拉新" in str(reply["blocks"])
    assert "couldn't save" in str(reply["blocks"]) or "没能保存" in str(reply["blocks"])


def test_a_vote_on_a_full_disk_is_answered_with_what_went_wrong(bot: RunningBot) -> None:
    bot.command("ask 活动上线前怎么预热?")
    assert bot.slack.wait_for(lambda: len(bot.slack.responses()) >= 1)
    answer_id = next(
        e["value"]
        for b in bot.slack.responses()[0]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    )
    with disk_full(bot.runtime.engine):
        assert bot.action("feedback_up", answer_id, response="v1").status == 200
        assert bot.slack.wait_for(lambda: len(bot.slack.responses("v1")) >= 1)
    told = bot.slack.responses("v1")[0]
    assert told["response_type"] == "ephemeral" and "couldn't save" in told["text"]
    assert "Thanks" not in told["text"]


def test_a_review_on_a_full_disk_is_not_lost_without_a_word(bot: RunningBot) -> None:
    view = open_review(bot, campaign_with_a_review(bot, bot.runtime.engine))
    body = review_submission(view, {0: "地推物料没有提前确认。"})
    slack = bot.slack
    with disk_full(bot.runtime.engine):
        assert bot.post(body, FORM).status == 200
        assert slack.wait_for(
            lambda: any(c.params.get("channel") == "U0LEAD" for c in slack.called("chat.postMessage"))
        )
    told = next(c.params for c in slack.called("chat.postMessage") if c.params.get("channel") == "U0LEAD")
    assert "couldn't save" in told["text"]
