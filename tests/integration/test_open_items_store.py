"""Items by owner and by channel, one item's owner, and stages added later, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Engine

from bot.adapters.checklist_store import SqlChecklistStore
from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage


def _campaign(channel: str, store: SqlChecklistStore, owner: str) -> Checklist:
    campaign = Campaign(uuid.uuid4().hex[:10], f"活动{channel}", "acquisition", "用户拉新", None, None)
    items = [
        ChecklistItem("a", "定目标", date(2026, 11, 20), "手册 › 活动目的", owner),
        ChecklistItem("b", "做预算", date(2026, 11, 27), None, owner),
        ChecklistItem("c", "找资源", date(2026, 12, 3), None, None),
        ChecklistItem("d", "没有日期", None, None, owner),
    ]
    checklist = Checklist(campaign, [Stage("goal", "目的", items[:2]), Stage("resources", "资源", items[2:])])
    store.save(checklist, channel=channel, created_by="U0LEAD")
    return checklist


def test_open_items_are_filtered_by_owner_due_date_and_channel(migrated_engine: Engine) -> None:
    store = SqlChecklistStore(migrated_engine)
    owner = "U" + uuid.uuid4().hex[:8].upper()
    first = _campaign("C0FIRST", store, owner)
    second = _campaign("C0SECOND", store, owner)
    store.set_done(second.campaign.campaign_id, ["a"], True, owner)

    mine = store.open_items(owner=owner)
    assert [(i.campaign_id, i.item_id) for i in mine if i.due] == [
        (first.campaign.campaign_id, "a"),
        (first.campaign.campaign_id, "b"),
        (second.campaign.campaign_id, "b"),
    ]
    assert {i.item_id for i in mine if i.due is None} == {"d"}
    assert mine[0].stage_name == "目的" and mine[0].source == "手册 › 活动目的"
    assert mine[0].overdue_on(date(2026, 11, 26)) and not mine[1].overdue_on(date(2026, 11, 27))

    due = store.open_items(owner=owner, due_by=date(2026, 11, 26))
    assert [(i.campaign_id, i.item_id) for i in due] == [(first.campaign.campaign_id, "a")]
    in_second = store.open_items(channel="C0SECOND", due_by=date(2026, 12, 31))
    assert [i.item_id for i in in_second if i.campaign_id == second.campaign.campaign_id] == ["b", "c"]


def test_one_item_gets_an_owner_and_a_stage_is_appended_after_the_rest(migrated_engine: Engine) -> None:
    store = SqlChecklistStore(migrated_engine)
    checklist = _campaign("C0THIRD", store, "U0ONE")
    campaign_id = checklist.campaign.campaign_id
    store.set_item_owner(campaign_id, "c", "U0TWO")
    store.append_stage(
        campaign_id,
        "review_actions",
        "复盘改进项",
        [ChecklistItem("action-1", "下次提前备货", date(2026, 12, 20), "复盘 › 活动C0THIRD", "U0TWO")],
    )
    store.append_stage(
        campaign_id, "review_actions", "复盘改进项", [ChecklistItem("action-2", "补做问卷", None, None)]
    )
    loaded = store.load(campaign_id)
    assert loaded is not None
    assert [s.key for s in loaded.stages] == ["goal", "resources", "review_actions"]
    assert [i.item_id for i in loaded.stages[-1].items] == ["action-1", "action-2"]
    assert [i.owner for i in loaded.stages[1].items] == ["U0TWO", "U0ONE"]
    assert [i.item_id for i in store.open_items(owner="U0TWO")] == ["c", "action-1"]
