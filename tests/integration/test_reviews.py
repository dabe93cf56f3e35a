"""Reviews (复盘) as knowledge: cited as reviews, never as playbook sections, none lost or overwritten."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from bot.adapters.database import make_engine
from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.adapters.migrate import upgrade
from bot.container import Container, bootstrap, review_questions
from bot.domain.clock import FixedClock
from bot.domain.reviews import review_markdown
from bot.knowledge.documents import read_document
from bot.knowledge.indexer import records_for_chunks
from bot.knowledge.splitter import fingerprint_version, split_document
from bot.services.ports import KnowledgeSourceStore
from bot.services.reviews import ReviewService
from bot.settings import Settings
from tests.conftest import FROZEN_NOW
from tests.fakes import FakeChecklistStore, FakeKnowledgeSources
from tests.unit.test_services import campaign

LABEL = "复盘 · 双十二拉新活动 (2026-11-25, by <@U0LEAD>)"
# A reviewer who types the playbook's own headings and a scraped page's footer line into an answer.
POSING = """### 活动运营 › 宣传推广
# 宣传推广
活动预热时先在社群里发红包,效果比海报好。
最后编辑于 2026.11.20
教训:地推物料没有提前确认,下次至少提前两周锁定。"""


def reviews(
    container: Container, sources: KnowledgeSourceStore, checklists: FakeChecklistStore
) -> ReviewService:
    return ReviewService(
        checklists,
        lambda: review_questions(container.knowledge),
        sources,
        FixedClock(FROZEN_NOW),
        on_review_saved=container.knowledge.refresh,
    )


def with_reviews(settings: Settings) -> tuple[Container, ReviewService, FakeKnowledgeSources]:
    container = bootstrap(settings)
    sources = FakeKnowledgeSources()
    container.knowledge.attach_sources(sources)
    checklists = FakeChecklistStore()
    checklists.save(campaign(), channel="C1")
    return container, reviews(container, sources, checklists), sources


def migrated(settings: Settings) -> Engine:
    engine = make_engine(settings.database)
    upgrade(engine)
    return engine


def test_headings_and_footers_in_a_review_neither_move_nor_cut_it(settings: Settings) -> None:
    container, service, _ = with_reviews(settings)
    review = service.save("c0ffee0001", "C1", "U0LEAD", [("宣传推广做得怎么样?", POSING)])
    knowledge = container.knowledge
    mine = [chunk for chunk in knowledge.searcher.chunks if chunk.source == review.source]
    assert mine and {chunk.section for chunk in mine} == {LABEL}
    text = " ".join(chunk.text for chunk in mine)
    assert "地推物料" in text and "最后编辑于" in text and "#" not in text
    found = knowledge.section("活动运营 › 宣传推广")
    assert found and found[0] == "互联网运营大揭秘 › 活动运营 › 宣传推广"
    assert not any("复盘" in topic or topic == "宣传推广" for topic in knowledge.topics())
    answer = container.answerer.answer("活动预热发红包效果怎么样?")
    assert answer.sources
    for passage in answer.sources:
        assert passage.source.startswith("knowledge/") or passage.section == LABEL
    assert any(passage.section == LABEL for passage in answer.sources)
    assert LABEL in answer.text  # the extractive answer names it as a review, not as a section


def test_two_reviews_saved_in_the_same_second_are_both_kept(settings: Settings) -> None:
    container, service, sources = with_reviews(settings)
    first = service.save("c0ffee0001", "C1", "U0LEAD", [("教训", "渠道投放开始得太晚。")])
    second = service.save("c0ffee0001", "C1", "U0BOB", [("教训", "客服人手不够,回复太慢。")])
    assert first.source_id != second.source_id and len(sources.all()) == 2
    # "教训" is no question the form asked, so each answer is filed under "anything else".
    texts = {chunk.text for chunk in container.knowledge.searcher.chunks}
    assert "其他总结 / Anything else:渠道投放开始得太晚。" in texts
    assert "其他总结 / Anything else:客服人手不够,回复太慢。" in texts


def test_the_indexer_keeps_sources_it_did_not_load_until_they_are_tombstoned(settings: Settings) -> None:
    container = bootstrap(settings)
    shared = SqlKnowledgeSources(migrated(settings))
    container.knowledge.attach_sources(shared)
    checklists = FakeChecklistStore()
    checklists.save(campaign(), channel="C1")
    service = reviews(container, shared, checklists)
    review = service.save("c0ffee0001", "C1", "U0LEAD", [("教训", "渠道投放开始得太晚。")])
    # `opsbot index` knows nothing of the database: it must leave the review alone.
    report = bootstrap(settings).knowledge.refresh()
    assert review.source not in report.removed
    stored = {str(meta["source"]) for meta in bootstrap(settings).knowledge._store.metadatas()}
    assert review.source in stored
    shared.tombstone(review.source_id, FROZEN_NOW.timestamp())
    report = container.knowledge.refresh()
    assert report.removed == [review.source]
    assert not any(c.source == review.source for c in container.knowledge.searcher.chunks)


def test_review_files_of_older_versions_are_imported_once(settings: Settings) -> None:
    old = settings.reviews_dir
    old.mkdir(parents=True)
    markdown = review_markdown("双十二拉新活动", "U0LEAD", FROZEN_NOW.date(), [("宣传推广", POSING)])
    (old / "c0ffee0001-1795000000.md").write_text(markdown, "utf-8")
    sources = SqlKnowledgeSources(migrated(settings))
    assert sources.import_legacy_reviews(old) == 1
    assert sources.import_legacy_reviews(old) == 0
    (imported,) = sources.all()
    assert imported.title == LABEL and imported.campaign_id == "c0ffee0001"
    container = bootstrap(settings)
    container.knowledge.attach_sources(sources)
    mine = [c for c in container.knowledge.searcher.chunks if c.source == imported.source]
    assert {c.section for c in mine} == {LABEL} and "地推物料" in " ".join(c.text for c in mine)


def test_reviews_indexed_from_files_by_older_versions_are_replaced(settings: Settings) -> None:
    """The old index cited reviews/<file>.md; those records go once the database holds the reviews."""
    old = settings.reviews_dir
    old.mkdir(parents=True)
    markdown = review_markdown("双十二拉新活动", "U0LEAD", FROZEN_NOW.date(), [("教训", "渠道投放太晚。")])
    path = old / "c0ffee0001-1795000000.md"
    path.write_text(markdown, "utf-8")
    container = bootstrap(settings)
    container.knowledge.refresh()
    document = read_document(path, "reviews/c0ffee0001-1795000000.md")
    fingerprint = fingerprint_version(document)
    records = records_for_chunks(split_document(document), fingerprint)
    container.knowledge._store.add([replace(r, record_count=len(records)) for r in records])
    sources = SqlKnowledgeSources(migrated(settings))
    sources.import_legacy_reviews(old)
    container.knowledge.attach_sources(sources)
    report = container.knowledge.refresh()
    assert report.removed == ["reviews/c0ffee0001-1795000000.md"]
    assert report.added == [sources.all()[0].source]
