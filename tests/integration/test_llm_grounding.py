"""The model judges coverage, and code refuses answers it wrote from its own knowledge instead of the passages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.adapters.grounding import judge_grounding
from bot.container import bootstrap
from bot.domain.answering import Answerer, Draft
from bot.domain.models import Chunk, Passage
from bot.settings import Settings
from tests.integration.fake_openai import FakeOpenAI, Scripted, with_llm

REWRITE = "search query for its playbook"
ANSWER_ZH = "只根据下面编号的手册段落回答"
ANSWER_EN = "answer in English"
NOT_COVERED_ZH = "手册里没有这部分内容"

WARM_UP_QUESTION = "活动上线前怎么预热?"
# Covered by the search (宣传推广 speaks of 推广资源), so the model is asked; a question asking for an
# amount would be refused before it (no section states one).
BUDGET_QUESTION = "活动预热的时候推广资源怎么投?"
# Plausible advice, cited as [1], but nothing of it is in the playbook's warm-up section.
OWN_KNOWLEDGE_ZH = "活动预热的预算一般占活动总预算的10%到20%,建议优先投放信息流广告并与KOL合作 [1]。"
OWN_KNOWLEDGE_EN = "Set aside about 10% of the budget for paid social ads (“广告投放”) and run A/B tests [1]."
GROUNDED_ZH = "预热最简单的方式是告知用户哪天上线什么活动 [1];更进一步可以加入有噱头的元素,吸引用户关注 [1]。"
GROUNDED_EN = (
    "The simplest warm-up is to tell users which campaign goes live on which day (“告知”) [1]. "
    "You can also add an eye-catching hook (“噱头”) and put promotion resources behind it "
    "(“推广资源”) [1]."
)

WARM_UP = Passage(
    Chunk(
        "c1",
        "playbook.md",
        "互联网运营大揭秘 › 活动运营 › 宣传推广",
        "活动预热非常重要。预热最简单的方式就是告知,如哪天上线什么活动;更复杂的方式是,不只是告知,"
        "而是加入有噱头的元素,吸引用户感兴趣并关注,还会投入推广资源扩大受众。",
    ),
    1.0,
)
RETENTION = Passage(
    Chunk(
        "c2",
        "playbook.md",
        "互联网运营大揭秘 › 用户运营 › 留存",
        "产品和用户应建立良好的互动关系使之长期留存,最终愿意留下来跟你一起玩。",
    ),
    0.9,
)


@pytest.fixture
def llm_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        server.behaviour.scripts = {REWRITE: Scripted("活动预热")}
        yield server


def _answerer(settings: Settings, server: FakeOpenAI) -> Answerer:
    return bootstrap(with_llm(settings, server)).answerer


def test_the_prompts_demand_passages_only_and_not_covered(settings: Settings, llm_server: FakeOpenAI) -> None:
    answerer = _answerer(settings, llm_server)
    answerer.answer(WARM_UP_QUESTION)
    answerer.answer("How do we warm up a launch?")
    (chinese,) = llm_server.behaviour.requests_with(ANSWER_ZH)
    (english,) = llm_server.behaviour.requests_with(ANSWER_EN)
    assert "NOT_COVERED" in chinese["messages"][0]["content"]
    assert "NOT_COVERED" in english["messages"][0]["content"]
    assert "quote the playbook's own key term" in english["messages"][0]["content"]


@pytest.mark.parametrize("reply", ["NOT_COVERED", "NOT_COVERED.", "抱歉,NOT_COVERED"])
def test_the_model_saying_not_covered_means_not_covered(
    settings: Settings, llm_server: FakeOpenAI, reply: str
) -> None:
    llm_server.behaviour.scripts[ANSWER_ZH] = Scripted(reply)
    answer = _answerer(settings, llm_server).answer(BUDGET_QUESTION)
    assert answer.kind == "not_covered" and answer.sources == []
    assert answer.text.startswith(NOT_COVERED_ZH)


def test_an_answer_from_the_models_own_knowledge_is_refused(
    settings: Settings, llm_server: FakeOpenAI
) -> None:
    llm_server.behaviour.scripts[ANSWER_ZH] = Scripted(OWN_KNOWLEDGE_ZH)
    answer = _answerer(settings, llm_server).answer(BUDGET_QUESTION)
    assert answer.kind == "not_covered" and answer.sources == []
    assert answer.text.startswith(NOT_COVERED_ZH) and "KOL" not in answer.text
    assert len(llm_server.behaviour.requests_with(ANSWER_ZH)) == 1


def test_an_english_answer_from_the_models_own_knowledge_is_refused(
    settings: Settings, llm_server: FakeOpenAI
) -> None:
    llm_server.behaviour.scripts[ANSWER_EN] = Scripted(OWN_KNOWLEDGE_EN)
    answer = _answerer(settings, llm_server).answer(
        "How should a launch warm-up use its promotion resources?"
    )
    assert answer.kind == "not_covered" and answer.sources == []
    assert "A/B" not in answer.text
    assert len(llm_server.behaviour.requests_with(ANSWER_EN)) == 1


def test_a_grounded_chinese_answer_is_accepted(settings: Settings, llm_server: FakeOpenAI) -> None:
    llm_server.behaviour.scripts[ANSWER_ZH] = Scripted(GROUNDED_ZH)
    answer = _answerer(settings, llm_server).answer(WARM_UP_QUESTION)
    assert answer.kind == "answer" and answer.text == GROUNDED_ZH
    assert answer.sources[0].section.endswith("活动运营 › 宣传推广")


def test_an_english_answer_translating_chinese_passages_is_accepted(
    settings: Settings, llm_server: FakeOpenAI
) -> None:
    llm_server.behaviour.scripts[ANSWER_EN] = Scripted(GROUNDED_EN)
    answer = _answerer(settings, llm_server).answer("How do we warm up a launch?")
    assert answer.kind == "answer" and answer.text == GROUNDED_EN
    assert answer.sources[0].section.endswith("活动运营 › 宣传推广")


def test_an_english_answer_nobody_can_check_quotes_the_passages_instead(
    settings: Settings, llm_server: FakeOpenAI
) -> None:
    unquoted = "Use influencer marketing and email newsletters to build hype before launch [1]."
    llm_server.behaviour.scripts[ANSWER_EN] = Scripted(unquoted)
    answer = _answerer(settings, llm_server).answer("How do we warm up a launch?")
    assert answer.text != unquoted and "告知" in answer.text
    assert "could not be checked against the playbook" in answer.note
    assert answer.sources[0].section.endswith("活动运营 › 宣传推广")


def _streamed(answerer: Answerer, question: str) -> tuple[Draft, str]:
    draft = answerer.prepare(question)
    assert isinstance(draft, Draft)
    return draft, "".join(answerer.stream(draft))


def test_a_streamed_answer_from_own_knowledge_is_refused_too(
    settings: Settings, llm_server: FakeOpenAI
) -> None:
    llm_server.behaviour.scripts[ANSWER_ZH] = Scripted(OWN_KNOWLEDGE_ZH)
    answerer = _answerer(settings, llm_server)
    draft, text = _streamed(answerer, BUDGET_QUESTION)
    assert text == OWN_KNOWLEDGE_ZH
    answer = answerer.finish(draft, text)
    assert answer.kind == "not_covered" and answer.sources == []


def test_a_streamed_grounded_answer_is_accepted(settings: Settings, llm_server: FakeOpenAI) -> None:
    llm_server.behaviour.scripts[ANSWER_ZH] = Scripted(GROUNDED_ZH)
    answerer = _answerer(settings, llm_server)
    draft, text = _streamed(answerer, WARM_UP_QUESTION)
    answer = answerer.finish(draft, text)
    assert answer.kind == "answer" and answer.text == GROUNDED_ZH


@pytest.mark.parametrize(
    "answer",
    [
        GROUNDED_ZH,
        "预热最简单的方式是提前告知用户上线时间 [1]。",
        "活动上线前要先预热:直接告诉用户哪天上线什么活动 [1],也可以加入噱头吸引关注,并投入推广资源扩大受众 [1]。",
        "- 告知用户哪天上线什么活动 [1]\n- 加入有噱头的元素 [1]",
        "预热最简单的方式就是告知。[1]",
        "预热最简单的方式就是告知 [2]。",  # cites the wrong passage, but says what the playbook says
        GROUNDED_EN,
        "Build a good, interactive relationship with users so they stay for the long term (“长期留存”) [2].",
    ],
)
def test_paraphrases_and_translations_are_grounded(answer: str) -> None:
    verdict = judge_grounding(answer, [WARM_UP, RETENTION])
    assert not verdict.ungrounded and verdict.verifiable, verdict


@pytest.mark.parametrize(
    "answer",
    [
        OWN_KNOWLEDGE_ZH,
        "建议在活动开始前一周通过短信和邮件通知老客户,提高到达率 [1]。",
        "预热最简单的方式就是告知 [1]。预算控制在总预算的三成以内,优先投放信息流广告,同时找头部主播带货,做好直播间引流 [1]。",
        "预热最简单的方式是提前 3 天告知用户 [1]。",  # a made-up number
        OWN_KNOWLEDGE_EN,
        "Use influencer marketing (“网红营销”) and email newsletters (“邮件推送”) [1].",
    ],
)
def test_answers_from_elsewhere_are_ungrounded(answer: str) -> None:
    assert judge_grounding(answer, [WARM_UP, RETENTION]).ungrounded
