"""With an LLM configured, answers to messages stream into their message (chat.startStream …)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.domain.clock import FixedClock
from bot.settings import Settings
from tests.integration.fake_openai import FakeOpenAI
from tests.slack.conftest import RunningBot, running_bot
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_bot(
    slack_settings: Settings, fake_slack: FakeSlack, llm: FakeOpenAI, clock: FixedClock
) -> Iterator[RunningBot]:
    settings = slack_settings.model_copy(
        update={
            "llm": "openai:gpt-4.1-mini",
            "llm_base_url": llm.base_url,
            "llm_api_key": SecretStr("sk-test-1234567"),
        }
    )
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def dm(text: str, ts: str) -> dict[str, object]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": "D0ALICE",
        "user": "U0ALICE",
        "text": text,
        "ts": ts,
        "team": "T0000001",
    }


def streamed_text(slack: FakeSlack) -> str:
    parts = []
    for method in ("chat.startStream", "chat.appendStream", "chat.stopStream"):
        for call in slack.called(method):
            parts += [chunk.get("text", "") for chunk in call.params.get("chunks", []) or []]
            parts.append(call.params.get("markdown_text", "") or "")
    return "".join(parts)


def test_the_llm_answer_streams_into_one_message_with_sources_at_the_end(
    llm_bot: RunningBot, llm: FakeOpenAI
) -> None:
    llm.behaviour.reply = "预热最简单的方式是提前告知用户哪天上线什么活动 [1];更进一步可以加入有噱头的元素 [1]。别忘了 @here 不会被触发。"
    llm_bot.event(dm("活动上线前怎么预热?", "1800002000.000100"), "EvStream1")
    slack = llm_bot.slack
    assert slack.wait_for(lambda: bool(slack.called("chat.stopStream")), timeout=30)
    start = slack.called("chat.startStream")[0].params
    assert (start["channel"], start["thread_ts"], start["recipient_user_id"]) == (
        "D0ALICE",
        "1800002000.000100",
        "U0ALICE",
    )
    assert len(slack.called("chat.startStream")) == 1
    text = streamed_text(slack)
    assert "提前告知用户哪天上线什么活动 [1]" in text and "@here" not in text
    stop = slack.called("chat.stopStream")[0].params
    assert "互联网运营大揭秘 › 活动运营 › 宣传推广" in str(stop["blocks"]) and "feedback_up" in str(
        stop["blocks"]
    )
    assert slack.called("chat.postMessage") == []


def test_a_refusal_is_never_streamed(llm_bot: RunningBot, llm: FakeOpenAI) -> None:
    llm.behaviour.reply = "NOT_COVERED"
    llm_bot.event(dm("活动预热期间要和用户怎么互动?", "1800002100.000100"), "EvStream2")
    slack = llm_bot.slack
    assert slack.wait_for(lambda: bool(slack.called("chat.postMessage")), timeout=30)
    assert "手册里没有这部分内容" in slack.called("chat.postMessage")[0].params["text"]
    assert slack.called("chat.startStream") == []


def test_a_broken_stream_falls_back_to_quoted_passages(llm_bot: RunningBot, llm: FakeOpenAI) -> None:
    llm.behaviour.reply = "预热最简单的方式是提前告知用户上线时间,再加入有噱头的元素吸引关注 [1]。" * 3
    llm.behaviour.fail_after_chunks = 8
    llm_bot.event(dm("活动上线前怎么预热?", "1800002200.000100"), "EvStream3")
    slack = llm_bot.slack
    assert slack.wait_for(lambda: bool(slack.called("chat.postMessage")), timeout=30)
    fallback = slack.called("chat.postMessage")[0].params
    assert "LLM 暂不可用" in str(fallback["blocks"]) and "宣传推广" in str(fallback["blocks"])


def test_a_greeting_is_answered_without_the_llm(llm_bot: RunningBot, llm: FakeOpenAI) -> None:
    llm_bot.event(dm("Hi there!", "1800002300.000100"), "EvStream4")
    slack = llm_bot.slack
    assert slack.wait_for(lambda: bool(slack.called("chat.postMessage")), timeout=30)
    assert "Here is what I can do" in slack.called("chat.postMessage")[0].params["text"]
    assert slack.called("chat.startStream") == [] and llm.behaviour.requests == []


def test_an_answer_found_ungrounded_once_whole_replaces_its_streamed_words(
    llm_bot: RunningBot, llm: FakeOpenAI
) -> None:
    own_knowledge = "活动预算一般按 GMV 的百分之五到百分之十设置,再用 A/B 测试在渠道之间分配 [1]。投放要看 ROI 和 CAC [1]。"
    llm.behaviour.reply = own_knowledge
    llm_bot.event(dm("活动上线前怎么预热?", "1800002400.000100"), "EvStream5")
    slack = llm_bot.slack
    assert slack.wait_for(lambda: bool(slack.called("chat.update")), timeout=30)
    assert len(slack.called("chat.startStream")) == 1  # it had started: the words were shown…
    replaced = slack.called("chat.update")[0].params
    stopped = slack.called("chat.stopStream")[0].params
    assert (replaced["channel"], replaced["ts"]) == ("D0ALICE", stopped["ts"])  # …and are replaced
    assert "手册里没有这部分内容" in replaced["text"] and "GMV" not in str(replaced["blocks"])
    assert slack.called("chat.postMessage") == []
