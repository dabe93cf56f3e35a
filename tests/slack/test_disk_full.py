"""A full disk: every question is still answered, every lost write is told, and /readyz says why."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from bot import metrics
from bot.adapters.reminder_store import SqlReminderStore
from tests.slack.conftest import RunningBot
from tests.slack.test_events_and_actions import dm, posts, settle
from tests.slack.test_reminders import wait_until

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
    bot.command("checklist 双十二拉新活动 launch 2026-12-12 end 2026-12-14", response="cl")
    store = SqlReminderStore(bot.runtime.engine)
    assert wait_until(lambda: any(r.kind == "review" for r in store.active()))
    campaign_id = next(r.campaign_id for r in store.active() if r.kind == "review")
    slack = bot.slack
    click = {
        "type": "block_actions",
        "team": {"id": "T0000001"},
        "user": {"id": "U0LEAD"},
        "api_app_id": "A0OPSBOT",
        "trigger_id": "trigger-123",
        "channel": {"id": "C0CAMPAIGN"},
        "message": {"ts": "1.2", "blocks": []},
        "response_url": slack.response_url("rv"),
        "actions": [{"type": "button", "action_id": "review_write", "block_id": "b", "value": campaign_id}],
    }
    assert bot.post(urllib.parse.urlencode({"payload": json.dumps(click)}).encode(), FORM).status == 200
    assert slack.wait_for(lambda: bool(slack.called("views.open")))
    view = slack.called("views.open")[0].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    values = {b["block_id"]: {"answer": {"type": "plain_text_input", "value": ""}} for b in inputs}
    values[inputs[0]["block_id"]]["answer"]["value"] = "地推物料没有提前确认。"
    submission = {
        "type": "view_submission",
        "team": {"id": "T0000001"},
        "user": {"id": "U0LEAD"},
        "api_app_id": "A0OPSBOT",
        "view": {**view, "id": "V1", "state": {"values": values}},
    }
    body = urllib.parse.urlencode({"payload": json.dumps(submission, ensure_ascii=False)}).encode()
    with disk_full(bot.runtime.engine):
        assert bot.post(body, FORM).status == 200
        assert slack.wait_for(
            lambda: any(c.params.get("channel") == "U0LEAD" for c in slack.called("chat.postMessage"))
        )
    told = next(c.params for c in slack.called("chat.postMessage") if c.params.get("channel") == "U0LEAD")
    assert "couldn't save" in told["text"]


FORM = "application/x-www-form-urlencoded"
