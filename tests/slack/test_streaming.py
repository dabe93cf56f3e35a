"""With an LLM configured, answers to messages stream into their message (chat.startStream …)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from pydantic import SecretStr

from bot.container import bootstrap, bootstrap_slack
from bot.settings import Settings
from bot.slack.config import slack_credentials
from tests.integration.fake_openai import FakeOpenAI
from tests.slack.conftest import RunningBot, free_port
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm_bot(slack_settings: Settings, fake_slack: FakeSlack, llm: FakeOpenAI) -> Iterator[RunningBot]:
    settings = slack_settings.model_copy(
        update={
            "llm": "openai:gpt-4.1-mini",
            "llm_base_url": llm.base_url,
            "llm_api_key": SecretStr("sk-test-1234567"),
        }
    )
    container = bootstrap(settings)
    runtime = bootstrap_slack(container, slack_credentials(settings))
    runtime.load_knowledge_in_background(container.knowledge).join(timeout=120)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(runtime.asgi, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield RunningBot(f"http://127.0.0.1:{port}", fake_slack, runtime, settings, container)
    server.should_exit = True
    thread.join(timeout=10)


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
    llm_bot.event(dm("活动预热的预算该是多少?", "1800002100.000100"), "EvStream2")
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
