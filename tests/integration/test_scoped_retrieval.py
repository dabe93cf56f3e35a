"""Collections on the real knowledge base: a scoped channel cites only its collections and the playbook."""

from __future__ import annotations

import pytest

from bot.container import Container, bootstrap
from bot.domain.sources import DOCUMENT, PLAYBOOK_COLLECTION, KnowledgeSource
from bot.settings import Settings
from tests.conftest import FROZEN_NOW
from tests.fakes import FakeKnowledgeSources

PLAN = KnowledgeSource(
    source_id="plan618",
    kind=DOCUMENT,
    title="618 大促方案",
    body=(
        "## 预热节奏\n"
        "618 大促预热期从 6 月 1 日开始,每天在社群发布倒计时海报,并发放限量满减优惠券。\n\n"
        "## 主会场排期\n"
        "6 月 16 日至 18 日主会场开放,每天 20 点整点秒杀,客服排班延长到凌晨一点。\n"
    ),
    campaign_id=None,
    channel="C0CAMPAIGN",
    created_by="U0EDITOR",
    created_at=FROZEN_NOW.timestamp(),
    collection="活动方案",
)
LIVESTREAM = KnowledgeSource(
    source_id="live01",
    kind=DOCUMENT,  # no collection named: the kind's default, 文档
    title="直播带货操作手册",
    body=(
        "## 直播间选品规则\n"
        "每场直播选 20 款商品:5 款低价引流款、10 款利润款、5 款新品,引流款放在开场半小时内讲解。\n\n"
        "## 主播话术\n"
        "讲解每款商品先说痛点,再演示使用效果,最后报出直播间专属价格并倒数上链接。\n"
    ),
    campaign_id=None,
    channel="C0OTHER",
    created_by="U0EDITOR",
    created_at=FROZEN_NOW.timestamp() + 1,
)
CAMPAIGN_SCOPE = frozenset({PLAYBOOK_COLLECTION, "活动方案"})


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Container:
    """One knowledge base for the module: the playbook, a campaign plan and a livestream handbook."""
    from tests.conftest import _SESSION_CACHE, PLAYBOOK

    root = tmp_path_factory.mktemp("scoped")
    knowledge = root / "knowledge"
    knowledge.mkdir()
    (knowledge / "playbook.md").write_bytes(PLAYBOOK.read_bytes())
    built = bootstrap(Settings(data_dir=root / "data", knowledge_dir=knowledge, cache_dir=_SESSION_CACHE))
    sources = FakeKnowledgeSources()
    sources.add(PLAN)
    sources.add(LIVESTREAM)
    built.knowledge.attach_sources(sources)
    built.knowledge.refresh()
    return built


def test_unscoped_answers_cite_every_collection_with_its_name(container: Container) -> None:
    answer = container.answerer.answer("直播间选品有什么规则?")
    assert answer.covered
    assert answer.sources[0].source == LIVESTREAM.source
    assert answer.sources[0].collection_name == "文档"
    assert answer.to_json()["sources"][0]["collection"] == "文档"  # type: ignore[index]


def test_a_scoped_channel_cites_its_own_plans(container: Container) -> None:
    answer = container.answerer.answer("618 大促预热期每天做什么?", collections=CAMPAIGN_SCOPE)
    assert answer.covered
    assert answer.sources[0].source == PLAN.source
    assert answer.sources[0].collection_name == "活动方案"
    assert {passage.collection_name for passage in answer.sources} <= CAMPAIGN_SCOPE


def test_a_scoped_channel_still_answers_from_the_playbook(container: Container) -> None:
    answer = container.answerer.answer("活动上线前怎么预热?", collections=CAMPAIGN_SCOPE)
    assert answer.covered
    assert answer.sources[0].collection_name == PLAYBOOK_COLLECTION
    assert "宣传推广" in answer.sources[0].section


def test_filtering_happens_before_the_top_k_cut(container: Container) -> None:
    """A scoped search fills its k passages from the allowed collections, none from the others."""
    everything = container.knowledge.search("直播间选品和主播话术", 6)
    assert any(p.collection == "文档" for p in everything.passages)
    scoped = container.knowledge.search("直播间选品和主播话术", 6, CAMPAIGN_SCOPE)
    assert len(scoped.passages) == 6
    assert {p.collection for p in scoped.passages} <= CAMPAIGN_SCOPE
    only_plans = container.knowledge.search("直播间选品和主播话术", 6, frozenset({"活动方案"}))
    assert [p.source for p in only_plans.passages] == [PLAN.source, PLAN.source]


def test_a_question_only_another_collection_answers_is_not_covered_here(container: Container) -> None:
    answer = container.answerer.answer("直播间选品有什么规则?", collections=CAMPAIGN_SCOPE)
    assert answer.kind == "not_covered" and not answer.sources
    assert all(p.source != LIVESTREAM.source for p in answer.related)
    assert "这个频道的范围里没有;「文档」里有相关内容" in answer.text


def test_an_off_topic_question_does_not_point_elsewhere(container: Container) -> None:
    result = container.knowledge.search("公司年会抽奖的奖品预算是多少?", 3, CAMPAIGN_SCOPE)
    assert not result.covered
    assert result.elsewhere is None
