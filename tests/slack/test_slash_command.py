"""`/ops` through the real Bolt app over HTTP with signed requests, against the fake Slack."""

from __future__ import annotations

import asyncio
import time

import httpx

from bot.health import Health
from bot.slack.server import OpsbotAsgi
from tests.slack.conftest import RunningBot, signed_headers


def test_health_check_is_ok_once_the_knowledge_base_is_loaded(bot: RunningBot) -> None:
    reply = bot.get("/healthz")
    assert (reply.status, reply.body) == (200, "ok")


def test_ask_is_acknowledged_at_once_then_answered_privately_with_sources(bot: RunningBot) -> None:
    reply = bot.command("ask 活动上线前怎么预热?")
    assert reply.status == 200  # how fast: benchmarks/slack_load.py measures the ack latency
    working = reply.json()
    assert working["response_type"] == "ephemeral" and "正在查手册" in working["text"]
    assert bot.slack.wait_for(lambda: len(bot.slack.responses()) >= 1)
    answer = bot.slack.responses()[0]
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is True
    assert "告知" in answer["text"]
    rendered = str(answer["blocks"])
    assert "互联网运营大揭秘 › 活动运营 › 宣传推广" in rendered and "knowledge/playbook.md" in rendered
    buttons = [e["action_id"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["share_answer", "feedback_up", "feedback_down"]
    assert bot.slack.called("chat.postMessage") == []


def test_a_question_not_covered_says_what_the_playbook_covers(bot: RunningBot) -> None:
    bot.command("ask 怎么配置 Kubernetes?")
    assert bot.slack.wait_for(lambda: len(bot.slack.responses()) >= 1)
    answer = bot.slack.responses()[0]
    assert (
        answer["text"].startswith("手册没有讲 Kubernetes 配置。目前手册涵盖:")
        and "活动运营" in answer["text"]
    )
    assert "knowledge/playbook.md" not in str(answer["blocks"])


def test_a_greeting_gets_a_friendly_private_reply_without_buttons(bot: RunningBot) -> None:
    bot.command("Hi there!")
    assert bot.slack.wait_for(lambda: len(bot.slack.responses()) >= 1)
    reply = bot.slack.responses()[0]
    assert reply["response_type"] == "ephemeral" and reply["replace_original"] is True
    assert "Here is what I can do" in reply["text"] and "`/ops review" in reply["text"]
    assert [block["type"] for block in reply["blocks"]] == ["section"]


def test_help_and_unknown_subcommands_get_help_in_the_acknowledgement(bot: RunningBot) -> None:
    for text, extra in (("help", ""), ("", ""), ("frobnicate", "frobnicate")):
        reply = bot.command(text)
        assert reply.status == 200
        body = reply.json()
        rendered = str(body["blocks"])
        assert "/ops ask 活动上线前怎么预热?" in rendered and "English works too" in rendered
        assert extra in rendered
    assert bot.slack.responses() == []


def test_empty_and_huge_questions_get_a_clear_reply(bot: RunningBot) -> None:
    bot.command("ask " + "问" * 40_000, response="huge")
    assert bot.slack.wait_for(lambda: len(bot.slack.responses("huge")) >= 1)
    assert "40,000" in bot.slack.responses("huge")[0]["text"]
    assert bot.command("ask").json()["blocks"]  # `ask` with nothing after it shows help


def test_forged_missing_and_stale_signatures_are_refused_and_nothing_is_posted(bot: RunningBot) -> None:
    forged = bot.command(
        "ask 活动怎么预热",
        **{"X-Slack-Signature": "v0=" + "0" * 64, "X-Slack-Request-Timestamp": str(int(time.time()))},
    )
    assert forged.status == 401
    body = b"command=%2Fops&text=ask+hi&response_url=x"
    stale = bot.post(
        body, "application/x-www-form-urlencoded", signed_headers(body, timestamp=int(time.time()) - 360)
    )
    assert stale.status == 401
    missing = bot.post(body, "application/x-www-form-urlencoded", {})
    assert missing.status == 401
    wrong_secret = bot.post(body, "application/x-www-form-urlencoded", signed_headers(body, secret="a" * 32))
    assert wrong_secret.status == 401
    # Refused before Bolt dispatches anything, so no work can still be on its way.
    assert bot.runtime.responder.drain(timeout=30)
    assert bot.slack.responses() == [] and bot.slack.called("chat.postMessage") == []


def test_readiness_is_503_until_the_knowledge_base_is_loaded(bot: RunningBot) -> None:
    async def get(path: str) -> httpx.Response:
        asgi = OpsbotAsgi(bot.runtime.app, Health({"knowledge": lambda: "loading the knowledge base"}))
        transport = httpx.ASGITransport(app=asgi)  # type: ignore[arg-type]  # Bolt types scope narrowly
        async with httpx.AsyncClient(transport=transport, base_url="http://opsbot") as client:
            return await client.get(path)

    response = asyncio.run(get("/readyz"))
    assert response.status_code == 503 and "loading" in response.text
    assert asyncio.run(get("/healthz")).status_code == 200  # alive all the same
