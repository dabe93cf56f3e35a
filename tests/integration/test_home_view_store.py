"""App Home's store on SQLite and PostgreSQL: who opened Home, and the campaigns with progress and owners."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Engine

from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.home_view_store import SqlHomeViews
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage


def test_opening_home_is_recorded_once_per_person_and_moves_on(migrated_engine: Engine) -> None:
    views = SqlHomeViews(migrated_engine)
    alice, bob = "U" + uuid.uuid4().hex[:8].upper(), "U" + uuid.uuid4().hex[:8].upper()
    views.record_open(alice, 100.0)
    views.record_open(alice, 200.0)  # opened again: still one row
    assert views.viewers([alice, bob]) == {alice}
    assert views.viewers([]) == set()
    assert alice in views.viewers(None) and bob not in views.viewers(None)


def test_campaigns_come_with_channel_creator_progress_and_item_owners(migrated_engine: Engine) -> None:
    store, views = SqlChecklistStore(migrated_engine), SqlHomeViews(migrated_engine)
    campaign_id = uuid.uuid4().hex[:10]
    items = [
        ChecklistItem("a", "定目标", date(2026, 11, 20), None, "U0ALICE"),
        ChecklistItem("b", "做预算", None, None, "U0BOB"),
        ChecklistItem("c", "找资源", None, None, None),
    ]
    campaign = Campaign(
        campaign_id, "双十二", "acquisition", "用户拉新", date(2026, 12, 12), date(2026, 12, 14)
    )
    store.save(Checklist(campaign, [Stage("goal", "目的", items)]), channel="C0HOME", created_by="U0LEAD")
    store.set_done(campaign_id, ["a"], True, "U0ALICE")

    found = views.campaign(campaign_id)
    assert found is not None
    assert (found.name, found.channel, found.created_by) == ("双十二", "C0HOME", "U0LEAD")
    assert (found.launch, found.end, found.done, found.total) == (
        date(2026, 12, 12),
        date(2026, 12, 14),
        1,
        3,
    )
    assert found.owners == frozenset({"U0ALICE", "U0BOB"})
    assert found in views.campaigns()
    assert views.campaign("nope") is None
