"""Reviews of one kind of campaign in one channel, newest first (what the next campaign carries over),
and action items keeping their own due date, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Engine

from bot.adapters.checklist_store import SqlChecklistStore
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.review_actions import FIXED_DUE, REVIEW_ACTIONS_NAME, REVIEW_ACTIONS_STAGE


def _campaign(store: SqlChecklistStore, name: str, kind: str, channel: str) -> str:
    campaign = Campaign(uuid.uuid4().hex[:10], name, kind, kind, date(2026, 12, 12), None)
    item = ChecklistItem("goal-1", "定目标", date(2026, 12, 1), None, anchor="launch", offset=-5)
    store.save(Checklist(campaign, [Stage("goal", "目的", [item])]), channel=channel, created_by="U0LEAD")
    return campaign.campaign_id


def test_reviews_of_a_kind_come_newest_first_from_this_channel_only(migrated_engine: Engine) -> None:
    store = SqlChecklistStore(migrated_engine)
    channel = "C" + uuid.uuid4().hex[:8].upper()
    older = _campaign(store, "双十一拉新活动", "acquisition", channel)
    newer = _campaign(store, "双十二拉新活动", "acquisition", channel)
    brand = _campaign(store, "周年庆", "brand", channel)
    elsewhere = _campaign(store, "别处的拉新活动", "acquisition", "C0ELSEWHERE")
    first = store.save_review(older, "U0LEAD", [("教训", "投放太晚")], 1_795_000_000.0)
    second = store.save_review(newer, "U0BOB", [("教训", "物料太晚"), ("空的", " ")], 1_795_000_100.0)
    same_second = store.save_review(newer, "U0CAROL", [("教训", "人手不够")], 1_795_000_100.0)
    store.save_review(brand, "U0LEAD", [("教训", "不算")], 1_795_000_200.0)
    store.save_review(elsewhere, "U0LEAD", [("教训", "不算")], 1_795_000_300.0)

    found = store.reviews_of_kind("acquisition", channel, 10)
    assert [r.review_id for r in found] == [same_second, second, first]
    assert found[1].campaign_name == "双十二拉新活动" and found[1].author == "U0BOB"
    assert found[1].answers == [("教训", "物料太晚")] and found[1].created_at == 1_795_000_100.0
    assert [r.review_id for r in store.reviews_of_kind("acquisition", channel, 1)] == [same_second]


def test_an_action_items_due_date_is_stored_as_fixed(migrated_engine: Engine) -> None:
    store = SqlChecklistStore(migrated_engine)
    campaign_id = _campaign(store, "双十二拉新活动", "acquisition", "C0CAMPAIGN")
    item = ChecklistItem("action-1-1", "锁定物料", date(2026, 12, 20), "复盘 · x", "U0BOB", anchor=FIXED_DUE)
    store.append_stage(campaign_id, REVIEW_ACTIONS_STAGE, REVIEW_ACTIONS_NAME, [item])
    loaded = store.load(campaign_id)
    assert loaded is not None
    (stored,) = loaded.stages[-1].items
    assert (stored.anchor, stored.due, stored.owner) == (FIXED_DUE, date(2026, 12, 20), "U0BOB")
