"""App Home through signed Slack requests on the frozen clock: opening the Home tab publishes the
person's items, campaigns, reminders and (for editors) knowledge gaps; its Done and Cancel buttons
act only for the right person; a change republishes Home only for those who opened it."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.reminder_store import SqlReminderStore
from bot.adapters.schema import campaigns, home_views
from bot.domain.clock import FixedClock
from bot.settings import Settings
from tests.slack.conftest import Reply, RunningBot, running_bot
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.test_checklists import post_checklist, tick
from tests.slack.test_gaps import opened_view, submit

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"


@pytest.fixture
def home_bot(slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock) -> Iterator[RunningBot]:
    """Alice is a knowledge editor; Bob and Carol are not."""
    settings = slack_settings.model_copy(update={"knowledge_editors": ALICE})
    with running_bot(settings, fake_slack, clock) as running:
        yield running


def settle(bot: RunningBot) -> None:
    assert bot.runtime.responder.drain(30)


def open_home(bot: RunningBot, user: str, tab: str = "home") -> Reply:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0HOME" + user[-3:],
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    reply = bot.event(event, f"Ev{user}{tab}{time.monotonic_ns()}")
    assert reply.status == 200
    return reply


def published(bot: RunningBot, user: str) -> list[dict[str, Any]]:
    """Every Home view published for `user`, oldest first."""
    views = []
    for call in bot.slack.called("views.publish"):
        if call.params.get("user_id") == user:
            view = call.params["view"]
            views.append(json.loads(view) if isinstance(view, str) else view)
    return views


def wait_for_home(bot: RunningBot, user: str, after: int = 0) -> dict[str, Any]:
    """The next Home published for `user` once `after` had been."""
    assert bot.slack.wait_for(lambda: len(published(bot, user)) > after)
    return published(bot, user)[-1]


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def home_action(bot: RunningBot, action_id: str, value: str, user: str) -> Reply:
    """A button pressed on the Home tab: a `view` container, no channel and no response URL."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "team_id": TEAM_ID},
        "api_app_id": "A0OPSBOT",
        "container": {"type": "view", "view_id": "V0HOME"},
        "trigger_id": "123.456.home",
        "view": {"id": "V0HOME", "type": "home", "team_id": TEAM_ID, "blocks": [], "state": {"values": {}}},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "home",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
    return bot.post(body, "application/x-www-form-urlencoded")


def checklist_for(bot: RunningBot, owners: dict[str, str]) -> tuple[str, SqlChecklistStore, dict[str, Any]]:
    """Alice posts the 双十二 checklist in #campaign; `owners` gives stages (by key) their owner."""
    message = post_checklist(bot)
    with bot.runtime.engine.connect() as db:
        campaign_id = str(db.execute(select(campaigns.c.id)).scalar_one())
    store = SqlChecklistStore(bot.runtime.engine)
    for stage, owner in owners.items():
        store.set_stage_owner(campaign_id, stage, owner)
    return campaign_id, store, message


def first_item_of(store: SqlChecklistStore, campaign_id: str, stage_key: str) -> str:
    checklist = store.load(campaign_id)
    assert checklist is not None
    return next(stage.items[0].item_id for stage in checklist.stages if stage.key == stage_key)


def is_done(store: SqlChecklistStore, campaign_id: str, item_id: str) -> bool:
    checklist = store.load(campaign_id)
    assert checklist is not None
    return next(item.done for item in checklist.items() if item.item_id == item_id)


def dms_to(bot: RunningBot, user: str) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in bot.slack.called("chat.postMessage")
        if c.params.get("channel") == user
    ]


