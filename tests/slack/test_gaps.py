"""Knowledge gaps through signed Slack requests: what opsbot could not answer is listed by `/ops gaps`,
a 👎 asks why, an editor answers a group with **Answer this**, the askers are told once, and the
weekly digest is posted once."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from bot.adapters import digest_jobs
from bot.adapters.schema import feedback, knowledge_gaps, knowledge_sources
from bot.domain.clock import FixedClock
from bot.services.gap_digest import DIGEST_JOB_ID
from bot.settings import Settings
from tests.slack.conftest import RunningBot, running_bot
from tests.slack.fake_slack import FakeSlack

EDITOR = "U0EDITOR"
FORM = "application/x-www-form-urlencoded"
UNCOVERED = "怎么配置 Kubernetes?"


@pytest.fixture
def gaps_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    settings = slack_settings.model_copy(
        update={"knowledge_editors": EDITOR, "gaps_digest": "mon 10:00", "gaps_digest_to": "C0OPS"}
    )
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def settle(bot: RunningBot) -> None:
    """Every answer, vote and gap recording queued so far has finished."""
    assert bot.runtime.responder.drain(30)


def ask(bot: RunningBot, question: str, user: str, response: str) -> dict[str, Any]:
    bot.command(f"ask {question}", user=user, response=response)
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses(response)))
    settle(bot)
    return bot.slack.responses(response)[0]


def gaps_listed(bot: RunningBot, user: str, response: str) -> dict[str, Any]:
    assert bot.command("gaps", user=user, response=response).status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses(response)))
    return bot.slack.responses(response)[0]


def answer_this_buttons(listing: dict[str, Any]) -> list[str]:
    return [
        str(block["accessory"]["value"])
        for block in listing.get("blocks", [])
        if (block.get("accessory") or {}).get("action_id") == "gap_answer"
    ]


def click(bot: RunningBot, action_id: str, value: str, user: str, response: str) -> int:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0000001"},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "trigger_id": f"trigger-{response}",
        "channel": {"id": "C0CAMPAIGN"},
        "container": {"type": "message", "channel_id": "C0CAMPAIGN", "is_ephemeral": True},
        "response_url": bot.slack.response_url(response),
        "message": {"ts": "1800000000.000001", "text": "…"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    return bot.post(body, FORM).status


def opened_view(bot: RunningBot, before: int) -> dict[str, Any]:
    assert bot.slack.wait_for(lambda: len(bot.slack.called("views.open")) > before)
    view = bot.slack.called("views.open")[-1].params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def submit(bot: RunningBot, view: dict[str, Any], values: dict[str, str], user: str) -> dict[str, Any]:
    """A view_submission of `view` with each input block's text (block id = action id here)."""
    state = {block: {block: {"type": "plain_text_input", "value": value}} for block, value in values.items()}
    payload = {
        "type": "view_submission",
        "team": {"id": "T0000001"},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "view": {**view, "id": "V0GAP", "state": {"values": state}},
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    reply = bot.post(body, FORM)
    assert reply.status == 200
    return dict(reply.json()) if reply.body else {}


def direct_messages(bot: RunningBot, user: str) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in bot.slack.called("chat.postMessage")
        if c.params.get("channel") == user
    ]


def rows(bot: RunningBot, table: Any) -> list[Any]:
    with bot.runtime.engine.connect() as db:
        return list(db.execute(select(table)).all())


def test_a_question_not_covered_is_listed_by_ops_gaps_with_answer_this(gaps_bot: RunningBot) -> None:
    bot = gaps_bot
    ask(bot, UNCOVERED, "U0ALICE", "q1")
    listing = gaps_listed(bot, "U0BOB", "g1")
    assert listing["response_type"] == "ephemeral"
    assert "Kubernetes" in str(listing["blocks"]) and "未覆盖 not covered ×1" in str(listing["blocks"])
    [gap_id] = answer_this_buttons(listing)
    [gap] = rows(bot, knowledge_gaps)
    assert (gap.kind, gap.user_id, gap.channel, str(gap.id)) == (
        "not_covered",
        "U0ALICE",
        "C0CAMPAIGN",
        gap_id,
    )
    assert len(listing["blocks"]) <= 50


def test_a_thumbs_down_opens_a_reason_form_whose_answer_is_kept_for_the_voter_only(
    gaps_bot: RunningBot,
) -> None:
    bot = gaps_bot
    answer = ask(bot, "活动上线前怎么预热?", "U0ALICE", "q1")
    answer_id = answer["blocks"][-1]["elements"][-1]["value"]
    before = len(bot.slack.called("views.open"))
    assert click(bot, "feedback_down", answer_id, "U0ALICE", "v1") == 200
    view = opened_view(bot, before)
    assert view["callback_id"] == "feedback_reason" and view["private_metadata"] == answer_id
    assert bot.slack.called("views.open")[-1].params["trigger_id"] == "trigger-v1"
    settle(bot)
    assert submit(bot, view, {"reason": "没说要提前几天"}, "U0ALICE") == {}
    submit(bot, view, {"reason": "forged"}, "U0MALLORY")  # has no 👎 on it: nothing is stored
    settle(bot)
    assert [(r.user_id, r.vote, r.reason) for r in rows(bot, feedback)] == [
        ("U0ALICE", "down", "没说要提前几天")
    ]
    [gap] = rows(bot, knowledge_gaps)
    assert (gap.kind, gap.question, gap.reason) == ("thumbs_down", "活动上线前怎么预热?", "没说要提前几天")
    assert bot.slack.wait_for(lambda: any("自己的 👎" in t for t in direct_messages(bot, "U0MALLORY")))
    listing = gaps_listed(bot, EDITOR, "g1")
    assert "没说要提前几天" in str(listing["blocks"])


