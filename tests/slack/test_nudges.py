"""Morning nudges through signed Slack requests on the frozen clock: one DM at 10:00 on a working day,
**Done** ticks the item and updates the checklist, `/ops nudges off` stops them, never twice a day."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from bot.adapters import campaign_jobs
from bot.adapters.checklist_store import SqlChecklistStore
from bot.adapters.schema import campaigns
from bot.domain.clock import FixedClock
from bot.services.nudges import NUDGE_JOB_ID
from bot.settings import Settings
from tests.slack.conftest import RunningBot, running_bot
from tests.slack.fake_slack import FakeSlack
from tests.slack.test_checklists import post_checklist
from tests.waiting import wait_until

OWNER = "U0ALICE"
DM = "D0ALICE"
# Friday 4 December 2026, 10:00 in Shanghai: 确认各部门的执行分工 is due today, earlier items overdue.
FRIDAY_10 = datetime(2026, 12, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NAME = "<!channel> 双十二拉新活动"


def owned_checklist(bot: RunningBot, owner: str = OWNER) -> str:
    """`/ops checklist …` in #campaign, every stage owned by `owner`; the campaign's id."""
    post_checklist(bot, f"{NAME} launch 2026-12-12 end 2026-12-14")
    with bot.runtime.engine.connect() as db:
        campaign_id = str(db.execute(select(campaigns.c.id)).scalar_one())
    store = SqlChecklistStore(bot.runtime.engine)
    checklist = store.load(campaign_id)
    assert checklist is not None
    for stage in checklist.stages:
        store.set_stage_owner(campaign_id, stage.key, owner)
    return campaign_id


def nudges_to(bot: RunningBot, user: str = OWNER) -> list[dict[str, Any]]:
    return [c.params for c in bot.slack.called("chat.postMessage") if c.params.get("channel") == user]


def fire() -> None:
    campaign_jobs.fire(NUDGE_JOB_ID)


def done_buttons(dm: dict[str, Any]) -> list[str]:
    return [
        str(block["accessory"]["value"])
        for block in dm["blocks"]
        if (block.get("accessory") or {}).get("action_id") == "nudge_done"
    ]


