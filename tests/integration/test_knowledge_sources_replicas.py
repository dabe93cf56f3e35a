"""Two opsbot processes sharing PostgreSQL and a Chroma server: a review saved by one is cited by the other."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.adapters.database import make_engine
from bot.adapters.knowledge_source_store import SqlKnowledgeSources
from bot.adapters.migrate import upgrade
from bot.container import Container, bootstrap
from bot.domain.clock import FixedClock
from bot.services.reviews import ReviewService
from bot.settings import Settings
from tests.conftest import FROZEN_NOW
from tests.fakes import FakeChecklistStore
from tests.postgres import own_postgres_database
from tests.unit.test_services import campaign

LABEL = "复盘 · 双十二拉新活动 (2026-11-25, by <@U0LEAD>)"
QUESTION = "上次双十二拉新活动复盘有什么教训?"


@pytest.fixture
def postgres() -> Iterator[str]:
    with own_postgres_database() as url:
        upgrade(make_engine(url))
        yield url


def replica(settings: Settings, url: str) -> tuple[Container, Engine]:
    """What one `opsbot serve` builds for its knowledge: its own engine, store client and index in memory."""
    engine = make_engine(url)
    container = bootstrap(settings)
    container.knowledge.attach_sources(SqlKnowledgeSources(engine))
    container.knowledge.refresh()
    return container, engine


def cites_review(container: Container) -> bool:
    return any(passage.section == LABEL for passage in container.answerer.answer(QUESTION).sources)


def test_a_review_saved_through_one_process_is_cited_by_the_other_within_10_seconds(
    settings: Settings,
    chroma_server: int,
    postgres: str,
) -> None:
    remote = settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": chroma_server})
    first, first_engine = replica(remote, postgres)
    second, second_engine = replica(remote, postgres)
    assert not cites_review(second)
    checklists = FakeChecklistStore()
    checklists.save(campaign(), channel="C1")
    service = ReviewService(
        checklists,
        lambda: [],
        SqlKnowledgeSources(first_engine),
        FixedClock(FROZEN_NOW),
        on_review_saved=first.knowledge.refresh,
    )
    review = service.save(
        "c0ffee0001",
        "C1",
        "U0LEAD",
        [("教训", "双十二拉新活动的教训:渠道投放开始得太晚,地推物料没有提前确认。")],
    )
    assert cites_review(first)
    deadline = time.monotonic() + 10
    while not cites_review(second):
        assert time.monotonic() < deadline, "the other process did not pick up the review in 10 s"
        time.sleep(0.2)
    # Re-indexing from either process, or from `opsbot index` with no database, keeps it.
    assert review.source not in second.knowledge.refresh().removed
    assert review.source not in bootstrap(remote).knowledge.refresh().removed
    assert cites_review(first) and cites_review(second)
    first_engine.dispose()
    second_engine.dispose()
