"""Channel scopes: who may change them, how names match, and what a channel then answers from."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.domain.answering import Answerer, Retrieval, Scope
from bot.domain.clock import FixedClock
from bot.domain.editors import NotAnEditor
from bot.domain.errors import NotAllowed
from bot.domain.models import Answer, Chunk, Passage
from bot.domain.sources import DOCUMENT, REVIEW, KnowledgeSource
from bot.services.answers import AnswerService
from bot.services.ports import ChannelScope
from bot.services.scopes import (
    NOT_A_SCOPE_EDITOR,
    NOT_IN_A_DM,
    PLAYBOOK_STAYS,
    CollectionCount,
    ScopeService,
    UnknownCollection,
)
from bot.slack.blocks import source_lines
from tests.conftest import FROZEN_NOW
from tests.fakes import FakeKnowledgeSources

EDITOR = "U0EDITOR"
CHANNEL = "C0CAMPAIGN"


class FakeChannelScopes:
    def __init__(self) -> None:
        self.rows: list[ChannelScope] = []

    def for_channel(self, channel: str) -> list[ChannelScope]:
        return [row for row in self.rows if row.channel == channel]

    def add(self, scope: ChannelScope) -> bool:
        if any((r.channel, r.collection) == (scope.channel, scope.collection) for r in self.rows):
            return False
        self.rows.append(scope)
        return True

    def remove(self, channel: str, collection: str) -> bool:
        before = len(self.rows)
        self.rows = [r for r in self.rows if (r.channel, r.collection) != (channel, collection)]
        return len(self.rows) < before

    def clear(self, channel: str) -> int:
        before = len(self.rows)
        self.rows = [r for r in self.rows if r.channel != channel]
        return before - len(self.rows)


def source(source_id: str, kind: str = DOCUMENT, collection: str | None = None) -> KnowledgeSource:
    return KnowledgeSource(
        source_id,
        kind,
        source_id,
        "正文",
        None,
        CHANNEL,
        EDITOR,
        FROZEN_NOW.timestamp(),
        collection=collection,
    )


def require_editor(user: str) -> None:
    if user != EDITOR:
        raise NotAnEditor("not an editor")


@pytest.fixture
def library() -> FakeKnowledgeSources:
    sources = FakeKnowledgeSources()
    for entry in (
        source("plan1", collection="活动方案"),
        source("plan2", collection="活动方案"),
        source("doc1"),
        source("rev1", kind=REVIEW),
        source("Plans", collection="Campaign Plans"),
    ):
        sources.add(entry)
    sources.add(replace(source("gone", collection="旧方案"), deleted_at=FROZEN_NOW.timestamp()))
    return sources


@pytest.fixture
def scopes() -> FakeChannelScopes:
    return FakeChannelScopes()


@pytest.fixture
def service(scopes: FakeChannelScopes, library: FakeKnowledgeSources) -> ScopeService:
    return ScopeService(
        scopes,
        library,
        require_editor,
        FixedClock(FROZEN_NOW),
        lambda channel, user: True,  # membership is checked through Slack in tests/slack
        playbook_entries=lambda: 3,
    )


def test_a_channel_without_a_scope_answers_from_everything(service: ScopeService) -> None:
    assert service.collections_for(CHANNEL) is None
    assert not service.show(CHANNEL).scoped


def test_an_editor_limits_a_channel_to_the_playbook_and_the_added_collections(
    service: ScopeService, scopes: FakeChannelScopes
) -> None:
    change = service.add(EDITOR, CHANNEL, "活动方案")
    assert change.changed and change.collection == "活动方案"
    assert service.collections_for(CHANNEL) == frozenset({"手册", "活动方案"})
    assert scopes.rows == [ChannelScope(CHANNEL, "活动方案", EDITOR, FROZEN_NOW.timestamp())]
    assert service.collections_for("C0ELSEWHERE") is None  # other channels are untouched
    assert service.collections_for("D0DIRECT") is None  # direct messages are never scoped


def test_names_match_after_trimming_and_case_folding(service: ScopeService) -> None:
    change = service.add(EDITOR, CHANNEL, "  campaign   PLANS ")
    assert change.collection == "Campaign Plans"  # stored as the collection spells itself
    again = service.add(EDITOR, CHANNEL, "Campaign Plans")
    assert not again.changed
    assert service.remove(EDITOR, CHANNEL, "CAMPAIGN plans").changed
    assert service.collections_for(CHANNEL) is None


def test_an_unknown_collection_is_refused_with_the_existing_ones(service: ScopeService) -> None:
    with pytest.raises(UnknownCollection) as refused:
        service.add(EDITOR, CHANNEL, "活动计划")
    message = str(refused.value)
    assert "「活动计划」" in message and "There is no collection named" in message
    for name in ("手册", "活动方案", "文档", "复盘", "Campaign Plans"):
        assert name in message
    assert "旧方案" not in message  # only removed entries were filed there
    assert service.collections_for(CHANNEL) is None


def test_collections_are_listed_with_their_entry_counts(service: ScopeService) -> None:
    assert service.existing() == [
        CollectionCount("手册", 3),
        CollectionCount("活动方案", 2),
        CollectionCount("Campaign Plans", 1),
        CollectionCount("复盘", 1),
        CollectionCount("文档", 1),
    ]


def test_the_playbook_cannot_be_removed_and_adding_it_changes_nothing(
    service: ScopeService, scopes: FakeChannelScopes
) -> None:
    assert not service.add(EDITOR, CHANNEL, "手册").changed
    assert scopes.rows == []
    with pytest.raises(NotAllowed) as refused:
        service.remove(EDITOR, CHANNEL, " 手册 ")
    assert str(refused.value) == PLAYBOOK_STAYS


def test_removing_a_collection_not_in_scope_says_what_is(service: ScopeService) -> None:
    service.add(EDITOR, CHANNEL, "文档")
    with pytest.raises(UnknownCollection) as refused:
        service.remove(EDITOR, CHANNEL, "复盘")
    assert "「复盘」不在这个频道的范围里" in str(refused.value) and "「文档」" in str(refused.value)


def test_clear_goes_back_to_every_collection(service: ScopeService) -> None:
    service.add(EDITOR, CHANNEL, "文档")
    service.add(EDITOR, CHANNEL, "复盘")
    view = service.clear(EDITOR, CHANNEL)
    assert not view.scoped and service.collections_for(CHANNEL) is None


def test_only_editors_change_a_scope_but_anyone_may_look(
    service: ScopeService, scopes: FakeChannelScopes
) -> None:
    service.add(EDITOR, CHANNEL, "文档")
    for change in (
        lambda: service.add("U0GUEST", CHANNEL, "复盘"),
        lambda: service.remove("U0GUEST", CHANNEL, "文档"),
        lambda: service.clear("U0GUEST", CHANNEL),
    ):
        with pytest.raises(NotAnEditor) as refused:
            change()
        assert str(refused.value) == NOT_A_SCOPE_EDITOR
    assert [row.collection for row in scopes.rows] == ["文档"]
    assert service.show(CHANNEL).collections == ["文档"]


def test_a_direct_message_has_no_scope_to_change(service: ScopeService) -> None:
    with pytest.raises(NotAllowed) as refused:
        service.add(EDITOR, "D0DIRECT", "文档")
    assert str(refused.value) == NOT_IN_A_DM


class ScopedRetriever:
    """Remembers the scope it was asked with; covers nothing inside a scope, names 文档 as the one that would."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []

    def retrieve(self, question: str, limit: int, collections: Scope = None) -> Retrieval:
        self.scopes.append(collections)
        if collections is None:
            return Retrieval([LIVESTREAM], True)
        return Retrieval([], False, elsewhere="文档")

    def topics(self) -> list[str]:
        return ["活动运营"]