def click_done(bot: RunningBot, dm: dict[str, Any], value: str, user: str, response: str) -> int:
    """A block_actions payload as Slack sends it for a button in the app's DM."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0000001"},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "trigger_id": "123.456",
        "channel": {"id": DM},
        "container": {"type": "message", "channel_id": DM, "message_ts": "1800000099.000100"},
        "message": {"ts": "1800000099.000100", "text": dm["text"], "blocks": dm["blocks"]},
        "response_url": bot.slack.response_url(response),
        "actions": [{"type": "button", "action_id": "nudge_done", "block_id": "b", "value": value}],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    return bot.post(body, "application/x-www-form-urlencoded").status


def open_ids(bot: RunningBot, campaign_id: str) -> set[str]:
    return {
        i.item_id for i in SqlChecklistStore(bot.runtime.engine).open_items() if i.campaign_id == campaign_id
    }


def private_reply(bot: RunningBot, command: str, response: str, user: str = OWNER) -> str:
    assert bot.command(command, user=user, response=response).status == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses(response)))
    reply = bot.slack.responses(response)[0]
    assert reply["response_type"] == "ephemeral"
    return str(reply["text"])


def test_at_10_on_a_working_day_the_owner_gets_one_dm_listing_due_and_overdue_items(
    bot: RunningBot, clock: FixedClock
) -> None:
    owned_checklist(bot)
    with bot.runtime.engine.connect() as db:
        stored = db.execute(text("SELECT id FROM apscheduler_jobs WHERE id = :id"), {"id": NUDGE_JOB_ID})
        assert stored.first() is None  # the scheduler has not started: nothing stored yet
    clock.set(FRIDAY_10 - timedelta(minutes=1))
    fire()
    assert nudges_to(bot) == []
    clock.set(FRIDAY_10)
    fire()
    fire()  # the next quarter hour, or another process: not again
    [dm] = nudges_to(bot)
    assert dm["text"].startswith("早上好") and "Good morning —" in dm["text"] and "overdue" in dm["text"]
    shown = json.dumps(dm["blocks"], ensure_ascii=False)
    assert "确认各部门的执行分工" in shown and "due today" in shown
    assert "与各部门沟通,确认资源与排期" in shown and "overdue since 12/03" in shown
    assert "&lt;!channel&gt; 双十二拉新活动" in shown and "<!channel>" not in shown
    assert len(done_buttons(dm)) >= 2


def test_done_in_the_dm_ticks_the_item_and_updates_the_checklist_and_the_dm(
    bot: RunningBot, clock: FixedClock
) -> None:
    campaign_id = owned_checklist(bot)
    checklist_ts = SqlChecklistStore(bot.runtime.engine).message_of(campaign_id)
    clock.set(FRIDAY_10)
    fire()
    [dm] = nudges_to(bot)
    value = done_buttons(dm)[0]
    item_id = value.partition(":")[2]
    assert value.startswith(f"{campaign_id}:") and item_id in open_ids(bot, campaign_id)
    assert click_done(bot, dm, value, OWNER, "done") == 200
    assert bot.slack.wait_for(lambda: len(bot.slack.called("chat.update")) >= 2)
    assert item_id not in open_ids(bot, campaign_id)
    updates = {c.params["channel"]: c.params for c in bot.slack.called("chat.update")}
    assert checklist_ts is not None and updates["C0CAMPAIGN"]["ts"] == checklist_ts[1]
    assert "1/" in updates["C0CAMPAIGN"]["text"]
    done_block = next(b for b in updates[DM]["blocks"] if b.get("block_id", "").endswith(value))
    assert "accessory" not in done_block and done_block["text"]["text"].startswith("☑")
    assert len(done_buttons(updates[DM])) == len(done_buttons(dm)) - 1


def test_a_strangers_click_is_refused_privately_and_changes_nothing(
    bot: RunningBot, clock: FixedClock
) -> None:
    campaign_id = owned_checklist(bot)
    clock.set(FRIDAY_10)
    fire()
    [dm] = nudges_to(bot)
    before = open_ids(bot, campaign_id)
    assert click_done(bot, dm, done_buttons(dm)[0], "U0MALLORY", "stranger") == 200
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("stranger")))
    refusal = bot.slack.responses("stranger")[0]
    assert refusal["response_type"] == "ephemeral" and "Only the item's owner" in refusal["text"]
    assert bot.runtime.responder.drain(10)
    assert open_ids(bot, campaign_id) == before and bot.slack.called("chat.update") == []


def test_ops_nudges_off_stops_them_and_on_brings_them_back(bot: RunningBot, clock: FixedClock) -> None:
    owned_checklist(bot)
    assert "on" in private_reply(bot, "nudges", "status")
    assert "off" in private_reply(bot, "nudges off", "off")
    assert "Morning nudges: off" in private_reply(bot, "nudges", "status2")
    clock.set(FRIDAY_10)
    fire()
    assert nudges_to(bot) == []
    assert "Morning nudges are on" in private_reply(bot, "nudges on", "on")
    clock.advance(timedelta(minutes=15))
    fire()
    assert len(nudges_to(bot)) == 1


@pytest.fixture
def sweeping_settings(slack_settings: Settings) -> Settings:
    return slack_settings.model_copy(update={"reminder_sweep_s": 0.2})


@pytest.fixture
def sweeping_bot(
    sweeping_settings: Settings, fake_slack: FakeSlack, clock: FixedClock
) -> Iterator[RunningBot]:
    """The scheduler running (its delivery sweep every 0.2 s) while the app's clock stays frozen."""
    with running_bot(sweeping_settings, fake_slack, clock) as running:
        scheduler = running.runtime.scheduler
        scheduler.start()
        assert wait_until(lambda: scheduler.leading, timeout=10)
        yield running


def test_a_5xx_is_retried_by_the_delivery_sweep_and_the_dm_goes_out_once(
    sweeping_bot: RunningBot, clock: FixedClock
) -> None:
    bot = sweeping_bot
    owned_checklist(bot)
    with bot.runtime.engine.connect() as db:
        stored = db.execute(text("SELECT id FROM apscheduler_jobs WHERE id = :id"), {"id": NUDGE_JOB_ID})
        assert stored.first() is not None  # persisted, firing every quarter hour
    clock.set(FRIDAY_10)
    bot.slack.fail_next("chat.postMessage", "http503")
    fire()
    assert bot.slack.called("chat.postMessage#http503") and nudges_to(bot) == []
    clock.advance(timedelta(seconds=31))  # past the first backoff: the sweep takes it
    assert bot.slack.wait_for(lambda: bool(nudges_to(bot)), timeout=10)
    fire()
    clock.advance(timedelta(minutes=5))
    bot.slack.wait_for(lambda: len(nudges_to(bot)) > 1, timeout=1)  # nothing else may come
    assert len(nudges_to(bot)) == 1


def test_a_restart_the_same_day_does_not_nudge_again(
    slack_settings: Settings, fake_slack: FakeSlack, clock: FixedClock
) -> None:
    with running_bot(slack_settings, fake_slack, clock) as first:
        owned_checklist(first)
        clock.set(FRIDAY_10)
        fire()
        assert len(nudges_to(first)) == 1
    clock.advance(timedelta(hours=3))
    with running_bot(slack_settings, fake_slack, clock) as restarted:  # the same database
        fire()
        assert len(nudges_to(restarted)) == 1
        clock.set(FRIDAY_10 + timedelta(days=3))  # Monday: a new day, a new nudge
        fire()
        assert len(nudges_to(restarted)) == 2
