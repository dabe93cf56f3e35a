"""Owners per checklist item with in-memory stores: who may assign, who may be assigned, what the
checklist message and the owner modal show, and `/ops mine` across campaigns."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.checklists import Campaign, Checklist, ChecklistItem, Stage
from bot.domain.clock import FixedClock
from bot.domain.errors import NotAllowed, NotFound
from bot.services.checklists import ChecklistService, OwnerRefused
from bot.slack.checklist_blocks import (
    checklist_blocks,
    my_items_blocks,
    owners_modal,
    submitted_owners,
)
from bot.slack.parsing import parse_command
from tests.fakes import FakeChecklistStore, FakePeople
from tests.unit.test_drafting import drafter

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


def campaign(campaign_id: str = "c1", name: str = "双十二拉新活动") -> Checklist:
    def item(item_id: str, due: date | None, owner: str | None = None) -> ChecklistItem:
        return ChecklistItem(item_id, f"{name} 事项 {item_id}", due, "活动运营 › 预热", owner=owner)

    return Checklist(
        Campaign(campaign_id, name, "acquisition", "用户拉新", None, None),
        [
            Stage(
                "prep", "准备", [item("p1", TODAY - timedelta(days=1)), item("p2", TODAY), item("p3", None)]
            ),
            Stage("run", "执行", [item("r1", TODAY + timedelta(days=3), owner="U0BOB")]),
        ],
    )


def service_with(
    store: FakeChecklistStore, members: dict[str, set[str]] | None = None, not_people: set[str] | None = None
) -> ChecklistService:
    people = FakePeople(
        members=members or {"C0ONE": {"U0LEAD", "U0CAROL"}, "C0TWO": {"U0LEAD"}},
        not_people=not_people or set(),
    )
    return ChecklistService(drafter(), store, FixedClock(NOW), people=people)


def owners(service: ChecklistService, campaign_id: str = "c1") -> dict[str, str | None]:
    return {item.item_id: item.owner for item in service.load(campaign_id).items()}


def test_a_channel_member_sets_owners_item_by_item_and_only_changes_count() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C0ONE")
    service = service_with(store)
    changed = service.set_item_owners("c1", "prep", {"p1": "U0CAROL", "p2": "U0BOB"}, "U0LEAD")
    assert changed == ["p1", "p2"]
    assert owners(service) == {"p1": "U0CAROL", "p2": "U0BOB", "p3": None, "r1": "U0BOB"}
    assert service.set_item_owners("c1", "prep", {"p1": "U0CAROL"}, "U0LEAD") == []
    # An emptied picker takes the owner off that item only.
    assert service.set_item_owners("c1", "prep", {"p1": "U0CAROL", "p2": None}, "U0LEAD") == ["p2"]
    assert owners(service) == {"p1": "U0CAROL", "p2": None, "p3": None, "r1": "U0BOB"}


def test_someone_outside_the_campaigns_channel_cannot_assign() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C0ONE")
    service = service_with(store)
    with pytest.raises(NotAllowed):
        service.set_item_owners("c1", "prep", {"p1": "U0MALLORY"}, "U0MALLORY")
    with pytest.raises(NotAllowed):  # without a way to ask the platform, nobody counts as a member
        ChecklistService(drafter(), store, FixedClock(NOW)).set_item_owners(
            "c1", "prep", {"p1": "U0X"}, "U0LEAD"
        )
    with pytest.raises(NotFound):
        service.set_item_owners("nope", "prep", {"p1": "U0CAROL"}, "U0LEAD")
    assert owners(service)["p1"] is None


def test_a_bot_or_a_made_up_id_is_refused_and_nothing_is_changed() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C0ONE")
    service = service_with(store, not_people={"U0ROBOT"})
    with pytest.raises(OwnerRefused) as refused:
        service.set_item_owners("c1", "prep", {"p1": "U0CAROL", "p2": "U0ROBOT"}, "U0LEAD")
    assert refused.value.item_id == "p2"
    with pytest.raises(OwnerRefused):
        service.set_item_owners("c1", "prep", {"p1": "<!channel>"}, "U0LEAD")
    assert owners(service)["p1"] is None and owners(service)["p2"] is None


def test_an_item_of_another_stage_in_the_form_is_ignored() -> None:
    store = FakeChecklistStore()
    store.save(campaign(), channel="C0ONE")
    service = service_with(store)
    assert service.set_item_owners("c1", "prep", {"r1": "U0CAROL", "p3": "U0CAROL"}, "U0LEAD") == ["p3"]
    assert owners(service)["r1"] == "U0BOB"


def test_my_open_items_span_campaigns_and_leave_out_others_and_ticked_ones() -> None:
    store = FakeChecklistStore()
    store.save(campaign("c1", "双十二拉新活动"), channel="C0ONE")
    store.save(campaign("c2", "年货节"), channel="C0TWO")
    service = service_with(store)
    service.set_item_owners("c1", "prep", {"p1": "U0LEAD", "p3": "U0LEAD"}, "U0LEAD")
    service.set_item_owners("c2", "prep", {"p2": "U0LEAD", "p1": "U0CAROL"}, "U0LEAD")
    store.set_done("c1", ["p3"], True, "U0LEAD")
    grouped = service.my_open_items("U0LEAD")
    assert [(i.campaign_id, i.item_id) for i in grouped.overdue] == [("c1", "p1")]
    assert [(i.campaign_id, i.item_id) for i in grouped.today] == [("c2", "p2")]
    assert grouped.upcoming == [] and grouped.undated == [] and grouped.count == 2
    rendered = json.dumps(my_items_blocks(grouped, TODAY), ensure_ascii=False)
    assert "<#C0ONE>" in rendered and "<#C0TWO>" in rendered and "年货节" in rendered
    assert "overdue since 11/24" in rendered and "due 11/25" in rendered
    assert "You have no open items" in json.dumps(my_items_blocks(service.my_open_items("U0NOBODY"), TODAY))


def test_the_checklist_shows_owner_names_and_an_assign_button_per_stage() -> None:
    checklist = campaign()
    checklist.stages[0].items[0].owner = "U0CAROL"
    blocks = checklist_blocks(checklist, names={"U0CAROL": "Carol", "U0BOB": "Bob"}.__getitem__)
    options = [
        o for b in blocks if b.get("block_id", "").startswith("items:") for o in b["elements"][0]["options"]
    ]
    descriptions = [o["description"]["text"] for o in options]
    assert "Carol" in descriptions[0] and "Bob" in descriptions[3] and "👤" not in descriptions[1]
    assert all(len(text) <= 75 for text in descriptions) and "<@" not in json.dumps(blocks)
    buttons = [
        e["action_id"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("checklist_assign")
    ]
    assert buttons == ["checklist_assign:c1:prep", "checklist_assign:c1:run"]


def test_the_owner_modal_has_a_picker_per_item_showing_its_owner_and_reads_back() -> None:
    checklist = campaign()
    checklist.stages[0].items[1].owner = "U0CAROL"
    view = owners_modal(checklist, "prep")
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["owner:p1", "owner:p2", "owner:p3"]
    assert inputs[1]["element"]["initial_user"] == "U0CAROL" and "initial_user" not in inputs[0]["element"]
    assert json.loads(view["private_metadata"]) == {"campaign": "c1", "stage": "prep"}
    state = {
        "owner:p1": {"owner": {"type": "users_select", "selected_user": "U0LEAD"}},
        "owner:p2": {"owner": {"type": "users_select", "selected_user": None}},
    }
    # p2's picker was emptied (Slack sends null): its owner goes; p3 was not in the form's state.
    assert submitted_owners({**view, "state": {"values": state}}) == {"p1": "U0LEAD", "p2": None}


def test_a_huge_stage_stays_within_a_modals_100_blocks() -> None:
    checklist = campaign()
    checklist.stages[0].items = [ChecklistItem(f"x{n}", "很长" * 1500, None, None) for n in range(150)]
    view = owners_modal(checklist, "prep")
    assert len(view["blocks"]) <= 100
    assert all(len(b["label"]["text"]) <= 2000 for b in view["blocks"] if b["type"] == "input")


def test_mine_has_three_spellings() -> None:
    for text in ("mine", "my items", "My  Items", "我的"):
        assert parse_command(text).name == "mine", text
    assert parse_command("my campaign failed, what now?").name == "ask"
