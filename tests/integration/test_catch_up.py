"""A document another process learned is indexed in the background: answers never wait for its embedding."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from bot.container import Container, bootstrap
from bot.domain.sources import DOCUMENT, KnowledgeSource
from bot.knowledge import base
from bot.knowledge.indexer import KnowledgeIndexer
from bot.settings import Settings
from tests.conftest import FROZEN_NOW
from tests.fakes import FakeKnowledgeSources

PLAN = KnowledgeSource(
    source_id="plan618",
    kind=DOCUMENT,
    title="618 大促方案",
    body="# 618 大促方案\n\n## 风险预案\n\n优惠券被刷时,立即下线券包并通知风控同事复核领取记录。",
    campaign_id=None,
    channel="D0EDITOR",
    created_by="U0EDITOR",
    created_at=FROZEN_NOW.timestamp(),
)
QUESTION = "优惠券被刷了怎么办?"


@pytest.fixture
def held_indexing(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Embedding waits until the test lets it go, as a 50-page PDF keeps it busy for minutes."""
    released = threading.Event()
    embed = KnowledgeIndexer._embed

    def held(indexer: KnowledgeIndexer, records: list[object]) -> None:
        if any(getattr(record, "source", "") == PLAN.source for record in records):
            released.wait(60)
        embed(indexer, records)  # type: ignore[arg-type]

    monkeypatch.setattr(KnowledgeIndexer, "_embed", held)
    monkeypatch.setattr(base, "CATCH_UP_SECONDS", 0.0)
    yield released
    released.set()


def cites_plan(container: Container) -> bool:
    return any(passage.source == PLAN.source for passage in container.answerer.answer(QUESTION).sources)


def test_answers_go_on_from_the_loaded_index_while_a_new_document_is_embedded(
    settings: Settings, held_indexing: threading.Event
) -> None:
    container = bootstrap(settings.model_copy(update={"embedder": "hashing"}))
    sources = FakeKnowledgeSources()
    container.knowledge.attach_sources(sources)
    container.knowledge.refresh()
    sources.add(PLAN)  # what another process's learning does: a row in the shared database

    # Embedding is held, and still the question is answered, from the index loaded before.
    assert not cites_plan(container)
    assert not cites_plan(container)
    held_indexing.set()
    deadline = time.monotonic() + 30
    while not cites_plan(container):
        assert time.monotonic() < deadline, "the document was never indexed after its embedding went on"
        time.sleep(0.05)
