"""The checklist store on SQLite and, when OPSBOT_TEST_DATABASE_URL is set, on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.database import make_engine
from bot.adapters.migrate import upgrade
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage

POSTGRES = os.environ.get("OPSBOT_TEST_DATABASE_URL", "")


def _url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'state.sqlite3'}"
    if not POSTGRES:
        pytest.skip("OPSBOT_TEST_DATABASE_URL is not set")
    return POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(_url(request.param, tmp_path))
    upgrade(engine)
    yield engine
    engine.dispose()


def _checklist(items: int = 12) -> Checklist:
    campaign = Campaign(
        uuid.uuid4().hex[:10],
        "双十二拉新活动",
        "acquisition",
        "用户拉新",
        date(2026, 12, 12),
        date(2026, 12, 14),
    )
    first = [
        ChecklistItem(
            f"goal-{i}", f"目的事项{i}", date(2026, 11, 26), "互联网运营大揭秘 › 活动运营 › 活动目的"
        )
        for i in range(2)
    ]
    rest = [ChecklistItem(f"promotion-{i}", f"推广事项{i}", None, None) for i in range(items - 2)]
    return Checklist(campaign, [Stage("goal", "目的", first), Stage("promotion", "宣传推广", rest)], ["note"])


def test_a_checklist_round_trips(engine: Engine) -> None:
    store = SqlChecklistStore(engine)
    checklist = _checklist()
    store.save(checklist, channel="C1", created_by="U1")
    loaded = store.load(checklist.campaign.campaign_id)
    assert loaded is not None
    assert loaded.to_json() == checklist.to_json() and loaded.notes == ["note"]
    store.attach_message(checklist.campaign.campaign_id, "C1", "1800.0001")
    assert store.message_of(checklist.campaign.campaign_id) == ("C1", "1800.0001")


def test_ticks_and_owners_persist(engine: Engine) -> None:
    store = SqlChecklistStore(engine)
    checklist = _checklist()
    campaign_id = checklist.campaign.campaign_id
    store.save(checklist, channel="C2")
    store.set_done(campaign_id, ["goal-0", "promotion-3"], True, "U1")
    store.set_done(campaign_id, ["promotion-3"], False, "U2")
    store.set_stage_owner(campaign_id, "promotion", "U9")
    loaded = store.load(campaign_id)
    assert loaded is not None
    assert [item.item_id for item in loaded.items() if item.done] == ["goal-0"]
    assert {item.owner for item in loaded.stages[1].items} == {"U9"}
    summary = store.for_channel("C2")[0]
    assert (summary.done, summary.total, summary.name) == (1, 12, "双十二拉新活动")


def test_concurrent_ticks_on_different_items_are_all_kept(engine: Engine) -> None:
    store = SqlChecklistStore(engine)
    checklist = _checklist(items=42)
    campaign_id = checklist.campaign.campaign_id
    store.save(checklist)
    ids = [item.item_id for item in checklist.items()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda item_id: store.set_done(campaign_id, [item_id], True, "U" + item_id), ids))
    loaded = store.load(campaign_id)
    assert loaded is not None and loaded.progress() == (42, 42)