def test_answer_this_is_refused_politely_to_someone_who_is_not_an_editor(gaps_bot: RunningBot) -> None:
    bot = gaps_bot
    ask(bot, UNCOVERED, "U0ALICE", "q1")
    [gap_id] = answer_this_buttons(gaps_listed(bot, "U0BOB", "g1"))
    before = len(bot.slack.called("views.open"))
    assert click(bot, "gap_answer", gap_id, "U0BOB", "refused") == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("refused")))
    refusal = bot.slack.responses("refused")[0]
    assert refusal["response_type"] == "ephemeral" and "只有知识库编辑" in refusal["text"]
    assert len(bot.slack.called("views.open")) == before


def test_an_editor_answers_a_gap_the_next_ask_cites_it_and_the_asker_is_told_once(
    gaps_bot: RunningBot,
) -> None:
    bot = gaps_bot
    ask(bot, UNCOVERED, "U0ALICE", "q1")
    [gap_id] = answer_this_buttons(gaps_listed(bot, EDITOR, "g1"))
    before = len(bot.slack.called("views.open"))
    assert click(bot, "gap_answer", gap_id, EDITOR, "answer") == 200
    view = opened_view(bot, before)
    assert view["callback_id"] == "gap_answer" and UNCOVERED in str(view["blocks"])
    title_input = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title_input["element"]["initial_value"] == UNCOVERED

    refused = submit(bot, view, {"title": "Kubernetes 配置", "body": "  "}, EDITOR)
    assert refused["response_action"] == "errors" and "body" in refused["errors"]

    body = "## 配置步骤\nKubernetes 配置由运维同学用 kubectl apply 发布,改动前先在测试集群验证。"
    assert submit(bot, view, {"title": "Kubernetes 配置", "body": body}, EDITOR) == {}
    assert bot.slack.wait_for(lambda: bool(direct_messages(bot, "U0ALICE")), timeout=60)
    settle(bot)
    told = direct_messages(bot, "U0ALICE")
    assert len(told) == 1 and "现在有答案了" in told[0] and "Kubernetes 配置" in told[0]
    [entry] = [row for row in rows(bot, knowledge_sources) if row.kind == "answer"]
    [gap] = rows(bot, knowledge_gaps)
    assert gap.resolved_source_id == entry.id and gap.notified_at is not None

    submit(bot, view, {"title": "Kubernetes 配置", "body": body}, EDITOR)  # submitted again
    settle(bot)
    assert len(direct_messages(bot, "U0ALICE")) == 1
    assert len([row for row in rows(bot, knowledge_sources) if row.kind == "answer"]) == 1
    assert any("已经有人回答" in t for t in direct_messages(bot, EDITOR))

    cited = ask(bot, UNCOVERED, "U0CAROL", "q2")
    assert f"answer:{entry.id}" in str(cited["blocks"]) and "Kubernetes 配置" in str(cited["blocks"])
    assert "Kubernetes" not in str(gaps_listed(bot, EDITOR, "g2").get("blocks", ""))


def test_the_weekly_digest_is_a_persisted_job_and_posts_each_week_once(
    gaps_bot: RunningBot, clock: FixedClock
) -> None:
    bot = gaps_bot
    scheduler = bot.runtime.scheduler
    scheduler.start()
    with bot.runtime.engine.connect() as db:
        stored = db.execute(text("SELECT id FROM apscheduler_jobs WHERE id = :id"), {"id": DIGEST_JOB_ID})
        assert stored.first() is not None

    def digests() -> list[dict[str, Any]]:
        return [c.params for c in bot.slack.called("chat.postMessage") if c.params.get("channel") == "C0OPS"]

    digest_jobs.fire_digest(DIGEST_JOB_ID)  # Monday 23rd's digest, on Wednesday: nothing was asked
    assert digests() == []
    ask(bot, UNCOVERED, "U0ALICE", "q1")
    clock.advance(timedelta(days=5))  # Monday 30th, 10:00 in Shanghai
    digest_jobs.fire_digest(DIGEST_JOB_ID)
    digest_jobs.fire_digest(DIGEST_JOB_ID)  # fired again (another process, a restart): not posted again
    [posted] = digests()
    assert "2026-W49" in posted["text"] and "Kubernetes" in str(posted["blocks"])
    assert "gap_answer" in str(posted["blocks"])