LIVESTREAM = Passage(
    Chunk("c1", "document:live01", "直播带货操作手册 › 选品", "每场选 20 款商品。"), 0.9, "文档"
)


def test_the_answer_pipeline_searches_within_the_channels_scope() -> None:
    retriever = ScopedRetriever()
    answerer = Answerer(retriever, None, max_question_chars=2000, top_k=3)
    scoped = answerer.answer("直播间怎么选品?", collections=frozenset({"手册", "活动方案"}))
    assert retriever.scopes == [frozenset({"手册", "活动方案"})]
    assert scoped.kind == "not_covered"
    assert scoped.text.endswith("这个频道的范围里没有;「文档」里有相关内容(不在本频道的范围内)。")
    english = answerer.answer("How do we pick livestream products?", collections=frozenset({"手册"}))
    assert english.text.endswith("Not in this channel's collections; the 文档 collection has something.")
    unscoped = answerer.answer("直播间怎么选品?")
    assert retriever.scopes[-1] is None and unscoped.sources == [LIVESTREAM]


def test_every_citation_names_its_collection_in_slack_json_and_stored_answers() -> None:
    answer = Answer("直播间怎么选品?", "每场选 20 款商品 [1]", [LIVESTREAM])
    assert source_lines(answer) == ["[1] 〔文档〕直播带货操作手册 › 选品    `document:live01`"]
    assert answer.to_json()["sources"] == [
        {
            "source": "document:live01",
            "collection": "文档",
            "section": "直播带货操作手册 › 选品",
            "text": "每场选 20 款商品。",
            "score": 0.9,
        }
    ]
    assert Answer.from_record(answer.to_record()).sources[0].collection_name == "文档"
    older = answer.to_record()
    for passage in older["sources"]:  # type: ignore[attr-defined]
        del passage["collection"]  # kept before collections existed: derived from the source
    review = Passage(Chunk("c2", "review:r1", "复盘 · 双十二", "教训"), 0.5)
    assert Answer.from_record(older).sources[0].collection_name == "文档"
    assert review.collection_name == "复盘"


def test_a_scope_that_cannot_be_read_answers_from_everything() -> None:
    def broken(channel: str) -> Scope:
        raise OSError("database is down")

    service = AnswerService(Answerer(ScopedRetriever(), None, 2000, 3), None, broken)  # type: ignore[arg-type]
    assert service.scope_of("C0CAMPAIGN") is None
    scoped = AnswerService(Answerer(ScopedRetriever(), None, 2000, 3), None, lambda c: frozenset({"手册"}))  # type: ignore[arg-type]
    assert scoped.scope_of("C0CAMPAIGN") == frozenset({"手册"})
