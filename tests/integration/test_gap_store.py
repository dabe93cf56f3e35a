"""Knowledge gaps on a real database (SQLite and PostgreSQL): reasons only on the voter's own 👎,
a group resolved once, and an asker claimed for telling by exactly one of many racing processes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine

from bot.adapters.gap_store import SqlGapStore
from bot.adapters.state_store import SqlStateStore
from bot.domain.gaps import NOT_COVERED, THUMBS_DOWN


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    return migrated_engine


def test_a_reason_goes_on_the_voters_own_thumbs_down_and_its_gap(engine: Engine) -> None:
    gaps, state = SqlGapStore(engine), SqlStateStore(engine)
    answer_id = state.save_answer("预算怎么审批?", {"question": "预算怎么审批?", "answer": "…"}, "U0ALICE")
    state.record_vote(answer_id, "U0BOB", "down")
    state.record_vote(answer_id, "U0CAROL", "up")
    gap_id = gaps.add(THUMBS_DOWN, "预算怎么审批?", "U0BOB", "C1", 10.0, answer_id)
    assert gaps.find_open(THUMBS_DOWN, answer_id, "U0BOB") is not None
    assert gaps.set_reason(answer_id, "U0BOB", "没说审批人")
    assert not gaps.set_reason(answer_id, "U0CAROL", "👍 voters have no reason to give")
    assert not gaps.set_reason(answer_id, "U0MALLORY", "never voted")
    stored = gaps.get(gap_id)
    assert stored is not None and stored.reason == "没说审批人"
    assert gaps.withdraw(THUMBS_DOWN, answer_id, "U0BOB") == 1 and gaps.get(gap_id) is None


def test_a_group_is_resolved_once_and_each_asker_claimed_once_under_a_race(engine: Engine) -> None:
    gaps = SqlGapStore(engine)
    ids = [gaps.add(NOT_COVERED, "KOL 怎么结算?", f"U0{user}", "C1", 1.0) for user in "AABBC"]
    assert [g.gap_id for g in gaps.open_gaps(100)][:5] == sorted(ids, reverse=True)
    assert gaps.resolve(ids, "entry1", 20.0) == 5
    assert gaps.resolve(ids, "entry2", 21.0) == 0  # a second submission resolves nothing
    wins: list[str] = []
    start = threading.Barrier(4)

    def process() -> None:
        store = SqlGapStore(engine)
        start.wait()
        for user in ("U0A", "U0B", "U0C"):
            if store.claim_notice(ids, user, 30.0):
                wins.append(user)

    threads = [threading.Thread(target=process) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(wins) == ["U0A", "U0B", "U0C"]


def test_an_entry_that_was_not_stored_reopens_its_gaps(engine: Engine) -> None:
    gaps = SqlGapStore(engine)
    gap_id = gaps.add(NOT_COVERED, "KOL?", "U0A", "C1", 1.0)
    assert gaps.resolve([gap_id], "entry1", 2.0) == 1
    gaps.unresolve("entry1")
    reopened = gaps.get(gap_id)
    assert reopened is not None and reopened.open and reopened.resolved_source_id is None
