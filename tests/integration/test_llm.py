"""The optional LLM path over real HTTP against a local OpenAI-compatible server."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import date

import pytest

from bot.container import bootstrap
from bot.settings import Settings
from tests.integration.fake_openai import API_KEY, FakeOpenAI, with_llm

ANSWER_ZH = "只根据下面编号的手册段落回答"
ANSWER_EN = "answer in English"


@pytest.fixture
def llm_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def test_grounded_answer_from_the_prompt_files(settings: Settings, llm_server: FakeOpenAI) -> None:
    answer = bootstrap(with_llm(settings, llm_server)).answerer.answer("活动上线前怎么预热?")
    assert answer.text == "预热最简单的方式是提前告知用户上线时间 [1]。"
    assert answer.sources[0].section.endswith("宣传推广")
    (request,) = llm_server.behaviour.requests_with(ANSWER_ZH)
    assert request["model"] == "gpt-4.1-mini"
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "只根据下面编号的手册段落回答" in system and "NOT_COVERED" in system
    assert "[1] 互联网运营大揭秘 › 活动运营 › 宣传推广" in user and "活动上线前怎么预热?" in user
    assert llm_server.behaviour.headers[0]["authorization"] == f"Bearer {API_KEY}"


def test_english_questions_use_the_english_prompt(settings: Settings, llm_server: FakeOpenAI) -> None:
    llm_server.behaviour.reply = "Tell users in advance which campaign goes live when (“告知”) [1]."
    answer = bootstrap(with_llm(settings, llm_server)).answerer.answer("How do we warm up a launch?")
    assert answer.text == "Tell users in advance which campaign goes live when (“告知”) [1]."
    assert len(llm_server.behaviour.requests_with(ANSWER_EN)) == 1


def test_the_model_refusing_means_not_covered(settings: Settings, llm_server: FakeOpenAI) -> None:
    llm_server.behaviour.reply = "NOT_COVERED"
    # The search finds passages; the model reading them says they do not answer the question.
    answer = bootstrap(with_llm(settings, llm_server)).answerer.answer("活动预热期间要和用户怎么互动?")
    assert answer.sources == []
    assert answer.text.startswith("手册里没有这部分内容")
    assert len(llm_server.behaviour.requests_with(ANSWER_ZH)) == 1


def test_citations_of_missing_passages_are_dropped(settings: Settings, llm_server: FakeOpenAI) -> None:
    llm_server.behaviour.reply = "提前告知 [1],再加噱头 [7]。"
    answer = bootstrap(with_llm(settings, llm_server)).answerer.answer("活动怎么预热")
    assert answer.text == "提前告知 [1],再加噱头 。"


def test_timeout_falls_back_to_extractive_and_says_so(
    settings: Settings, llm_server: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    llm_server.behaviour.delay_s = 2.0
    with caplog.at_level(logging.DEBUG):
        answer = bootstrap(with_llm(settings, llm_server, timeout=0.5)).answerer.answer("活动怎么预热")
    assert "LLM 暂不可用" in answer.note
    assert "告知" in answer.text and answer.sources
    assert API_KEY not in caplog.text


def test_server_errors_fall_back_without_leaking_the_key(
    settings: Settings, llm_server: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    llm_server.behaviour.status = 500
    with caplog.at_level(logging.DEBUG):
        answer = bootstrap(with_llm(settings, llm_server)).answerer.answer("How do we warm up a launch?")
    assert "LLM is unavailable" in answer.note
    assert answer.sources
    assert API_KEY not in caplog.text


def test_checklist_wording_is_tailored_through_structured_output(
    settings: Settings, llm_server: FakeOpenAI
) -> None:
    llm_server.behaviour.reply = json.dumps(
        {
            "items": [
                {"id": "goal-1", "text": "明确双十二拉新目标:新增1万注册"},
                {"id": "review-4", "text": "双十二活动复盘"},
            ]
        },
        ensure_ascii=False,
    )
    checklist = bootstrap(with_llm(settings, llm_server)).drafter.draft(
        "双十二拉新活动", date(2026, 12, 12), date(2026, 12, 14)
    )
    texts = {item.item_id: item.text for item in checklist.items()}
    assert texts["goal-1"] == "明确双十二拉新目标:新增1万注册" and texts["review-4"] == "双十二活动复盘"
    assert texts["planning-1"] == "确定活动文案并撰写"
    request = llm_server.behaviour.requests[0]
    assert request["response_format"]["type"] == "json_schema"
    assert "双十二拉新活动" in request["messages"][0]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        "not json at all",
        json.dumps({"items": [{"id": "no-such-item", "text": "x"}]}),
        json.dumps({"items": [{"id": "goal-1", "text": "太长" * 60}]}),
        json.dumps({"wrong": "shape"}),
    ],
)
def test_invalid_tailoring_falls_back_to_the_template(
    settings: Settings, llm_server: FakeOpenAI, reply: str
) -> None:
    llm_server.behaviour.reply = reply
    checklist = bootstrap(with_llm(settings, llm_server)).drafter.draft(
        "双十二拉新活动", date(2026, 12, 12), None
    )
    texts = {item.item_id: item.text for item in checklist.items()}
    assert texts["goal-1"].startswith("明确活动目的与目标")
    assert texts["review-4"] == "复盘整个活动"