def test_opening_home_publishes_my_items_campaigns_reminders_and_the_gaps_for_an_editor(
    home_bot: RunningBot,
) -> None:
    campaign_id, _, _ = checklist_for(home_bot, {"goal": ALICE})
    home_bot.command("remind me 明天10点 周报数据复盘", user=ALICE, response="rem")
    home_bot.command("ask 怎么配置 Kubernetes?", user=BOB, response="ask")
    assert home_bot.slack.wait_for(
        lambda: bool(home_bot.slack.responses("rem") and home_bot.slack.responses("ask"))
    )
    settle(home_bot)
    open_home(home_bot, ALICE)
    view = wait_for_home(home_bot, ALICE)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    shown = text_of(view)
    assert "My items (" in shown and f'"{campaign_id}:' in shown and "home_item_done" in shown
    assert "Campaigns (1)" in shown and "<#C0CAMPAIGN>" in shown and "░ 0/19" in shown
    # Hers: the one she just set, and the checklist's evaluation and review (she posted it).
    assert "My reminders (3)" in shown and "周报数据复盘" in shown and "next 11/26 10:00" in shown
    assert "home_reminder_cancel" in shown
    assert "Knowledge gaps (1)" in shown and "Kubernetes" in shown and '"gap_answer"' in shown
    with home_bot.runtime.engine.connect() as db:
        assert db.execute(select(home_views.c.user_id)).scalars().all() == [ALICE]


def test_a_person_who_is_not_a_knowledge_editor_sees_no_gaps(home_bot: RunningBot) -> None:
    home_bot.command("ask 怎么配置 Kubernetes?", user=BOB, response="ask")
    assert home_bot.slack.wait_for(lambda: bool(home_bot.slack.responses("ask")))
    settle(home_bot)
    open_home(home_bot, BOB)
    shown = text_of(wait_for_home(home_bot, BOB))
    assert "My items (0)" in shown and "My reminders (0)" in shown
    assert "Knowledge gaps" not in shown and "gap_answer" not in shown


def test_done_on_home_ticks_my_item_updates_the_checklist_message_and_republishes_home(
    home_bot: RunningBot,
) -> None:
    campaign_id, store, _ = checklist_for(home_bot, {"goal": ALICE})
    item_id = first_item_of(store, campaign_id, "goal")
    open_home(home_bot, ALICE)
    before = wait_for_home(home_bot, ALICE)
    assert f"{campaign_id}:{item_id}" in text_of(before)
    assert home_action(home_bot, "home_item_done", f"{campaign_id}:{item_id}", ALICE).status == 200
    assert home_bot.slack.wait_for(
        lambda: any("1/19 done" in text_of(c.params) for c in home_bot.slack.called("chat.update"))
    )
    assert is_done(store, campaign_id, item_id)
    assert home_bot.slack.wait_for(
        lambda: f"{campaign_id}:{item_id}" not in text_of(published(home_bot, ALICE)[-1])
    )
    assert "░ 1/19" in text_of(published(home_bot, ALICE)[-1])


def test_done_on_home_for_someone_elses_item_is_refused(home_bot: RunningBot) -> None:
    campaign_id, store, _ = checklist_for(home_bot, {"goal": ALICE})
    item_id = first_item_of(store, campaign_id, "goal")
    assert home_action(home_bot, "home_item_done", f"{campaign_id}:{item_id}", BOB).status == 200
    assert home_bot.slack.wait_for(
        lambda: any("Only the item's owner" in text for text in dms_to(home_bot, BOB))
    )
    settle(home_bot)
    assert not is_done(store, campaign_id, item_id)
    assert not home_bot.slack.called("chat.update") and not published(home_bot, BOB)


def test_cancel_on_home_cancels_only_the_creators_own_reminder(home_bot: RunningBot) -> None:
    home_bot.command("remind me 明天10点 周报数据复盘", user=ALICE, response="rem")
    assert home_bot.slack.wait_for(lambda: bool(home_bot.slack.responses("rem")))
    reminders = SqlReminderStore(home_bot.runtime.engine)
    (reminder,) = reminders.active()
    open_home(home_bot, ALICE)
    assert reminder.reminder_id in text_of(wait_for_home(home_bot, ALICE))

    assert home_action(home_bot, "home_reminder_cancel", reminder.reminder_id, BOB).status == 200
    assert home_bot.slack.wait_for(lambda: any("Only its creator" in text for text in dms_to(home_bot, BOB)))
    settle(home_bot)
    assert [r.reminder_id for r in reminders.active()] == [reminder.reminder_id]

    seen = len(published(home_bot, ALICE))
    assert home_action(home_bot, "home_reminder_cancel", reminder.reminder_id, ALICE).status == 200
    assert "My reminders (0)" in text_of(wait_for_home(home_bot, ALICE, after=seen))
    assert reminders.active() == []


