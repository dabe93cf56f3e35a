"""Owners per checklist item through signed Slack requests: **Assign items** opens a modal of the stage's
items, its submission sets their owners and updates the checklist, outsiders and non-people are
refused, and `/ops mine` lists a person's open items across campaigns."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from bot.adapters.checklist_store import SqlChecklistStore
from tests.slack.conftest import Reply, RunningBot
from tests.slack.fake_slack import TEAM_ID
from tests.slack.test_checklists import post_checklist, posted_checklists
from tests.waiting import wait_until

FORM = "application/x-www-form-urlencoded"
LATER = "年货节拉新活动 launch 2027-01-20 end 2027-01-25"


def command_in(bot: RunningBot, channel: str, text: str, user: str, response: str) -> Reply:
    form = {
        "team_id": TEAM_ID,
        "channel_id": channel,
        "user_id": user,
        "command": bot.settings.slash_command,
        "text": text,
        "response_url": bot.slack.response_url(response),
        "trigger_id": f"trigger-{response}",
        "api_app_id": "A0OPSBOT",
    }
    return bot.post(urllib.parse.urlencode(form).encode(), FORM)


def post_checklist_in(bot: RunningBot, channel: str, text: str) -> dict[str, Any]:
    """A checklist drafted in another channel than the usual C0CAMPAIGN."""
    before = posted_checklists(bot)
    assert command_in(bot, channel, f"checklist {text}", "U0ALICE", f"cl-{channel}").status == 200
    assert wait_until(lambda: posted_checklists(bot) > before)
    return next(c.params for c in bot.slack.called("chat.postMessage") if c.params.get("channel") == channel)


def campaign_of(message: dict[str, Any]) -> str:
    block_id = next(b["block_id"] for b in message["blocks"] if b.get("block_id", "").startswith("items:"))
    return str(block_id.split(":")[1])


def open_modal(bot: RunningBot, message: dict[str, Any], stage: str, user: str = "U0LEAD") -> dict[str, Any]:
    campaign_id, opened = campaign_of(message), len(bot.slack.called("views.open"))
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "trigger_id": f"trigger-{stage}",
        "channel": {"id": message["channel"]},
        "container": {"type": "message", "channel_id": message["channel"]},
        "message": {"ts": "1800000001.000100", "blocks": message["blocks"]},
        "response_url": bot.slack.response_url("assign"),
        "actions": [
            {"type": "button", "action_id": f"checklist_assign:{campaign_id}:{stage}", "value": stage}
        ],
    }
    body = urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    assert bot.post(body, FORM).status == 200
    assert bot.slack.wait_for(lambda: len(bot.slack.called("views.open")) > opened)
    call = bot.slack.called("views.open")[-1]
    assert call.params["trigger_id"] == f"trigger-{stage}"
    view = call.params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def submit_owners(bot: RunningBot, view: dict[str, Any], picks: dict[str, str], user: str) -> dict[str, Any]:
    """A view_submission picking a person for some items (item id → user id)."""
    values = {
        f"owner:{item_id}": {"owner": {"type": "users_select", "selected_user": owner}}
        for item_id, owner in picks.items()
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0OPSBOT",
        "view": {**view, "id": f"V0{user}", "state": {"values": values}},
    }
    reply = bot.post(
        urllib.parse.urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode(), FORM
    )
    assert reply.status == 200
    return dict(reply.json()) if reply.body else {}


def owners_in_db(bot: RunningBot, campaign_id: str) -> dict[str, str | None]:
    checklist = SqlChecklistStore(bot.runtime.engine).load(campaign_id)
    assert checklist is not None
    return {item.item_id: item.owner for item in checklist.items()}


def test_assign_items_opens_a_modal_with_one_picker_per_item_of_the_stage(bot: RunningBot) -> None:
    message = post_checklist(bot)
    view = open_modal(bot, message, "promotion")
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["element"]["type"] for b in inputs] == ["users_select"] * 5
    assert {b["block_id"] for b in inputs} == {f"owner:promotion-{n}" for n in range(1, 6)}
    assert any("预热" in b["label"]["text"] for b in inputs)
    assert view["callback_id"] == "checklist_owners"


def test_a_submission_sets_the_owners_and_updates_the_checklist_with_their_names(bot: RunningBot) -> None:
    bot.slack.names["U0CAROL"] = "Carol Chen"
    message = post_checklist(bot)
    campaign_id = campaign_of(message)
    view = open_modal(bot, message, "promotion")
    reply = submit_owners(bot, view, {"promotion-1": "U0CAROL", "promotion-3": "U0BOB"}, "U0LEAD")
    assert "response_action" not in reply
    owners = owners_in_db(bot, campaign_id)
    assert owners["promotion-1"] == "U0CAROL" and owners["promotion-3"] == "U0BOB"
    assert owners["promotion-2"] is None and owners["goal-1"] is None
    assert bot.slack.wait_for(lambda: bool(bot.slack.called("chat.update")))
    updated = json.dumps(bot.slack.called("chat.update")[-1].params["blocks"], ensure_ascii=False)
    assert "👤 Carol Chen" in updated and "👤 u0bob" in updated and "<@" not in updated
    # Opened again, the modal shows who owns what now.
    again = {
        b["block_id"]: b["element"] for b in open_modal(bot, message, "promotion")["blocks"] if "element" in b
    }
    assert again["owner:promotion-1"]["initial_user"] == "U0CAROL"


def test_someone_outside_the_channel_cannot_assign_owners(bot: RunningBot) -> None:
    message = post_checklist(bot)
    view = open_modal(bot, message, "goal")
    reply = submit_owners(bot, view, {"goal-1": "U0MALLORY"}, "U0MALLORY")
    assert reply["response_action"] == "errors"
    assert "成员" in json.dumps(reply["errors"], ensure_ascii=False)
    assert owners_in_db(bot, campaign_of(message))["goal-1"] is None
    assert bot.runtime.responder.drain(10) and not bot.slack.called("chat.update")
    # Reading the public channel without joining it, they are told so instead of getting the form.
    opened = len(bot.slack.called("views.open"))
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": "U0MALLORY"},
        "trigger_id": "trigger-outsider",
        "channel": {"id": "C0CAMPAIGN"},
        "response_url": bot.slack.response_url("outsider"),
        "actions": [{"type": "button", "action_id": f"checklist_assign:{campaign_of(message)}:goal"}],
    }
    bot.post(urllib.parse.urlencode({"payload": json.dumps(payload)}).encode(), FORM)
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("outsider")))
    assert "members of the campaign's channel" in bot.slack.responses("outsider")[0]["text"]
    assert len(bot.slack.called("views.open")) == opened


def test_a_bot_or_an_unknown_account_cannot_own_an_item(bot: RunningBot) -> None:
    bot.slack.bot_users.add("U0ROBOT")
    bot.slack.unknown_users.add("U0GHOST")
    message = post_checklist(bot)
    view = open_modal(bot, message, "goal")
    for owner in ("U0ROBOT", "U0GHOST"):
        reply = submit_owners(bot, view, {"goal-1": "U0CAROL", "goal-2": owner}, "U0LEAD")
        assert reply["response_action"] == "errors" and list(reply["errors"]) == ["owner:goal-2"]
    assert owners_in_db(bot, campaign_of(message)) == {
        key: None for key in owners_in_db(bot, campaign_of(message))
    }
    assert not bot.slack.called("chat.update")


def test_ops_mine_lists_my_open_items_across_channels_and_nobody_elses(bot: RunningBot) -> None:
    first = post_checklist(bot)
    second = post_checklist_in(bot, "C0SECOND", LATER)
    submit_owners(bot, open_modal(bot, first, "goal"), {"goal-1": "U0ALICE", "goal-2": "U0BOB"}, "U0LEAD")
    submit_owners(bot, open_modal(bot, second, "resources"), {"resources-1": "U0ALICE"}, "U0LEAD")
    for text, response in (("mine", "m1"), ("my items", "m2"), ("我的", "m3")):
        assert bot.command(text, user="U0ALICE", response=response).status == 200
        assert bot.slack.wait_for(lambda response=response: bool(bot.slack.responses(response)))  # type: ignore[misc]
        listed = bot.slack.responses(response)[0]
        rendered = json.dumps(listed["blocks"], ensure_ascii=False)
        assert listed["response_type"] == "ephemeral" and "Your open items: 2" in listed["text"]
        assert "<#C0CAMPAIGN>" in rendered and "<#C0SECOND>" in rendered
        assert "双十二拉新活动" in rendered and "年货节拉新活动" in rendered and "due 11/26" in rendered
        assert "确定衡量目标的指标" not in rendered  # goal-2 is Bob's
    bot.command("mine", user="U0CAROL", response="m4")
    assert bot.slack.wait_for(lambda: bool(bot.slack.responses("m4")))
    assert "Your open items: 0" in bot.slack.responses("m4")[0]["text"]
