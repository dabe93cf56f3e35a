"""What `/ops docs` counts: citations per entry (not per section) and 👎 on the answers that cited it,
over the last 30 days, on SQLite and (with OPSBOT_TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.adapters.knowledge_usage import SqlKnowledgeUsage
from bot.adapters.schema import answer_citations
from bot.adapters.state_store import SqlStateStore
from bot.services.ports import SourceUsage

DAY = 86400.0
NOW = 1_800_000_000.0


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def cited(*sources: tuple[str, str]) -> dict[str, Any]:
    """An answer record citing (source, section) pairs, as `Answer.to_record` writes it."""
    return {
        "question": "q",
        "answer": "a",
        "sources": [{"source": s, "section": section, "text": "t", "score": 0.9} for s, section in sources],
        "related": [{"source": "document:unrelated", "section": "x", "text": "t", "score": 0.1}],
    }


class Moments:
    """The store's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def test_citations_count_once_per_entry_and_answer_within_thirty_days(engine: Engine) -> None:
    clock = Moments()
    state = SqlStateStore(engine, now=clock)
    plan, playbook = "document:plan1", "knowledge/playbook.md"

    clock.now = NOW - 40 * DAY  # too old to count
    state.save_answer("old", cited((plan, "方案 › 目标")))
    clock.now = NOW - 2 * DAY
    two_sections = state.save_answer(
        "q1", cited((plan, "方案 › 目标"), (plan, "方案 › 风险"), (playbook, "活动"))
    )
    clock.now = NOW - DAY
    state.save_answer("q2", cited((plan, "方案 › 风险")))
    state.save_answer("chit-chat", {"question": "hi", "answer": "hello", "sources": []})

    with engine.connect() as db:
        rows = db.execute(
            select(answer_citations.c.source).where(answer_citations.c.answer_id == two_sections)
        )
        assert sorted(row.source for row in rows) == [plan, playbook]  # one row per entry, never `related`

    usage = SqlKnowledgeUsage(engine).usage(since=NOW - 30 * DAY)
    assert usage == {plan: SourceUsage(cited=2), playbook: SourceUsage(cited=1)}


def test_down_votes_count_on_the_answers_that_cited_each_entry(engine: Engine) -> None:
    clock = Moments()
    state = SqlStateStore(engine, now=clock)
    plan, deck = "document:plan1", "document:deck2"
    clock.now = NOW - 45 * DAY
    old_answer = state.save_answer("q0", cited((plan, "方案")))
    state.record_vote(old_answer, "U0OLD", "down")  # a vote from before the window
    clock.now = NOW - DAY
    both = state.save_answer("q1", cited((plan, "方案"), (deck, "幻灯片")))
    only_plan = state.save_answer("q2", cited((plan, "方案")))
    state.record_vote(both, "U0ALICE", "down")
    state.record_vote(both, "U0BOB", "up")
    state.record_vote(only_plan, "U0BOB", "down")
    state.record_vote(only_plan, "U0CAROL", "down")
    state.record_vote(only_plan, "U0CAROL", "up")  # changed their mind: the latest vote counts

    usage = SqlKnowledgeUsage(engine).usage(since=NOW - 30 * DAY)
    assert usage[plan] == SourceUsage(cited=2, down_votes=2)
    assert usage[deck] == SourceUsage(cited=1, down_votes=1)


def test_an_old_answer_voted_down_today_counts_its_vote_but_not_its_citation(engine: Engine) -> None:
    clock = Moments()
    state = SqlStateStore(engine, now=clock)
    clock.now = NOW - 40 * DAY
    old_answer = state.save_answer("q0", cited(("document:plan1", "方案")))
    clock.now = NOW
    state.record_vote(old_answer, "U0ALICE", "down")
    usage = SqlKnowledgeUsage(engine).usage(since=NOW - 30 * DAY)
    assert usage == {"document:plan1": SourceUsage(cited=0, down_votes=1)}