def test_a_tick_in_the_channel_republishes_home_only_for_owners_who_opened_it(home_bot: RunningBot) -> None:
    campaign_id, _, message = checklist_for(home_bot, {"goal": ALICE, "planning": CAROL})
    open_home(home_bot, ALICE)
    wait_for_home(home_bot, ALICE)
    settle(home_bot)
    seen = len(published(home_bot, ALICE))
    blocks = message["blocks"]
    block_id = next(
        b["block_id"] for b in blocks if b.get("block_id", "").startswith(f"items:{campaign_id}:goal")
    )
    options = next(b for b in blocks if b.get("block_id") == block_id)["elements"][0]["options"]
    assert tick(home_bot, blocks, block_id, [options[0]["value"]], BOB).status == 200
    shown = text_of(wait_for_home(home_bot, ALICE, after=seen))
    assert "░ 1/19" in shown
    settle(home_bot)
    assert published(home_bot, CAROL) == [] and published(home_bot, BOB) == []


def test_opening_the_messages_tab_publishes_nothing(home_bot: RunningBot) -> None:
    open_home(home_bot, ALICE, tab="messages")
    assert home_bot.slack.wait_for(lambda: bool(dms_to(home_bot, "D0HOMEICE")))  # the one-time greeting
    settle(home_bot)
    assert home_bot.slack.called("views.publish") == []
    with home_bot.runtime.engine.connect() as db:
        assert db.execute(select(home_views.c.user_id)).scalars().all() == []


def test_answer_this_on_home_opens_the_form_for_an_editor_and_answering_republishes_her_home(
    home_bot: RunningBot,
) -> None:
    home_bot.command("ask 怎么配置 Kubernetes?", user=BOB, response="ask")
    assert home_bot.slack.wait_for(lambda: bool(home_bot.slack.responses("ask")))
    settle(home_bot)
    open_home(home_bot, ALICE)
    view = wait_for_home(home_bot, ALICE)
    gap_id = next(
        block["accessory"]["value"]
        for block in view["blocks"]
        if (block.get("accessory") or {}).get("action_id") == "gap_answer"
    )
    assert home_action(home_bot, "gap_answer", gap_id, BOB).status == 200  # not an editor
    assert home_bot.slack.wait_for(lambda: any("knowledge editors" in text for text in dms_to(home_bot, BOB)))
    assert home_action(home_bot, "gap_answer", gap_id, ALICE).status == 200
    form = opened_view(home_bot, 0)
    seen = len(published(home_bot, ALICE))
    submit(home_bot, form, {"title": "Kubernetes 配置", "body": "运维组负责,找 @ops-infra。"}, ALICE)
    assert "Knowledge gaps (0)" in text_of(wait_for_home(home_bot, ALICE, after=seen))


def test_a_reminder_that_fired_leaves_its_creators_home(live_bot: RunningBot) -> None:
    live_bot.command("remind here in 3 seconds 看一下双十二数据", user=ALICE, response="rem")
    assert live_bot.slack.wait_for(lambda: bool(live_bot.slack.responses("rem")))
    open_home(live_bot, ALICE)
    assert "看一下双十二数据" in text_of(wait_for_home(live_bot, ALICE))
    seen = len(published(live_bot, ALICE))

    def posted() -> bool:
        return any(
            "看一下双十二数据" in str(call.params.get("text"))
            for call in live_bot.slack.called("chat.postMessage")
        )

    assert live_bot.slack.wait_for(posted, timeout=30)
    assert live_bot.slack.wait_for(lambda: len(published(live_bot, ALICE)) > seen, timeout=30)
    assert "看一下双十二数据" not in text_of(published(live_bot, ALICE)[-1])
