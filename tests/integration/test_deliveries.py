"""Delivery claims on a real database: racing claimants win once; expired claims are taken over."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine

from bot.adapters.database import make_engine
from bot.adapters.delivery_store import SqlDeliveries
from bot.adapters.migrate import upgrade
from bot.services.ports import DeliveryKey
from tests.postgres import own_postgres_database


def race(engine: Engine) -> None:
    keys = [DeliveryKey(f"r{n}", "2026-11-25T02:00:00+00:00") for n in range(20)]
    wins: list[tuple[str, DeliveryKey]] = []
    start = threading.Barrier(2)

    def claimant(owner: str) -> None:
        store = SqlDeliveries(engine)
        start.wait()
        for key in keys:
            if store.claim(key, owner, 1000.0, 1100.0):
                wins.append((owner, key))

    threads = [threading.Thread(target=claimant, args=(owner,)) for owner in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(key.reminder_id for _, key in wins) == sorted(key.reminder_id for key in keys)
    store = SqlDeliveries(engine)
    owner, key = wins[0]
    store.retry_at(key, owner, 1200.0, "http503", 1001.0)
    assert store.waiting(1099.0) == []  # every claim still held
    assert key not in store.waiting(1199.0) and key in store.waiting(1200.0)
    assert store.claim(key, "c", 1200.0, 1300.0) == 2
    assert store.claim(key, "d", 1250.0, 1350.0) is None
    assert store.hand_back("c", 1260.0) == 1 and store.claim(key, "d", 1260.0, 1360.0) == 3
    store.sent(key, "c", 1261.0)  # the old claimer's late answer changes nothing
    assert key in store.waiting(5000.0)
    store.sent(key, "d", 1262.0)
    assert key not in store.waiting(5000.0)


def test_claims_race_once_on_sqlite(tmp_path: pytest.TempPathFactory) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/state.sqlite3")
    upgrade(engine)
    race(engine)


def test_claims_race_once_on_postgresql() -> None:
    with own_postgres_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        try:
            race(engine)
        finally:
            engine.dispose()


@pytest.fixture
def store(migrated_engine: Engine) -> SqlDeliveries:
    """The delivery store on a migrated database of the test's own."""
    return SqlDeliveries(migrated_engine)


def test_housekeeping_forgets_only_finished_deliveries_that_are_old(store: SqlDeliveries) -> None:
    sent, failed, retrying, recent = (DeliveryKey(name, "2026-11-25T02:00:00+00:00") for name in "abcd")
    for key in (sent, failed, retrying, recent):
        store.claim(key, "p", 1000.0, 1100.0)
    store.sent(sent, "p", 1001.0)
    store.failed(failed, "p", "http500", 1001.0)
    store.retry_at(retrying, "p", 5000.0, "http503", 1001.0)
    store.sent(recent, "p", 3000.0)
    assert store.forget_finished(before=2000.0) == 2
    assert store.claim(sent, "q", 6000.0, 6100.0) == 1  # gone: a new row could be made
    assert store.claim(retrying, "q", 6000.0, 6100.0) == 2  # kept, and due again
    assert store.claim(recent, "q", 6000.0, 6100.0) is None  # kept, already sent


def test_a_missed_due_time_is_recorded_once_and_never_claimed(store: SqlDeliveries) -> None:
    missed, claimed = (DeliveryKey(name, "2026-11-25T02:00:00+00:00") for name in "mc")
    assert store.record_missed(missed, 1000.0) and not store.record_missed(missed, 1001.0)
    assert store.claim(missed, "p", 1002.0, 1100.0) is None and store.waiting(5000.0) == []
    store.claim(claimed, "p", 1000.0, 1100.0)
    assert not store.record_missed(claimed, 1001.0)
    assert store.forget_finished(before=2000.0) == 1
